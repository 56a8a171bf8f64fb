"""The crash battery's own account (molecule/crash/battery.py's main), with stand-in cases.

The cases themselves need the crash scenario's container; what main() makes of their results
does not: a case that fails stops the battery, and the closing line says which cases did not
run rather than counting them as failed.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _battery() -> ModuleType:
    spec = importlib.util.spec_from_file_location("battery", ROOT / "molecule/crash/battery.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _passes(case: object) -> None:
    case.ok = True  # type: ignore[attr-defined]


def _fails(case: object) -> None:
    case.notes.append("what went wrong")  # type: ignore[attr-defined]


def _run(
    cases: list[tuple[str, Callable[[object], None]]], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    battery = _battery()
    battery.CASES = cases
    rc = battery.main()
    return rc, capsys.readouterr().out


def test_every_case_passing_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _run([("a", _passes), ("b", _passes)], capsys)
    assert rc == 0
    assert out.rstrip().endswith("crash battery: 2 passed, 0 failed, 0 not run")


def test_a_failed_case_stops_the_battery_and_the_rest_count_as_not_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out = _run([("a", _passes), ("b", _fails), ("c", _passes)], capsys)
    assert rc == 1
    assert "[battery] c:" not in out
    assert out.rstrip().endswith("crash battery: 1 passed, 1 failed, 1 not run")


def test_a_failed_case_prints_its_row_and_notes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _run([("b", _fails)], capsys)
    assert "| b |" in out
    assert out.count("FAILED") >= 2
    assert "--- b ---\nwhat went wrong" in out
