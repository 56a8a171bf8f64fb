"""The contracts every Esper component relies on (API version ``esper.API_VERSION``)."""

from esper import API_VERSION

from .assets import Blueprint, CompiledKernel, KernelMetadata, S3ObjectRef, Seed, TrainingSession
from .base import EsperModel
from .enums import (
    AdaptationType,
    BlueprintState,
    BlueprintStatus,
    CompiledKernelStatus,
    ComponentType,
    FieldReportOutcome,
    KasminaCommandType,
    KernelStatus,
    SeedState,
    SystemHealth,
    TrainingSessionStatus,
)
from .messages import (
    TOPIC_PAYLOADS,
    BlueprintSubmitted,
    EpochEvent,
    KasminaCommand,
    KernelCharacterized,
    KernelReady,
    OonaMessage,
    OonaPayload,
    TopicNames,
)
from .operational import (
    AdaptationDecision,
    FieldReport,
    HardwareContext,
    HealthSignal,
    SystemStatePacket,
)
from .validators import SeedId, UTCDateTime, ensure_utc, utc_now, validate_seed_id

__all__ = [
    "API_VERSION",
    "TOPIC_PAYLOADS",
    "AdaptationDecision",
    "AdaptationType",
    "Blueprint",
    "BlueprintState",
    "BlueprintStatus",
    "BlueprintSubmitted",
    "CompiledKernel",
    "CompiledKernelStatus",
    "ComponentType",
    "EpochEvent",
    "EsperModel",
    "FieldReport",
    "FieldReportOutcome",
    "HardwareContext",
    "HealthSignal",
    "KasminaCommand",
    "KasminaCommandType",
    "KernelCharacterized",
    "KernelMetadata",
    "KernelReady",
    "KernelStatus",
    "OonaMessage",
    "OonaPayload",
    "S3ObjectRef",
    "Seed",
    "SeedId",
    "SeedState",
    "SystemHealth",
    "SystemStatePacket",
    "TopicNames",
    "TrainingSession",
    "TrainingSessionStatus",
    "UTCDateTime",
    "ensure_utc",
    "utc_now",
    "validate_seed_id",
]
