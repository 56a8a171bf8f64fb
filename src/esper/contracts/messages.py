"""Oona message bus contracts (Redis Streams).

Every message is an ``OonaMessage`` envelope whose ``payload`` is the model registered for its
``topic`` in ``TOPIC_PAYLOADS``. A payload that does not fit its topic's model is a
``ValidationError``. On a stream a message is one entry with a single field, ``message``, holding
the envelope's JSON.
"""

import uuid
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Self

from pydantic import UUID4, Field, NonNegativeInt, ValidationInfo, field_validator, model_validator

from .assets import S3ObjectRef
from .base import EsperModel
from .enums import KasminaCommandType, KernelStatus
from .operational import FieldReport, HealthSignal
from .validators import FiniteFloat, JsonObject, Metrics, SeedId, UnitInterval, UTCDateTime, utc_now

STREAM_FIELD = "message"
"""The name of the single field an Oona stream entry carries."""


class TopicNames(StrEnum):
    """Centralized definition of all Oona message bus topics."""

    TELEMETRY_SEED_HEALTH = "telemetry.seed.health"
    CONTROL_KASMINA_COMMANDS = "control.kasmina.commands"
    COMPILATION_BLUEPRINT_SUBMITTED = "compilation.blueprint.submitted"
    COMPILATION_KERNEL_READY = "compilation.kernel.ready"
    VALIDATION_KERNEL_CHARACTERIZED = "validation.kernel.characterized"
    SYSTEM_EVENTS_EPOCH = "system.events.epoch"
    INNOVATION_FIELD_REPORTS = "innovation.field_reports"


NonEmpty = Annotated[str, Field(min_length=1)]


class KasminaCommand(EsperModel):
    """A control command from Tamiyo to the KasminaSeed at ``target_seed``."""

    command: KasminaCommandType
    target_seed: SeedId
    blueprint_id: NonEmpty | None = None
    kernel_artifact_id: NonEmpty | None = None
    parameters: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _germinate_names_a_kernel(self) -> Self:
        if self.command is KasminaCommandType.GERMINATE and self.kernel_artifact_id is None:
            raise ValueError("a germinate command must name the kernel_artifact_id to load")
        return self


class BlueprintSubmitted(EsperModel):
    """Karn (or a person) submitted a blueprint for compilation."""

    blueprint_id: NonEmpty
    submitted_by: NonEmpty


class KernelReady(EsperModel):
    """Tezzeret compiled a kernel; the binary is in the object store."""

    kernel_id: NonEmpty
    blueprint_id: NonEmpty
    binary_ref: S3ObjectRef


class KernelCharacterized(EsperModel):
    """Urabrask benchmarked a kernel and decided its status."""

    kernel_id: NonEmpty
    blueprint_id: NonEmpty
    status: KernelStatus
    benchmark_results: Metrics = Field(default_factory=dict)
    tags: list[NonEmpty] = Field(default_factory=list)


class EpochEvent(EsperModel):
    """Tolaria finished an epoch."""

    epoch: NonNegativeInt
    training_loss: FiniteFloat | None = None
    validation_loss: FiniteFloat | None = None
    validation_accuracy: UnitInterval | None = None


OonaPayload = (
    HealthSignal
    | KasminaCommand
    | BlueprintSubmitted
    | KernelReady
    | KernelCharacterized
    | EpochEvent
    | FieldReport
)

TOPIC_PAYLOADS: Mapping[TopicNames, type[EsperModel]] = MappingProxyType(
    {
        TopicNames.TELEMETRY_SEED_HEALTH: HealthSignal,
        TopicNames.CONTROL_KASMINA_COMMANDS: KasminaCommand,
        TopicNames.COMPILATION_BLUEPRINT_SUBMITTED: BlueprintSubmitted,
        TopicNames.COMPILATION_KERNEL_READY: KernelReady,
        TopicNames.VALIDATION_KERNEL_CHARACTERIZED: KernelCharacterized,
        TopicNames.SYSTEM_EVENTS_EPOCH: EpochEvent,
        TopicNames.INNOVATION_FIELD_REPORTS: FieldReport,
    }
)
"""The payload model each topic carries."""


class OonaMessage(EsperModel):
    """Envelope for all messages published on the Oona bus."""

    event_id: UUID4 = Field(default_factory=uuid.uuid4)
    sender_id: NonEmpty
    """E.g. ``Tezzeret-Worker-5``, ``Tamiyo-Controller``."""
    timestamp: UTCDateTime = Field(default_factory=utc_now)
    trace_id: NonEmpty
    """Traces one request across services."""
    topic: TopicNames
    payload: OonaPayload

    @field_validator("payload", mode="before")
    @classmethod
    def _payload_fits_topic(cls, value: Any, info: ValidationInfo) -> Any:
        topic = info.data.get("topic")
        if topic is None:
            raise ValueError("payload cannot be checked: the topic is missing or invalid")
        model = TOPIC_PAYLOADS[topic]
        if isinstance(value, model):
            return value
        if isinstance(value, EsperModel):
            raise ValueError(
                f"topic {topic.value!r} carries {model.__name__}, not {type(value).__name__}"
            )
        if not isinstance(value, Mapping):
            raise ValueError(f"payload for topic {topic.value!r} must be a {model.__name__} object")
        return model.model_validate(dict(value))

    @model_validator(mode="after")
    def _topic_fits_payload(self) -> Self:
        """The payload check above runs when the payload is set; this one also catches a later
        ``message.topic = ...`` that the payload does not fit (the assignment is undone)."""
        model = TOPIC_PAYLOADS[self.topic]
        if not isinstance(self.payload, model):
            raise ValueError(
                f"topic {self.topic.value!r} carries {model.__name__}, "
                f"not {type(self.payload).__name__}"
            )
        return self

    def to_stream_fields(self) -> dict[str, str]:
        """The fields of the Redis Stream entry that carries this message.

        The message is validated again from its current contents first. Assignment is checked
        as it happens, but a container changed in place (``report.eval_metrics["loss"] = nan``,
        ``characterized.tags.append("")``) is not, and a message its receivers cannot read must
        fail here, once, at the sender, rather than in every consumer.
        """
        checked = type(self).model_validate(self.model_dump())
        return {STREAM_FIELD: checked.model_dump_json()}

    @classmethod
    def from_stream_fields(cls, fields: Mapping[Any, Any]) -> "OonaMessage":
        """Parse a Redis Stream entry (keys and values as ``str`` or ``bytes``)."""
        for key, value in fields.items():
            name = key.decode() if isinstance(key, bytes) else str(key)
            if name == STREAM_FIELD:
                return cls.model_validate_json(value)
        raise ValueError(f"stream entry has no {STREAM_FIELD!r} field")
