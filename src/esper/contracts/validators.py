"""Reusable validators and annotated types for the Esper contracts.

Datetimes: every timestamp in a contract is timezone-aware UTC. A naive datetime is *rejected*
(a ``ValidationError``), because its meaning is ambiguous; an aware datetime in another zone is
converted to UTC. ``utc_now`` is the default factory for timestamps.

Numbers: every float in a contract is finite. JSON has no NaN or infinity (pydantic writes them as
``null``), so a non-finite value would publish fine and then fail on the receiving side; it is
rejected where the model is built instead, in plain fields (``FiniteFloat``), in metric maps
(``dict[str, FiniteFloat]``) and anywhere inside free-form JSON objects (``JsonObject``).

Seed addresses: a seed is addressed by the pair ``(layer_id, seed_idx)``. ``validate_seed_id``
checks that pair and the ``SeedId`` annotated type applies it inside models. On the wire (JSON,
including as a mapping key) a seed id is the string ``"layer_id:seed_idx"``, e.g. ``"3:1"``.
"""

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AllowInfNan,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
)

SEED_ID_SEPARATOR = ":"


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; reject a naive one.

    An aware datetime at the edge of the calendar (``9999-12-31T23:00:00-05:00``) has no UTC
    equivalent; that is a ``ValueError`` (so a ``ValidationError`` inside a model), never the
    ``OverflowError`` ``astimezone`` raises, which a consumer catching ``ValidationError`` would
    not expect.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (naive datetimes are rejected)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime is out of range once converted to UTC") from None


def _non_finite_path(value: Any, path: str) -> str | None:
    """The path of the first non-finite float inside ``value`` (mappings and sequences are
    searched), or ``None``."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, Mapping):
        items: Any = ((f"{path}[{key!r}]", item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for item_path, item in items:
        found = _non_finite_path(item, item_path)
        if found is not None:
            return found
    return None


def reject_non_finite(value: Any) -> Any:
    """Reject a value holding NaN or infinity at any depth; JSON cannot carry them."""
    found = _non_finite_path(value, "")
    if found is not None:
        raise ValueError(f"non-finite number (NaN or infinity) at {found or 'top level'}")
    return value


def validate_seed_id(v: tuple[int, int]) -> tuple[int, int]:
    """Ensure a seed id ``(layer_id, seed_idx)`` is a 2-tuple of non-negative ints.

    Wrong shape raises ``ValueError``, non-int elements (bool included) raise ``TypeError``,
    negative elements raise ``ValueError``.
    """
    if not isinstance(v, tuple) or len(v) != 2:
        raise ValueError("Seed ID must be a tuple of (layer_id, seed_idx)")
    layer_id, seed_idx = v
    for element in (layer_id, seed_idx):
        if not isinstance(element, int) or isinstance(element, bool):
            raise TypeError("Seed ID elements must be integers")
    if layer_id < 0 or seed_idx < 0:
        raise ValueError("Seed ID elements must be non-negative")
    return v


def format_seed_id(v: tuple[int, int]) -> str:
    """The wire form of a seed id: ``"layer_id:seed_idx"``."""
    return f"{v[0]}{SEED_ID_SEPARATOR}{v[1]}"


def _parse_seed_id(value: Any) -> Any:
    """Accept the wire form ``"3:1"`` and lists ``[3, 1]`` (JSON arrays) as tuples."""
    if isinstance(value, str):
        parts = value.split(SEED_ID_SEPARATOR)
        if len(parts) != 2:
            raise ValueError(f"Seed ID string must look like 'layer_id:seed_idx', got {value!r}")
        try:
            return (int(parts[0]), int(parts[1]))
        except ValueError:
            raise ValueError(
                f"Seed ID string must hold two integers 'layer_id:seed_idx', got {value!r}"
            ) from None
    if isinstance(value, list):
        return tuple(value)
    return value


def _check_seed_id(value: Any) -> tuple[int, int]:
    """``validate_seed_id`` with its ``TypeError`` reported as a validation error."""
    try:
        return validate_seed_id(value)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


SeedId = Annotated[
    tuple[StrictInt, StrictInt],
    BeforeValidator(_parse_seed_id),
    AfterValidator(_check_seed_id),
    PlainSerializer(format_seed_id, return_type=str, when_used="json"),
]
"""A seed address ``(layer_id, seed_idx)``; JSON form ``"layer_id:seed_idx"``."""

UTCDateTime = Annotated[AwareDatetime, AfterValidator(ensure_utc)]
"""A timezone-aware datetime, normalised to UTC; naive datetimes are rejected."""

FiniteFloat = Annotated[float, AllowInfNan(False)]
"""A float that is neither NaN nor infinite (JSON cannot carry those)."""

NonNegativeFiniteFloat = Annotated[FiniteFloat, Field(ge=0.0)]
"""A finite float ``>= 0`` (pydantic's ``NonNegativeFloat`` lets infinity through)."""

UnitInterval = Annotated[FiniteFloat, Field(ge=0.0, le=1.0)]
"""A finite float in ``[0, 1]``: ratios, probabilities, loads."""

Metrics = dict[str, FiniteFloat]
"""Named measurements (``eval_metrics``, ``benchmark_results`` ...): every value finite."""

JsonObject = Annotated[dict[str, Any], AfterValidator(reject_non_finite)]
"""A free-form JSON object (metadata, settings, parameters); no NaN or infinity at any depth."""
