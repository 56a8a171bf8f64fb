"""The Esper contracts, as a specification: what each model accepts, what it rejects, and that
every model survives a JSON round trip unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

import esper
from esper.contracts import (
    API_VERSION,
    TOPIC_PAYLOADS,
    AdaptationDecision,
    Blueprint,
    BlueprintState,
    BlueprintStatus,
    BlueprintSubmitted,
    CompiledKernel,
    ComponentType,
    EpochEvent,
    EsperModel,
    FieldReport,
    HardwareContext,
    HealthSignal,
    KasminaCommand,
    KernelCharacterized,
    KernelMetadata,
    KernelReady,
    KernelStatus,
    OonaMessage,
    Seed,
    SeedState,
    SystemHealth,
    SystemStatePacket,
    TopicNames,
    TrainingSession,
    ensure_utc,
    utc_now,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
SHA256 = "a" * 64


def health(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "layer_id": 1,
        "seed_id": 2,
        "chunk_id": 0,
        "epoch": 3,
        "activation_variance": 0.5,
        "dead_neuron_ratio": 0.1,
        "avg_correlation": -0.2,
    }
    return data | overrides


def kernel_metadata(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kernel_id": "k-1",
        "blueprint_id": "bp-1",
        "name": "residual-adapter",
        "input_shape": [64, 32],
        "output_shape": [64, 32],
        "parameter_count": 4096,
        "memory_footprint_mb": 0.5,
        "checksum": SHA256,
    }
    return data | overrides


VALID: dict[type[EsperModel], dict[str, Any]] = {
    Seed: {"layer_id": 0, "position": 3, "created_at": NOW, "updated_at": NOW},
    Blueprint: {"name": "bottleneck", "architecture": {"type": "linear", "rank": 8}},
    TrainingSession: {
        "name": "cifar10-run",
        "seeds": [{"layer_id": 0, "position": 0}, {"layer_id": 0, "position": 1}],
    },
    KernelMetadata: kernel_metadata(),
    CompiledKernel: {
        "kernel_id": "k-1",
        "blueprint_id": "bp-1",
        "binary_ref": "s3://esper-artifacts/kernels/k-1.pt",
        "metadata": kernel_metadata(),
    },
    HealthSignal: health(),
    HardwareContext: {"device_type": "cuda", "memory_available_gb": 24.0},
    SystemStatePacket: {
        "epoch": 4,
        "total_seeds": 8,
        "active_seeds": 2,
        "training_loss": 0.7,
        "validation_loss": 0.8,
        "validation_accuracy": 0.65,
        "system_load": 0.3,
        "memory_usage": 0.4,
        "hardware_context": {"device_type": "cpu", "memory_available_gb": 16},
        "health_map": {(1, 2): health()},
        "seed_states": {(1, 2): "training", (0, 0): "dormant"},
    },
    AdaptationDecision: {
        "layer_name": "layer3.conv1",
        "adaptation_type": "add_seed",
        "confidence": 0.9,
        "urgency": 0.2,
    },
    FieldReport: {
        "blueprint_id": "bp-1",
        "kernel_artifact_id": "k-1",
        "seed_id": (1, 2),
        "pre_metric": 0.61,
        "post_metric": 0.64,
        "outcome": "fossilized",
    },
    KasminaCommand: {"command": "germinate", "target_seed": (1, 2), "kernel_artifact_id": "k-1"},
    BlueprintSubmitted: {"blueprint_id": "bp-1", "submitted_by": "karn"},
    KernelReady: {
        "kernel_id": "k-1",
        "blueprint_id": "bp-1",
        "binary_ref": "s3://esper-artifacts/kernels/k-1.pt",
    },
    KernelCharacterized: {
        "kernel_id": "k-1",
        "blueprint_id": "bp-1",
        "status": "validated",
        "benchmark_results": {"latency_ms": 1.5},
    },
    EpochEvent: {"epoch": 7, "training_loss": 0.3},
    OonaMessage: {
        "sender_id": "Tamiyo-Controller",
        "trace_id": "trace-1",
        "topic": "telemetry.seed.health",
        "payload": health(),
    },
}

INVALID: list[tuple[type[EsperModel], str, Any]] = [
    (Seed, "layer_id", -1),
    (Seed, "position", -1),
    (Seed, "state", "sprouting"),
    (Seed, "created_at", datetime(2025, 1, 1)),
    (Seed, "updated_at", NOW - timedelta(seconds=1)),
    (Blueprint, "name", ""),
    (Blueprint, "name", "x" * 256),
    (Blueprint, "state", "unknown"),
    (Blueprint, "architecture", {}),
    (Blueprint, "performance_metrics", {"accuracy": "high"}),
    (TrainingSession, "status", "sleeping"),
    (TrainingSession, "seeds", [{"layer_id": 0, "position": 1}, {"layer_id": 0, "position": 1}]),
    (KernelMetadata, "parameter_count", -1),
    (KernelMetadata, "memory_footprint_mb", -0.1),
    (KernelMetadata, "input_shape", []),
    (KernelMetadata, "output_shape", [0]),
    (KernelMetadata, "checksum", "not-a-sha256"),
    (CompiledKernel, "binary_ref", "https://example.invalid/k-1.pt"),
    (CompiledKernel, "status", "retired"),
    (CompiledKernel, "kernel_id", "k-2"),
    (CompiledKernel, "blueprint_id", "bp-2"),
    (HealthSignal, "layer_id", -1),
    (HealthSignal, "seed_id", -1),
    (HealthSignal, "chunk_id", -1),
    (HealthSignal, "epoch", -1),
    (HealthSignal, "activation_variance", float("nan")),
    (HealthSignal, "dead_neuron_ratio", 1.01),
    (HealthSignal, "dead_neuron_ratio", -0.01),
    (HealthSignal, "avg_correlation", 1.5),
    (HealthSignal, "avg_correlation", -1.5),
    (HealthSignal, "health_score", 1.1),
    (HealthSignal, "execution_latency", -1.0),
    (HealthSignal, "error_count", -1),
    (HealthSignal, "total_seeds", 0),
    (HealthSignal, "active_seeds", 2),
    (HealthSignal, "timestamp", datetime(2025, 1, 1)),
    (HardwareContext, "device_type", ""),
    (HardwareContext, "memory_available_gb", -1),
    (SystemStatePacket, "epoch", -1),
    (SystemStatePacket, "active_seeds", 9),
    (SystemStatePacket, "validation_accuracy", 1.2),
    (SystemStatePacket, "system_load", 1.2),
    (SystemStatePacket, "memory_usage", -0.1),
    (SystemStatePacket, "training_loss", float("inf")),
    (SystemStatePacket, "health_map", {(9, 9): health()}),
    (SystemStatePacket, "seed_states", {(-1, 0): "dormant"}),
    (SystemStatePacket, "seed_states", {(1, 2, 3): "dormant"}),
    (SystemStatePacket, "seed_states", {"1-2": "dormant"}),
    (SystemStatePacket, "seed_states", {(1, 2): "sprouting"}),
    (AdaptationDecision, "adaptation_type", "grow"),
    (AdaptationDecision, "confidence", 1.5),
    (AdaptationDecision, "urgency", -0.5),
    (AdaptationDecision, "layer_name", ""),
    (FieldReport, "seed_id", (1, -2)),
    (FieldReport, "seed_id", (True, 2)),
    (FieldReport, "seed_id", ("a", 2)),
    (FieldReport, "seed_id", 3),
    (FieldReport, "outcome", "evaluating"),
    (FieldReport, "pre_metric", float("nan")),
    (KasminaCommand, "command", "explode"),
    (KasminaCommand, "target_seed", (0,)),
    (KasminaCommand, "kernel_artifact_id", None),
    (BlueprintSubmitted, "submitted_by", ""),
    (KernelReady, "binary_ref", "s3://x"),
    (KernelCharacterized, "status", "benchmarked"),
    (EpochEvent, "epoch", -1),
    (EpochEvent, "validation_accuracy", 2.0),
    (OonaMessage, "event_id", "not-a-uuid"),
    (OonaMessage, "sender_id", ""),
    (OonaMessage, "trace_id", ""),
    (OonaMessage, "topic", "telemetry.unknown"),
    (OonaMessage, "timestamp", datetime(2025, 1, 1)),
    (OonaMessage, "payload", {"blueprint_id": "bp-1", "submitted_by": "karn"}),
]


def test_api_version_is_v1_and_package_has_a_version() -> None:
    assert API_VERSION == "v1"
    assert esper.API_VERSION == "v1"
    assert esper.__version__ == "0.1.0"


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_valid_input_is_accepted(model: type[EsperModel]) -> None:
    assert isinstance(model.model_validate(VALID[model]), model)


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_json_round_trip_is_lossless(model: type[EsperModel]) -> None:
    original = model.model_validate(VALID[model])

    assert model.model_validate_json(original.model_dump_json()) == original


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_unknown_fields_are_rejected(model: type[EsperModel]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate(VALID[model] | {"surprise": 1})


@pytest.mark.parametrize(
    ("model", "field", "value"),
    INVALID,
    ids=[f"{m.__name__}.{f}={v!r}"[:60] for m, f, v in INVALID],
)
def test_invalid_field_is_rejected(model: type[EsperModel], field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(VALID[model] | {field: value})


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Seed, "layer_id"),
        (Blueprint, "architecture"),
        (KernelMetadata, "parameter_count"),
        (HealthSignal, "dead_neuron_ratio"),
        (FieldReport, "outcome"),
        (OonaMessage, "trace_id"),
    ],
)
def test_required_field_is_required(model: type[EsperModel], field: str) -> None:
    data = dict(VALID[model])
    data.pop(field)
    with pytest.raises(ValidationError, match="Field required"):
        model.model_validate(data)


def test_assignment_is_validated() -> None:
    signal = HealthSignal.model_validate(health())
    with pytest.raises(ValidationError):
        signal.dead_neuron_ratio = 2.0


# --- enums ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (
            SeedState,
            "dormant germinated training grafting stabilization evaluating fine_tuning "
            "fossilized culled cancelled rolled_back",
        ),
        (
            BlueprintState,
            "proposed compiling validating characterized deployed failed archived",
        ),
        (SystemHealth, "healthy degraded critical offline"),
        (
            ComponentType,
            "tamiyo karn kasmina tezzeret urabrask tolaria urza oona nissa simic emrakul",
        ),
        (BlueprintStatus, "unvalidated compiling validated invalid"),
        (KernelStatus, "pending_benchmarking validated rejected deployed"),
    ],
)
def test_enum_has_exactly_the_specified_lowercase_values(enum: Any, values: str) -> None:
    assert [member.value for member in enum] == values.split()
    assert all(isinstance(member, str) for member in enum)


# --- datetimes --------------------------------------------------------------------------------


def test_default_timestamps_are_timezone_aware_utc() -> None:
    seed = Seed(layer_id=0, position=0)

    assert seed.created_at.tzinfo is UTC
    assert abs(seed.created_at - datetime.now(UTC)) < timedelta(seconds=5)
    assert utc_now().tzinfo is UTC


def test_aware_datetimes_in_another_zone_are_normalised_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    decision = AdaptationDecision.model_validate(
        VALID[AdaptationDecision] | {"timestamp": datetime(2025, 1, 1, 12, 0, tzinfo=plus_two)}
    )

    assert decision.timestamp == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert decision.timestamp.utcoffset() == timedelta(0)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        AdaptationDecision.model_validate(
            VALID[AdaptationDecision] | {"timestamp": datetime(2025, 1, 1, 12, 0)}
        )


def test_ensure_utc_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ensure_utc(datetime(2025, 1, 1))


def test_timestamps_serialise_with_a_utc_offset() -> None:
    seed = Seed(layer_id=0, position=0, created_at=NOW, updated_at=NOW)

    assert '"created_at":"2025-01-02T03:04:05Z"' in seed.model_dump_json()


# --- seed addressing --------------------------------------------------------------------------


def test_seed_address_is_its_layer_and_position() -> None:
    assert Seed(layer_id=2, position=5).address == (2, 5)


def test_health_signal_seed_address_is_layer_and_seed_index() -> None:
    assert HealthSignal.model_validate(health()).seed_address == (1, 2)


def test_system_state_maps_are_keyed_by_seed_address_and_serialise_as_layer_colon_index() -> None:
    packet = SystemStatePacket.model_validate(VALID[SystemStatePacket])

    assert set(packet.seed_states) == {(1, 2), (0, 0)}
    assert packet.health_map[(1, 2)].seed_id == 2
    dumped = packet.model_dump(mode="json")
    assert set(dumped["seed_states"]) == {"1:2", "0:0"}


def test_seed_address_accepts_the_wire_form_and_json_arrays() -> None:
    report = FieldReport.model_validate(VALID[FieldReport] | {"seed_id": "4:7"})
    assert report.seed_id == (4, 7)
    report = FieldReport.model_validate_json(
        FieldReport.model_validate(VALID[FieldReport]).model_dump_json().replace('"1:2"', "[3,4]")
    )
    assert report.seed_id == (3, 4)


def test_seed_address_string_with_non_integers_is_rejected() -> None:
    with pytest.raises(ValidationError, match="two integers"):
        FieldReport.model_validate(VALID[FieldReport] | {"seed_id": "a:b"})


def test_health_map_key_must_match_the_signals_seed() -> None:
    with pytest.raises(ValidationError, match="does not match"):
        SystemStatePacket.model_validate(
            VALID[SystemStatePacket] | {"health_map": {(1, 3): health()}}
        )


# --- Oona messages ----------------------------------------------------------------------------


def test_every_topic_has_a_payload_model() -> None:
    assert set(TOPIC_PAYLOADS) == set(TopicNames)
    assert [topic.value for topic in TopicNames] == [
        "telemetry.seed.health",
        "control.kasmina.commands",
        "compilation.blueprint.submitted",
        "compilation.kernel.ready",
        "validation.kernel.characterized",
        "system.events.epoch",
        "innovation.field_reports",
    ]


@pytest.mark.parametrize("topic", list(TopicNames), ids=lambda t: t.value)
def test_message_payload_is_parsed_as_its_topics_model(topic: TopicNames) -> None:
    model = TOPIC_PAYLOADS[topic]
    message = OonaMessage.model_validate(
        {"sender_id": "s", "trace_id": "t", "topic": topic, "payload": VALID[model]}
    )

    restored = OonaMessage.model_validate_json(message.model_dump_json())

    assert type(restored.payload) is model
    assert restored == message


def test_message_defaults_a_uuid4_event_id_and_a_utc_timestamp() -> None:
    message = OonaMessage.model_validate(VALID[OonaMessage])

    assert message.event_id.version == 4
    assert message.timestamp.tzinfo is UTC


def test_message_with_a_payload_model_of_another_topic_is_rejected() -> None:
    with pytest.raises(ValidationError, match="carries BlueprintSubmitted, not HealthSignal"):
        OonaMessage(
            sender_id="s",
            trace_id="t",
            topic=TopicNames.COMPILATION_BLUEPRINT_SUBMITTED,
            payload=HealthSignal.model_validate(health()),
        )


def test_message_with_an_invalid_payload_reports_the_payload_field() -> None:
    with pytest.raises(ValidationError) as excinfo:
        OonaMessage.model_validate(VALID[OonaMessage] | {"payload": health(dead_neuron_ratio=3)})

    assert ("payload", "dead_neuron_ratio") in [e["loc"] for e in excinfo.value.errors()]


def test_message_payload_must_be_an_object() -> None:
    with pytest.raises(ValidationError, match="must be a HealthSignal object"):
        OonaMessage.model_validate(VALID[OonaMessage] | {"payload": [1, 2]})


def test_message_without_a_valid_topic_cannot_check_its_payload() -> None:
    with pytest.raises(ValidationError, match="topic is missing or invalid"):
        OonaMessage.model_validate({k: v for k, v in VALID[OonaMessage].items() if k != "topic"})


def test_message_round_trips_through_stream_fields_as_str_or_bytes() -> None:
    message = OonaMessage.model_validate(VALID[OonaMessage])
    fields = message.to_stream_fields()

    assert list(fields) == ["message"]
    assert OonaMessage.from_stream_fields(fields) == message
    as_bytes = {k.encode(): v.encode() for k, v in fields.items()}
    assert OonaMessage.from_stream_fields(as_bytes) == message


def test_a_payload_poisoned_in_place_is_refused_at_the_sender() -> None:
    message = OonaMessage.model_validate(
        VALID[OonaMessage] | {"topic": "innovation.field_reports", "payload": VALID[FieldReport]}
    )
    assert isinstance(message.payload, FieldReport)
    message.payload.eval_metrics["val_loss"] = float("nan")  # in place: no assignment check

    with pytest.raises(ValidationError, match=r"eval_metrics\.val_loss"):
        message.to_stream_fields()


def test_a_list_changed_in_place_is_checked_before_publishing() -> None:
    message = OonaMessage.model_validate(
        VALID[OonaMessage]
        | {"topic": "validation.kernel.characterized", "payload": VALID[KernelCharacterized]}
    )
    assert isinstance(message.payload, KernelCharacterized)
    message.payload.tags.append("   ")

    with pytest.raises(ValidationError, match="tags"):
        message.to_stream_fields()


def test_stream_entry_without_a_message_field_is_rejected() -> None:
    with pytest.raises(ValueError, match="no 'message' field"):
        OonaMessage.from_stream_fields({"other": "{}"})


def test_germinate_command_must_name_a_kernel_but_cull_need_not() -> None:
    cull = KasminaCommand(command="cull", target_seed=(0, 1))  # type: ignore[arg-type]
    assert cull.kernel_artifact_id is None
    with pytest.raises(ValidationError, match="kernel_artifact_id"):
        KasminaCommand(command="germinate", target_seed=(0, 1))  # type: ignore[arg-type]


def test_training_session_completion_cannot_precede_its_start() -> None:
    with pytest.raises(ValidationError, match="completed_at"):
        TrainingSession.model_validate(
            VALID[TrainingSession] | {"started_at": NOW, "completed_at": NOW - timedelta(hours=1)}
        )


# --- non-finite numbers (issue 10, defect 1) --------------------------------------------------

NON_FINITE = [float("nan"), float("inf"), float("-inf")]

NON_FINITE_SITES: list[tuple[type[EsperModel], str, Any]] = [
    (FieldReport, "eval_metrics", lambda x: {"val_loss": x}),
    (Blueprint, "performance_metrics", lambda x: {"accuracy": x}),
    (KernelCharacterized, "benchmark_results", lambda x: {"latency_ms": x}),
    (KernelMetadata, "performance_profile", lambda x: {"throughput": x}),
    (KernelMetadata, "memory_footprint_mb", lambda x: x),
    (HardwareContext, "memory_available_gb", lambda x: x),
    (Seed, "metadata", lambda x: {"history": [{"loss": x}]}),
    (Blueprint, "hyperparameters", lambda x: {"lr": x}),
    (AdaptationDecision, "metadata", lambda x: {"score": x}),
    (KasminaCommand, "parameters", lambda x: {"scale": [1.0, x]}),
    (CompiledKernel, "validation_results", lambda x: {"error": x}),
    (TrainingSession, "training_settings", lambda x: {"clip": x}),
]


@pytest.mark.parametrize("value", NON_FINITE, ids=repr)
@pytest.mark.parametrize(
    ("model", "field", "wrap"),
    NON_FINITE_SITES,
    ids=[f"{m.__name__}.{f}" for m, f, _ in NON_FINITE_SITES],
)
def test_non_finite_number_is_rejected_where_the_model_is_built(
    model: type[EsperModel], field: str, wrap: Any, value: float
) -> None:
    with pytest.raises(ValidationError, match="finite"):
        model.model_validate(VALID[model] | {field: wrap(value)})


def test_a_diverged_runs_field_report_cannot_be_built_so_it_is_never_published() -> None:
    with pytest.raises(ValidationError, match=r"eval_metrics\.val_loss"):
        FieldReport.model_validate(
            VALID[FieldReport] | {"eval_metrics": {"val_loss": float("nan")}}
        )


def test_non_finite_number_is_rejected_on_assignment_too() -> None:
    report = FieldReport.model_validate(VALID[FieldReport])

    with pytest.raises(ValidationError):
        report.eval_metrics = {"val_loss": float("inf")}
    assert report.eval_metrics == {}


# --- assignment is atomic (issue 10, defect 6) ------------------------------------------------


def test_assignment_failing_a_model_check_leaves_the_old_value_in_place() -> None:
    command = KasminaCommand(command="cull", target_seed=(0, 1))  # type: ignore[arg-type]

    with pytest.raises(ValidationError, match="kernel_artifact_id"):
        command.command = "germinate"  # type: ignore[assignment]
    assert command.command == "cull"


def test_assigning_updated_at_before_created_at_is_undone() -> None:
    seed = Seed.model_validate(VALID[Seed])

    with pytest.raises(ValidationError, match="updated_at"):
        seed.updated_at = NOW - timedelta(days=1)
    assert seed.updated_at == NOW
    assert "updated_at" in seed.model_fields_set


def test_assigning_a_topic_the_payload_does_not_fit_is_rejected_and_undone() -> None:
    message = OonaMessage.model_validate(VALID[OonaMessage])

    with pytest.raises(ValidationError, match="carries EpochEvent, not HealthSignal"):
        message.topic = TopicNames.SYSTEM_EVENTS_EPOCH
    assert message.topic is TopicNames.TELEMETRY_SEED_HEALTH


def test_assigning_a_payload_of_another_topics_model_is_rejected() -> None:
    message = OonaMessage.model_validate(VALID[OonaMessage])

    with pytest.raises(ValidationError, match="carries HealthSignal, not EpochEvent"):
        message.payload = EpochEvent(epoch=1)
    assert isinstance(message.payload, HealthSignal)


# --- calendar edges (issue 10, defect 7) ------------------------------------------------------


@pytest.mark.parametrize("stamp", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_datetime_without_a_utc_equivalent_is_a_validation_error(stamp: str) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        AdaptationDecision.model_validate(VALID[AdaptationDecision] | {"timestamp": stamp})


def test_latest_datetime_in_utc_is_accepted() -> None:
    decision = AdaptationDecision.model_validate(
        VALID[AdaptationDecision] | {"timestamp": "9999-12-31T23:59:59.999999Z"}
    )

    assert decision.timestamp == datetime.max.replace(tzinfo=UTC)
