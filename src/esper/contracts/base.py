"""The base model every Esper contract derives from."""

from pydantic import BaseModel, ConfigDict


class EsperModel(BaseModel):
    """Strict contract base: unknown fields are rejected, assignments are validated."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        str_strip_whitespace=True,
        use_enum_values=False,
    )
