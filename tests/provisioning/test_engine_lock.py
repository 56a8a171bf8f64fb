"""scripts/lib/engine-lock.sh: one user of the test containers at a time on one engine.

The scenarios' container names are fixed, so a second test.sh (another checkout) must wait
for the first, say who holds the lock, and give up after ESPER_TEST_LOCK_WAIT seconds. The
lock lives in ESPER_CACHE_DIR, here a temporary directory.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "scripts/lib/engine-lock.sh"


def _shell(cache: Path, script: str, wait: int = 1) -> subprocess.Popen[str]:
    env = {**os.environ, "ESPER_CACHE_DIR": str(cache), "ESPER_TEST_LOCK_WAIT": str(wait)}
    return subprocess.Popen(
        ["bash", "-c", f'. "{LIB}"; hold_engine_lock || exit 7; {script}'],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _holding(cache: Path) -> subprocess.Popen[str]:
    """A shell that holds the lock until its stdin closes."""
    holder = _shell(cache, "echo held; read -r _")
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    return holder


def test_a_second_run_gives_up_after_the_wait_and_names_the_holder(tmp_path: Path) -> None:
    holder = _holding(tmp_path)
    try:
        out, _ = _shell(tmp_path, "echo ran", wait=1).communicate(timeout=30)
    finally:
        holder.communicate(input="\n", timeout=30)
    assert "ran" not in out
    assert f"pid {holder.pid}" in out
    assert "still in use after 1 s" in out


def test_a_second_run_goes_on_once_the_first_has_ended(tmp_path: Path) -> None:
    holder = _holding(tmp_path)
    second = _shell(tmp_path, "echo ran", wait=30)
    holder.communicate(input="\n", timeout=30)
    out, _ = second.communicate(timeout=30)
    assert second.returncode == 0
    assert out.rstrip().endswith("ran")


def test_a_run_alone_takes_the_lock_at_once(tmp_path: Path) -> None:
    out, _ = _shell(tmp_path, "echo ran", wait=0).communicate(timeout=30)
    assert out == "ran\n"
