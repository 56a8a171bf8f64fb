"""scripts/lib/fleet-fits.sh: test.sh starts the fleet scenario only when it fits.

The fleet needs ~46 GB and up to ~48 minutes; CI stops a run after 90. A run that cannot give
it either skips it loudly (test.sh runs ubuntu2404 in its place) instead of failing for want of
disk or being cut off by CI's limit.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "scripts/lib/fleet-fits.sh"


def _fits(free_gb: int, elapsed_s: int, **env: str) -> tuple[bool, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ESPER_TEST_TIME_LIMIT_S", "ESPER_FLEET_ESTIMATE_S", "ESPER_FLEET_MIN_FREE_GB"}
    }
    done = subprocess.run(
        ["bash", "-c", f'. "{LIB}"; fleet_fits {free_gb} {elapsed_s}'],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0, done.stdout


def test_the_fleet_runs_with_room_and_no_time_limit() -> None:
    fits, why = _fits(80, 10_000)
    assert fits, why
    assert "80 GB free" in why


def test_the_fleet_is_skipped_below_the_free_disk_it_needs() -> None:
    fits, why = _fits(47, 0)
    assert not fits
    assert "47 GB free" in why
    assert "needs 50 GB" in why


def test_the_fleet_is_skipped_when_it_could_not_finish_within_the_time_limit() -> None:
    fits, why = _fits(80, 2300, ESPER_TEST_TIME_LIMIT_S="5400")
    assert not fits
    assert "2300 s used of the 5400 s limit" in why


def test_the_fleet_runs_when_the_time_left_holds_its_estimate_and_the_finish() -> None:
    fits, why = _fits(80, 2200, ESPER_TEST_TIME_LIMIT_S="5400")
    assert fits, why
    assert "2200 s used of the 5400 s limit" in why


def test_the_estimate_is_a_setting() -> None:
    fits, _ = _fits(80, 2300, ESPER_TEST_TIME_LIMIT_S="5400", ESPER_FLEET_ESTIMATE_S="2000")
    assert fits
