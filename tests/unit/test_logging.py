"""setup_logging: idempotent, text or JSON, leaves other handlers alone."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from esper.utils.logging import ESPER_HANDLER_ATTR, setup_logging


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def esper_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, ESPER_HANDLER_ATTR, False)]


def test_second_call_does_not_duplicate_handlers_or_output() -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging("tamiyo", stream=first)
    log = setup_logging("tamiyo", stream=second)

    log.info("once")

    assert len(esper_handlers()) == 1
    assert first.getvalue() == ""
    assert second.getvalue().count("once") == 1


def test_setup_adds_its_handler_even_when_other_handlers_exist() -> None:
    foreign = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(foreign)
    out = io.StringIO()

    setup_logging("karn", stream=out).warning("still logged")

    assert foreign in logging.getLogger().handlers
    assert "still logged" in out.getvalue()


def test_text_format_names_service_level_and_logger() -> None:
    out = io.StringIO()
    setup_logging("urza", stream=out).error("disk full")

    line = out.getvalue().strip()
    assert " - urza - ERROR - [urza:" in line
    assert line.endswith("disk full")


def test_json_format_writes_one_parseable_object_per_line() -> None:
    out = io.StringIO()
    log = setup_logging("oona", fmt="json", stream=out)

    log.info("published %s", "evt-1", extra={"topic": "system.events.epoch"})
    log.warning("second")

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "published evt-1"
    assert first["level"] == "INFO"
    assert first["service"] == "oona"
    assert first["logger"] == "oona"
    assert first["extra"] == {"topic": "system.events.epoch"}
    assert first["timestamp"].endswith("+00:00")
    assert second["level"] == "WARNING"


def test_json_format_includes_the_exception() -> None:
    out = io.StringIO()
    log = setup_logging("tezzeret", fmt="json", stream=out)
    try:
        raise RuntimeError("compile failed")
    except RuntimeError:
        log.exception("oops")

    entry = json.loads(out.getvalue())
    assert "RuntimeError: compile failed" in entry["exception"]


def test_level_filters_lower_messages_and_accepts_names() -> None:
    out = io.StringIO()
    log = setup_logging("nissa", level="warning", stream=out)

    log.info("hidden")
    log.warning("shown")

    assert "hidden" not in out.getvalue()
    assert "shown" in out.getvalue()
    assert logging.getLogger().level == logging.WARNING


def test_unknown_level_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        setup_logging("simic", level="LOUD")


def test_default_stream_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("emrakul").info("to stdout")

    assert "to stdout" in capsys.readouterr().out


def reject_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def test_json_format_spells_non_finite_extras_as_strings_so_the_line_stays_json() -> None:
    out = io.StringIO()
    log = setup_logging("tolaria", fmt="json", stream=out)

    log.warning("diverged", extra={"loss": float("nan"), "grad": {"max": [float("-inf")]}})

    entry = json.loads(out.getvalue(), parse_constant=reject_constant)
    assert entry["extra"] == {"loss": "NaN", "grad": {"max": ["-Infinity"]}}


def test_json_format_includes_the_stack_when_asked() -> None:
    out = io.StringIO()
    log = setup_logging("urabrask", fmt="json", stream=out)

    log.info("where am I", stack_info=True)

    entry = json.loads(out.getvalue())
    assert entry["stack"].startswith("Stack (most recent call last):")
    assert "test_json_format_includes_the_stack_when_asked" in entry["stack"]
