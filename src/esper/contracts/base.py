"""The base model every Esper contract derives from."""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class EsperModel(BaseModel):
    """Strict contract base: unknown fields are rejected, assignments are validated.

    Assignment is atomic: pydantic validates an assigned field, stores it, and only then runs the
    model-level checks (``germinate`` needs a kernel, ``updated_at >= created_at`` ...), so a
    failing check would leave the instance holding the value it just rejected. ``__setattr__``
    puts the previous state back before the ``ValidationError`` propagates.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        str_strip_whitespace=True,
        use_enum_values=False,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        before = dict(self.__dict__)
        fields_set = set(self.__pydantic_fields_set__)
        try:
            super().__setattr__(name, value)
        except ValidationError:
            object.__setattr__(self, "__dict__", before)
            object.__setattr__(self, "__pydantic_fields_set__", fields_set)
            raise
