"""Property-based specification of the contracts (Hypothesis): with arbitrary floats, datetimes
and ids, every contract model either round-trips unchanged through JSON and every Oona message
through its Redis Stream fields, or is rejected where it is built, never later on the receiving
side. JSON cannot carry NaN or infinity, and some aware datetimes have no UTC equivalent; those
are the only reasons a well-shaped value may be refused."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from esper.contracts import (
    TOPIC_PAYLOADS,
    AdaptationDecision,
    Blueprint,
    BlueprintSubmitted,
    CompiledKernel,
    EpochEvent,
    EsperModel,
    FieldReport,
    HardwareContext,
    HealthSignal,
    KasminaCommand,
    KernelCharacterized,
    KernelMetadata,
    KernelReady,
    OonaMessage,
    Seed,
    SystemStatePacket,
    TopicNames,
    TrainingSession,
)

NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])

ids = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=40
)
counts = st.integers(min_value=0, max_value=2**63 - 1)
seed_ids = st.tuples(counts, counts)
offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
aware_datetimes = (
    st.datetimes(timezones=offsets)
    | st.datetimes(
        # The first and last day of the calendar, where an offset can push the UTC instant off it.
        min_value=datetime(9999, 12, 31),
        timezones=offsets,
    )
    | st.datetimes(max_value=datetime(1, 1, 1, 23, 59, 59), timezones=offsets)
)


def floats(low: float | None = None, high: float | None = None) -> st.SearchStrategy[float]:
    """Any finite float in ``[low, high]``: huge, tiny, subnormal, negative zero."""
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


unit = floats(0.0, 1.0)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ids, inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(ids, json_values, max_size=4)
metrics = st.dictionaries(ids, floats(), max_size=4)
s3_refs = st.from_regex(r"\As3://[a-z0-9][a-z0-9.\-]{1,20}[a-z0-9]/[!-~]{1,20}\Z")


@st.composite
def health_signals(draw: st.DrawFn, address: tuple[int, int] | None = None) -> dict[str, Any]:
    layer, seed = address if address is not None else draw(seed_ids)
    total = draw(st.integers(1, 2**31))
    return {
        "layer_id": layer,
        "seed_id": seed,
        "chunk_id": draw(counts),
        "epoch": draw(counts),
        "activation_variance": draw(floats(0.0)),
        "dead_neuron_ratio": draw(unit),
        "avg_correlation": draw(floats(-1.0, 1.0)),
        "is_ready_for_transition": draw(st.booleans()),
        "health_score": draw(unit),
        "execution_latency": draw(floats(0.0)),
        "error_count": draw(counts),
        "active_seeds": draw(st.integers(0, total)),
        "total_seeds": total,
        "timestamp": draw(aware_datetimes),
    }


@st.composite
def system_states(draw: st.DrawFn) -> dict[str, Any]:
    addresses = draw(st.lists(seed_ids, max_size=3, unique=True))
    total = draw(counts)
    return {
        "epoch": draw(counts),
        "total_seeds": total,
        "active_seeds": draw(st.integers(0, total)),
        "training_loss": draw(floats()),
        "validation_loss": draw(floats()),
        "validation_accuracy": draw(unit),
        "system_load": draw(unit),
        "memory_usage": draw(unit),
        "hardware_context": draw(hardware_contexts),
        "health_map": {a: draw(health_signals(a)) for a in addresses},
        "seed_states": {a: draw(st.sampled_from(["dormant", "training"])) for a in addresses},
        "timestamp": draw(aware_datetimes),
    }


@st.composite
def timestamped(draw: st.DrawFn, /, **fields: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A model with ``created_at``/``updated_at``: one instant for both keeps them ordered."""
    when = draw(aware_datetimes)
    return {"created_at": when, "updated_at": when} | {k: draw(v) for k, v in fields.items()}


hardware_contexts = st.fixed_dictionaries(
    {"device_type": ids, "memory_available_gb": floats(0.0), "supports_quantization": st.booleans()}
)


def kernel_metadata(kernel_id: str, blueprint_id: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "kernel_id": st.just(kernel_id),
            "blueprint_id": st.just(blueprint_id),
            "name": ids,
            "input_shape": st.lists(st.integers(1, 2**31), min_size=1, max_size=4),
            "output_shape": st.lists(st.integers(1, 2**31), min_size=1, max_size=4),
            "parameter_count": counts,
            "memory_footprint_mb": floats(0.0),
            "optimization_flags": json_objects,
            "performance_profile": metrics,
            "created_at": aware_datetimes,
        }
    )


@st.composite
def compiled_kernels(draw: st.DrawFn) -> dict[str, Any]:
    kernel_id, blueprint_id = draw(ids), draw(ids)
    return {
        "kernel_id": kernel_id,
        "blueprint_id": blueprint_id,
        "binary_ref": draw(s3_refs),
        "metadata": draw(kernel_metadata(kernel_id, blueprint_id)),
        "validation_results": draw(json_objects),
        "deployment_stats": draw(json_objects),
        "created_at": draw(aware_datetimes),
        "last_used_at": draw(st.none() | aware_datetimes),
    }


