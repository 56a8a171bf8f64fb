"""The per-task cost reader of scripts/bench.sh (scripts/lib/task_costs.py).

profile_tasks stamps each task's banner with the time the task before it took; the reader must
give each task its own time, and split host round trips from tasks the controller settled.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT

READER = ROOT / "scripts" / "lib" / "task_costs.py"
sys.path.insert(0, str(READER.parent))
import task_costs  # noqa: E402

LOG = """\
TASK [Gathering Facts] *********************************************************
Tuesday 01 December 2026  09:34:25 +0000 (0:00:00.021)       0:00:00.021 ******
ok: [localhost]

TASK [role : Install the build dependencies] ***********************************
Tuesday 01 December 2026  09:34:26 +0000 (0:00:01.500)       0:00:01.521 ******
ok: [localhost]

TASK [role : Decide] ***********************************************************
Tuesday 01 December 2026  09:34:27 +0000 (0:00:01.200)       0:00:02.721 ******
ok: [localhost]

TASK [role : Last] *************************************************************
Tuesday 01 December 2026  09:34:27 +0000 (0:00:00.040)       0:00:02.761 ******
ok: [localhost]
"""


def test_each_task_gets_the_time_stamped_on_the_next_banner() -> None:
    assert task_costs.task_seconds(LOG.splitlines()) == [
        ("Gathering Facts", 1.5),
        ("role : Install the build dependencies", 1.2),
        ("role : Decide", 0.04),
    ]


def test_a_log_without_profile_tasks_stamps_gives_no_rows() -> None:
    assert task_costs.task_seconds(["TASK [x] ****", "ok: [localhost]"]) == []


def test_the_summary_splits_host_round_trips_from_controller_tasks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.log"
    log.write_text(LOG)
    tsv = tmp_path / "tasks.tsv"
    task_costs.main(str(log), "run", str(tsv))
    out = capsys.readouterr().out.splitlines()
    assert out[-4:] == [
        "run_host_tasks: 2",
        "run_host_s: 2.7",
        "run_controller_tasks: 1",
        "run_controller_s: 0.0",
    ]
    assert tsv.read_text().splitlines()[0] == "1.50\tGathering Facts"
