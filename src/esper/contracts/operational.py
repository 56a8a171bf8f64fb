"""Operational models: telemetry, system state and decisions exchanged at run time."""

from typing import Annotated, Self

from pydantic import Field, NonNegativeInt, PositiveInt, model_validator

from .base import EsperModel
from .enums import AdaptationType, FieldReportOutcome, SeedState
from .validators import (
    FiniteFloat,
    JsonObject,
    Metrics,
    NonNegativeFiniteFloat,
    SeedId,
    UnitInterval,
    UTCDateTime,
    utc_now,
    validate_seed_id,
)


class HealthSignal(EsperModel):
    """High-frequency health signal from a KasminaSeed (``seed_id`` is its index in the layer)."""

    layer_id: NonNegativeInt
    seed_id: NonNegativeInt
    chunk_id: NonNegativeInt
    epoch: NonNegativeInt
    activation_variance: NonNegativeFiniteFloat
    dead_neuron_ratio: UnitInterval
    avg_correlation: Annotated[FiniteFloat, Field(ge=-1.0, le=1.0)]
    is_ready_for_transition: bool = False
    health_score: UnitInterval = 1.0
    execution_latency: NonNegativeFiniteFloat = 0.0
    error_count: NonNegativeInt = 0
    active_seeds: NonNegativeInt = 1
    total_seeds: PositiveInt = 1
    timestamp: UTCDateTime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _active_within_total(self) -> Self:
        if self.active_seeds > self.total_seeds:
            raise ValueError("active_seeds must not exceed total_seeds")
        return self

    @property
    def seed_address(self) -> SeedId:
        """The seed this signal describes, as ``(layer_id, seed_idx)``."""
        return validate_seed_id((self.layer_id, self.seed_id))


class HardwareContext(EsperModel):
    """The hardware a model is trained on."""

    device_type: Annotated[str, Field(min_length=1)]
    memory_available_gb: NonNegativeFiniteFloat
    supports_quantization: bool = False


class SystemStatePacket(EsperModel):
    """Tolaria's per-epoch snapshot for Tamiyo; seed maps are keyed by ``(layer_id, seed_idx)``."""

    epoch: NonNegativeInt
    total_seeds: NonNegativeInt
    active_seeds: NonNegativeInt
    training_loss: FiniteFloat
    validation_loss: FiniteFloat
    validation_accuracy: UnitInterval
    system_load: UnitInterval
    memory_usage: UnitInterval
    hardware_context: HardwareContext
    health_map: dict[SeedId, HealthSignal] = Field(default_factory=dict)
    seed_states: dict[SeedId, SeedState] = Field(default_factory=dict)
    timestamp: UTCDateTime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.active_seeds > self.total_seeds:
            raise ValueError("active_seeds must not exceed total_seeds")
        for key, signal in self.health_map.items():
            if signal.seed_address != key:
                raise ValueError(
                    f"health_map key {key} does not match the signal's seed {signal.seed_address}"
                )
        return self


class AdaptationDecision(EsperModel):
    """Tamiyo's decision to adapt the architecture at one layer."""

    layer_name: Annotated[str, Field(min_length=1)]
    adaptation_type: AdaptationType
    confidence: UnitInterval
    urgency: UnitInterval
    metadata: JsonObject = Field(default_factory=dict)
    timestamp: UTCDateTime = Field(default_factory=utc_now)


class FieldReport(EsperModel):
    """The outcome of one adaptation, sent to Karn so it can learn which blueprints work."""

    blueprint_id: Annotated[str, Field(min_length=1)]
    kernel_artifact_id: Annotated[str, Field(min_length=1)]
    seed_id: SeedId
    pre_metric: FiniteFloat
    post_metric: FiniteFloat
    outcome: FieldReportOutcome
    eval_metrics: Metrics = Field(default_factory=dict)
