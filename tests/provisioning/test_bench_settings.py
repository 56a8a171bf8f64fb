"""scripts/bench.sh refuses settings it cannot honour before it locks the engine or writes a log.

A benchmark run takes ten minutes to an hour: a mistyped ESPER_BENCH_ONLY or ESPER_BENCH_ROUNDS
must stop it at once with a message, not after the first containers were made, and not run a
mode the user did not ask for. Each test runs a copy of the script in a scratch directory, so
its output directory is the scratch one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "scripts/bench.sh"


def _run(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(BENCH, scripts / "bench.sh")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESPER_BENCH_")}
    return subprocess.run(
        ["bash", str(scripts / "bench.sh")],
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unknown_mode_stops_before_anything_is_written(tmp_path: Path) -> None:
    done = _run(tmp_path, ESPER_BENCH_ONLY="frsh")
    assert done.returncode == 2
    assert "ESPER_BENCH_ONLY is converged, fresh or unset, not 'frsh'" in done.stderr
    assert not (tmp_path / ".cache").exists()


def test_rounds_must_be_a_whole_number_of_at_least_one(tmp_path: Path) -> None:
    done = _run(tmp_path, ESPER_BENCH_ROUNDS="0")
    assert done.returncode == 2
    assert "ESPER_BENCH_ROUNDS is a whole number >= 1, not '0'" in done.stderr
    assert not (tmp_path / ".cache").exists()


def test_fresh_only_needs_the_offline_settings_of_an_earlier_run(tmp_path: Path) -> None:
    done = _run(tmp_path, ESPER_BENCH_ONLY="fresh", ESPER_BENCH_ROUNDS="2")
    assert done.returncode == 2
    assert "reuses" in done.stderr
    assert "offline.yml, which an earlier full or converged-only run writes" in done.stderr
