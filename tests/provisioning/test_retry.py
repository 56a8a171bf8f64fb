"""scripts/lib/retry.sh: a download step cut off once does not fail the whole run.

CI once failed after six minutes because PyPI's index page of pydantic-core arrived cut off
(pip: JSONDecodeError). dev-env.sh, bootstrap.sh and the tests' venv now try each download
step again, and the later attempts bypass pip's and uv's HTTP caches, where a cut-off page
could otherwise be served a second time.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "scripts/lib/retry.sh"

# A stand-in for pip: fails until its Nth call, and logs each call's cache settings.
FLAKY = """
n=$(( $(cat "$STATE/calls" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$STATE/calls"
echo "call $n pip_no_cache=${PIP_NO_CACHE_DIR:-} uv_no_cache=${UV_NO_CACHE:-}" >>"$STATE/log"
[ "$n" -ge "$SUCCEED_ON" ] || exit 7
"""


def _run(tmp_path: Path, succeed_on: int, attempts: int = 3) -> tuple[int, list[str], str]:
    flaky = tmp_path / "flaky.sh"
    flaky.write_text(FLAKY)
    clean = {k: v for k, v in os.environ.items() if k not in {"PIP_NO_CACHE_DIR", "UV_NO_CACHE"}}
    done = subprocess.run(
        ["bash", "-c", f'set -euo pipefail; . "{LIB}"; retry_fresh bash "{flaky}"'],
        env={
            **clean,
            "STATE": str(tmp_path),
            "SUCCEED_ON": str(succeed_on),
            "ESPER_RETRY_ATTEMPTS": str(attempts),
            "ESPER_RETRY_DELAY_S": "0",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    log = (tmp_path / "log").read_text().splitlines()
    return done.returncode, log, done.stderr


def test_a_step_that_succeeds_runs_once_with_the_caches(tmp_path: Path) -> None:
    rc, log, _ = _run(tmp_path, succeed_on=1)
    assert rc == 0
    assert log == ["call 1 pip_no_cache= uv_no_cache="]


def test_a_step_cut_off_once_succeeds_on_the_next_attempt(tmp_path: Path) -> None:
    rc, log, err = _run(tmp_path, succeed_on=2)
    assert rc == 0
    assert len(log) == 2
    assert "attempt 2 of 3" in err


def test_later_attempts_bypass_pip_and_uv_caches(tmp_path: Path) -> None:
    _, log, _ = _run(tmp_path, succeed_on=3)
    assert log[1:] == [
        "call 2 pip_no_cache=1 uv_no_cache=1",
        "call 3 pip_no_cache=1 uv_no_cache=1",
    ]


def test_a_step_that_keeps_failing_fails_with_its_own_exit_status(tmp_path: Path) -> None:
    rc, log, err = _run(tmp_path, succeed_on=99)
    assert rc == 7
    assert len(log) == 3
    assert "failed 3 times" in err


def test_the_number_of_attempts_is_a_setting(tmp_path: Path) -> None:
    rc, log, _ = _run(tmp_path, succeed_on=99, attempts=1)
    assert rc == 7
    assert len(log) == 1


# The roles' side: every task that installs from an index or a wheelhouse retries.
ROLES = Path(__file__).resolve().parents[2] / "roles"


def _tasks(node: object) -> list[dict[str, object]]:
    """Every task in a task file, blocks opened."""
    found: list[dict[str, object]] = []
    if isinstance(node, list):
        for item in node:
            found += _tasks(item)
    elif isinstance(node, dict):
        if "block" in node:
            for key in ("block", "rescue", "always"):
                found += _tasks(node.get(key, []))
        else:
            found.append(node)
    return found


def _installs_from_an_index(task: dict[str, object]) -> bool:
    if "async" in task:  # torch's head start: a job of its own, waited for and reported
        return False
    pip = task.get("ansible.builtin.pip")
    if isinstance(pip, dict):
        # A wheel built on the control node and copied over, --no-deps: nothing to download.
        return "wheel_name" not in str(pip.get("name", ""))
    command = task.get("ansible.builtin.command")
    if not isinstance(command, dict):
        return False
    argv = f"{command.get('argv', '')} {task.get('vars', '')}"
    # The index and wheelhouse settings (pip_env, torch_env); pip_env_base has none (pip check).
    environment = str(task.get("environment", ""))
    uses_an_index = "_env" in environment and "_env_base" not in environment
    return uses_an_index or ("pip" in argv and "'install'" in argv)


def _download_tasks() -> list[tuple[str, dict[str, object]]]:
    import yaml

    return [
        (f"{path.relative_to(ROLES)}: {task.get('name')}", task)
        for path in sorted(ROLES.glob("*/tasks/*.yml"))
        for task in _tasks(yaml.safe_load(path.read_text()))
        if _installs_from_an_index(task)
    ]


def test_the_roles_have_download_tasks_to_check() -> None:
    names = [name for name, _ in _download_tasks()]
    assert len(names) >= 8, names


def test_every_role_task_that_downloads_retries_until_it_succeeds() -> None:
    missing = [
        name
        for name, task in _download_tasks()
        if not (
            "is succeeded" in str(task.get("until", ""))
            and "download_retries" in str(task.get("retries", ""))
        )
    ]
    assert missing == []
