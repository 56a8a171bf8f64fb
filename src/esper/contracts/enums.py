"""Status enums shared by every Esper component. Values are lowercase strings on the wire."""

from enum import StrEnum


class SeedState(StrEnum):
    """Lifecycle of a KasminaSeed."""

    DORMANT = "dormant"
    GERMINATED = "germinated"
    TRAINING = "training"
    GRAFTING = "grafting"
    STABILIZATION = "stabilization"
    EVALUATING = "evaluating"
    FINE_TUNING = "fine_tuning"
    FOSSILIZED = "fossilized"
    CULLED = "culled"
    CANCELLED = "cancelled"
    ROLLED_BACK = "rolled_back"


class BlueprintState(StrEnum):
    """Lifecycle of a blueprint from proposal to archive."""

    PROPOSED = "proposed"
    COMPILING = "compiling"
    VALIDATING = "validating"
    CHARACTERIZED = "characterized"
    DEPLOYED = "deployed"
    FAILED = "failed"
    ARCHIVED = "archived"


class SystemHealth(StrEnum):
    """Overall health of the system or of one component."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    CRITICAL = "critical"
    OFFLINE = "offline"


class ComponentType(StrEnum):
    """The Esper subsystems."""

    TAMIYO = "tamiyo"
    KARN = "karn"
    KASMINA = "kasmina"
    TEZZERET = "tezzeret"
    URABRASK = "urabrask"
    TOLARIA = "tolaria"
    URZA = "urza"
    OONA = "oona"
    NISSA = "nissa"
    SIMIC = "simic"
    EMRAKUL = "emrakul"


class BlueprintStatus(StrEnum):
    """Validation status of a blueprint's design (Urza's view)."""

    UNVALIDATED = "unvalidated"
    COMPILING = "compiling"
    VALIDATED = "validated"
    INVALID = "invalid"


class KernelStatus(StrEnum):
    """Status of a compiled kernel in Urza's library."""

    PENDING_BENCHMARKING = "pending_benchmarking"
    VALIDATED = "validated"
    REJECTED = "rejected"
    DEPLOYED = "deployed"


class TrainingSessionStatus(StrEnum):
    """Status of a training session."""

    INITIALIZED = "initialized"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"


class CompiledKernelStatus(StrEnum):
    """Deployment status of a compiled kernel artifact."""

    COMPILED = "compiled"
    VALIDATED = "validated"
    DEPLOYED = "deployed"
    DEPRECATED = "deprecated"


class AdaptationType(StrEnum):
    """Kind of architectural adaptation Tamiyo decides on."""

    ADD_SEED = "add_seed"
    REMOVE_SEED = "remove_seed"
    MODIFY_ARCHITECTURE = "modify_architecture"
    OPTIMIZE_PARAMETERS = "optimize_parameters"


class FieldReportOutcome(StrEnum):
    """Final outcome of a seed's adaptation, reported to Karn."""

    FOSSILIZED = "fossilized"
    CULLED = "culled"
    ROLLED_BACK = "rolled_back"


class KasminaCommandType(StrEnum):
    """Commands Tamiyo sends to a KasminaSeed."""

    GERMINATE = "germinate"
    ADVANCE = "advance"
    CULL = "cull"
    ROLLBACK = "rollback"
    FOSSILIZE = "fossilize"
