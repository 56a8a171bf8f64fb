"""The crash battery's own account (molecule/crash/battery.py's main), with stand-in cases.

The cases themselves need the crash scenario's container; what main() makes of their results
does not: a case that fails stops the battery, and the closing line says which cases did not
run rather than counting them as failed.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import uuid
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


# The watcher (battery.WATCH) runs inside the test container; its protocol is tested here as a
# plain process. The kill itself is not: on a host it would climb to this test's own ancestors.


def _watcher(pattern: str, limit: float = 30.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _battery().WATCH, pattern, f"{limit:g}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_watcher_says_timeout_when_nothing_matches_within_its_limit() -> None:
    watcher = _watcher(f"esper-never-runs-{uuid.uuid4()}", limit=0.5)
    assert watcher.stdout is not None
    out = watcher.stdout.read()  # its stdin stays open: only the limit ends it
    assert out.splitlines() == ["watching", "timeout"]
    assert watcher.wait(timeout=30) == 3


def test_the_watcher_names_the_matching_process_and_leaves_it_running_without_the_kill_line() -> (
    None
):
    marker = f"esper-watch-target-{uuid.uuid4()}"
    argv = [sys.executable, "-c", "import time; time.sleep(60)", marker]
    target = subprocess.Popen(argv)
    watcher = _watcher(re.escape(marker))
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline() == "watching\n"
        seen = watcher.stdout.readline()
        assert seen == "seen: " + " ".join(argv)[:60] + "\n"  # its command line, cut at 60
        watcher.communicate(input="", timeout=30)  # EOF, not "kill"
        assert watcher.returncode == 4
        assert target.poll() is None
    finally:
        target.kill()
        target.wait()
        if watcher.poll() is None:
            watcher.kill()


def test_the_watcher_ends_when_the_battery_closes_its_stdin_while_it_waits() -> None:
    watcher = _watcher(f"esper-never-runs-{uuid.uuid4()}")
    assert watcher.stdout is not None
    assert watcher.stdout.readline() == "watching\n"
    watcher.communicate(input="", timeout=30)
    assert watcher.returncode == 4