STRATEGIES: dict[type[EsperModel], st.SearchStrategy[dict[str, Any]]] = {
    Seed: timestamped(layer_id=counts, position=counts, metadata=json_objects),
    Blueprint: timestamped(
        blueprint_id=ids,
        name=ids,
        architecture=st.dictionaries(ids, json_values, min_size=1, max_size=4),
        hyperparameters=json_objects,
        performance_metrics=metrics,
        created_by=ids,
    ),
    TrainingSession: timestamped(
        session_id=ids,
        name=ids,
        model_settings=json_objects,
        training_settings=json_objects,
        started_at=st.none() | aware_datetimes,
    ),
    KernelMetadata: ids.flatmap(lambda k: kernel_metadata(k, "bp")),
    CompiledKernel: compiled_kernels(),
    HealthSignal: health_signals(),
    HardwareContext: hardware_contexts,
    SystemStatePacket: system_states(),
    AdaptationDecision: st.fixed_dictionaries(
        {
            "layer_name": ids,
            "adaptation_type": st.sampled_from(["add_seed", "remove_seed"]),
            "confidence": unit,
            "urgency": unit,
            "metadata": json_objects,
            "timestamp": aware_datetimes,
        }
    ),
    FieldReport: st.fixed_dictionaries(
        {
            "blueprint_id": ids,
            "kernel_artifact_id": ids,
            "seed_id": seed_ids,
            "pre_metric": floats(),
            "post_metric": floats(),
            "outcome": st.sampled_from(["fossilized", "culled", "rolled_back"]),
            "eval_metrics": metrics,
        }
    ),
    KasminaCommand: st.fixed_dictionaries(
        {
            "command": st.sampled_from(["germinate", "advance", "cull"]),
            "target_seed": seed_ids,
            "blueprint_id": ids,
            "kernel_artifact_id": ids,
            "parameters": json_objects,
        }
    ),
    BlueprintSubmitted: st.fixed_dictionaries({"blueprint_id": ids, "submitted_by": ids}),
    KernelReady: st.fixed_dictionaries(
        {"kernel_id": ids, "blueprint_id": ids, "binary_ref": s3_refs}
    ),
    KernelCharacterized: st.fixed_dictionaries(
        {
            "kernel_id": ids,
            "blueprint_id": ids,
            "status": st.sampled_from(["validated", "rejected"]),
            "benchmark_results": metrics,
            "tags": st.lists(ids, max_size=3),
        }
    ),
    EpochEvent: st.fixed_dictionaries(
        {
            "epoch": counts,
            "training_loss": st.none() | floats(),
            "validation_loss": st.none() | floats(),
            "validation_accuracy": st.none() | unit,
        }
    ),
}


def envelopes(topic: TopicNames) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "event_id": st.uuids(version=4),
            "sender_id": ids,
            "timestamp": aware_datetimes,
            "trace_id": ids,
            "topic": st.just(topic),
            "payload": STRATEGIES[TOPIC_PAYLOADS[topic]],
        }
    )


def has_utc_equivalent(value: Any) -> bool:
    """Every aware datetime inside ``value`` can be expressed in UTC."""
    if isinstance(value, datetime):
        try:
            value.astimezone(UTC)
        except OverflowError:
            return False
        return True
    if isinstance(value, dict):
        return all(has_utc_equivalent(v) for v in value.values())
    return True


def float_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every float inside ``value``."""
    if isinstance(value, float):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in float_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in float_paths(v, (*path, i))]
    return []


def replaced(value: Any, path: tuple[Any, ...], new: float) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return value | {head: replaced(value[head], rest, new)}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


MODELS = list(STRATEGIES)
WITH_FLOATS = [m for m in MODELS if m not in (BlueprintSubmitted, KernelReady)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_contract_round_trips_through_json_or_is_rejected_for_a_date_with_no_utc_equivalent(
    model: type[EsperModel], data: st.DataObject
) -> None:
    fields = data.draw(STRATEGIES[model])

    if not has_utc_equivalent(fields):
        with pytest.raises(ValidationError, match="out of range once converted to UTC"):
            model.model_validate(fields)
        return
    built = model.model_validate(fields)
    assert model.model_validate_json(built.model_dump_json()) == built


@pytest.mark.parametrize("model", WITH_FLOATS, ids=lambda m: m.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_contract_holding_a_non_finite_float_anywhere_is_rejected_when_built(
    model: type[EsperModel], data: st.DataObject
) -> None:
    fields = data.draw(STRATEGIES[model])
    assume(has_utc_equivalent(fields))
    paths = float_paths(fields)
    assume(paths)
    path = data.draw(st.sampled_from(paths))

    with pytest.raises(ValidationError, match="finite"):
        model.model_validate(replaced(fields, path, data.draw(NON_FINITE)))


@pytest.mark.parametrize("topic", list(TopicNames), ids=lambda t: t.value)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_message_round_trips_through_redis_stream_fields_as_str_and_bytes(
    topic: TopicNames, data: st.DataObject
) -> None:
    fields = data.draw(envelopes(topic))
    assume(has_utc_equivalent(fields))

    message = OonaMessage.model_validate(fields)
    entry = message.to_stream_fields()
    as_bytes = {k.encode(): v.encode() for k, v in entry.items()}

    assert OonaMessage.from_stream_fields(entry) == message
    assert OonaMessage.from_stream_fields(as_bytes) == message


@pytest.mark.parametrize(
    "topic", [t for t in TopicNames if TOPIC_PAYLOADS[t] in WITH_FLOATS], ids=lambda t: t.value
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_message_with_a_non_finite_float_in_its_payload_cannot_be_built_so_never_published(
    topic: TopicNames, data: st.DataObject
) -> None:
    fields = data.draw(envelopes(topic))
    assume(has_utc_equivalent(fields))
    paths = float_paths(fields["payload"])
    assume(paths)
    payload = replaced(fields["payload"], data.draw(st.sampled_from(paths)), data.draw(NON_FINITE))

    with pytest.raises(ValidationError, match="finite"):
        OonaMessage.model_validate(fields | {"payload": payload})
