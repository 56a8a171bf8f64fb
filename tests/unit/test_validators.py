"""validate_seed_id: the rule for addressing a seed by (layer_id, seed_idx)."""

from __future__ import annotations

from typing import Any

import pytest

from esper.contracts import validate_seed_id
from esper.contracts.validators import format_seed_id


def test_a_pair_of_non_negative_ints_is_returned_unchanged() -> None:
    assert validate_seed_id((0, 0)) == (0, 0)
    assert validate_seed_id((3, 12)) == (3, 12)


@pytest.mark.parametrize("value", [(1,), (1, 2, 3), [1, 2], "1:2", None])
def test_wrong_shape_is_a_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match="tuple of"):
        validate_seed_id(value)


@pytest.mark.parametrize("value", [(1.0, 2), (1, "2"), (True, 2), (1, None)])
def test_non_int_elements_are_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="integers"):
        validate_seed_id(value)


@pytest.mark.parametrize("value", [(-1, 0), (0, -1)])
def test_negative_elements_are_a_value_error(value: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        validate_seed_id(value)


def test_wire_form_is_layer_colon_index() -> None:
    assert format_seed_id((3, 1)) == "3:1"
