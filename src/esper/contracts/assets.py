"""Core asset models: seeds, blueprints, training sessions and compiled kernels."""

import uuid
from typing import Annotated, Self

from pydantic import Field, NonNegativeInt, PositiveInt, model_validator

from .base import EsperModel
from .enums import BlueprintState, CompiledKernelStatus, SeedState, TrainingSessionStatus
from .validators import (
    JsonObject,
    Metrics,
    NonNegativeFiniteFloat,
    SeedId,
    UTCDateTime,
    utc_now,
    validate_seed_id,
)

S3_OBJECT_REF_PATTERN = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/\S+$"
S3ObjectRef = Annotated[str, Field(pattern=S3_OBJECT_REF_PATTERN)]
"""A reference to an object in the artifact store: ``s3://bucket/key``."""

Identifier = Annotated[str, Field(min_length=1, max_length=255)]


def _new_id() -> str:
    return str(uuid.uuid4())


class _Timestamped(EsperModel):
    created_at: UTCDateTime = Field(default_factory=utc_now)
    updated_at: UTCDateTime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _updated_not_before_created(self) -> Self:
        if self.updated_at < self.created_at:
            raise ValueError("updated_at must not be earlier than created_at")
        return self


class Seed(_Timestamped):
    """A KasminaSeed: an adaptation site at ``position`` within layer ``layer_id``."""

    seed_id: Identifier = Field(default_factory=_new_id)
    layer_id: NonNegativeInt
    position: NonNegativeInt
    state: SeedState = SeedState.DORMANT
    blueprint_id: Identifier | None = None
    metadata: JsonObject = Field(default_factory=dict)

    @property
    def address(self) -> SeedId:
        """The seed's address ``(layer_id, seed_idx)``, as used by SystemStatePacket maps."""
        return validate_seed_id((self.layer_id, self.position))


class Blueprint(_Timestamped):
    """An architectural design proposed by Karn and compiled by Tezzeret."""

    blueprint_id: Identifier = Field(default_factory=_new_id)
    name: Annotated[str, Field(min_length=1, max_length=255)]
    description: str = ""
    state: BlueprintState = BlueprintState.PROPOSED
    architecture: Annotated[JsonObject, Field(min_length=1)]
    hyperparameters: JsonObject = Field(default_factory=dict)
    performance_metrics: Metrics = Field(default_factory=dict)
    created_by: Identifier = "unknown"


class TrainingSession(_Timestamped):
    """One training run: the model, its settings, its seeds and the blueprints it used."""

    session_id: Identifier = Field(default_factory=_new_id)
    name: Annotated[str, Field(min_length=1, max_length=255)]
    description: str = ""
    model_settings: JsonObject = Field(default_factory=dict)
    training_settings: JsonObject = Field(default_factory=dict)
    seeds: list[Seed] = Field(default_factory=list)
    blueprints: list[Blueprint] = Field(default_factory=list)
    status: TrainingSessionStatus = TrainingSessionStatus.INITIALIZED
    started_at: UTCDateTime | None = None
    completed_at: UTCDateTime | None = None

    @model_validator(mode="after")
    def _seed_addresses_unique(self) -> Self:
        addresses = [seed.address for seed in self.seeds]
        if len(addresses) != len(set(addresses)):
            raise ValueError("two seeds share the same (layer_id, position) address")
        if (
            self.started_at is not None
            and self.completed_at is not None
            and self.completed_at < self.started_at
        ):
            raise ValueError("completed_at must not be earlier than started_at")
        return self


class KernelMetadata(EsperModel):
    """What Urza knows about a compiled kernel without loading it."""

    kernel_id: Identifier
    blueprint_id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=255)]
    input_shape: Annotated[list[PositiveInt], Field(min_length=1)]
    output_shape: Annotated[list[PositiveInt], Field(min_length=1)]
    parameter_count: NonNegativeInt
    device_requirements: list[str] = Field(default_factory=list)
    memory_footprint_mb: NonNegativeFiniteFloat
    compilation_target: Annotated[str, Field(min_length=1)] = "torchscript"
    optimization_flags: JsonObject = Field(default_factory=dict)
    performance_profile: Metrics = Field(default_factory=dict)
    compatibility_version: Annotated[str, Field(min_length=1)] = "1.0"
    created_at: UTCDateTime = Field(default_factory=utc_now)
    checksum: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    """SHA-256 of the kernel binary, lowercase hex."""


class CompiledKernel(EsperModel):
    """A compiled kernel artifact stored in the object store."""

    kernel_id: Identifier
    blueprint_id: Identifier
    binary_ref: S3ObjectRef
    metadata: KernelMetadata
    status: CompiledKernelStatus = CompiledKernelStatus.COMPILED
    validation_results: JsonObject = Field(default_factory=dict)
    deployment_stats: JsonObject = Field(default_factory=dict)
    created_at: UTCDateTime = Field(default_factory=utc_now)
    last_used_at: UTCDateTime | None = None

    @model_validator(mode="after")
    def _metadata_describes_this_kernel(self) -> Self:
        if self.metadata.kernel_id != self.kernel_id:
            raise ValueError("metadata.kernel_id must equal kernel_id")
        if self.metadata.blueprint_id != self.blueprint_id:
            raise ValueError("metadata.blueprint_id must equal blueprint_id")
        return self
