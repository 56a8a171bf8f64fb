"""The esper_env_keys module (roles/esper_services/library): the .env's managed keys in one pass.

The pure functions are tested directly; the module itself through ansible-playbook on a
dotenv file in a temporary directory, in check mode and for real, with --diff, because that
is where a secret could leak: the drift report is `fleet.yml --check --diff`.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, _ansible_playbook, _env

LIBRARY = ROOT / "roles" / "esper_services" / "library"
SECRET = "Zq8secretvalueNeverShown"
DOTENV = f"POSTGRES_PASSWORD={SECRET}\nREDIS_PORT=6379\n# a comment\nMY_OWN=kept\n"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("esper_env_keys", LIBRARY / "esper_env_keys.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["esper_env_keys"] = module
    spec.loader.exec_module(module)
    return module


env_keys = _load()


def test_a_changed_value_replaces_its_line_in_place() -> None:
    text, changed = env_keys.update_lines(DOTENV, {"REDIS_PORT": "6380"})
    assert text == DOTENV.replace("REDIS_PORT=6379", "REDIS_PORT=6380")
    assert changed == ["REDIS_PORT"]


def test_a_missing_key_is_appended() -> None:
    text, changed = env_keys.update_lines("A=1", {"B": "2"})
    assert text == "A=1\nB=2\n"
    assert changed == ["B"]


def test_current_values_change_nothing() -> None:
    assert env_keys.update_lines(DOTENV, {"REDIS_PORT": "6379"}) == (DOTENV, [])


def test_the_last_of_repeated_lines_is_the_one_set() -> None:
    text, _ = env_keys.update_lines("K=1\nK=2\n", {"K": "3"})
    assert text == "K=1\nK=3\n"


def test_a_key_is_matched_whole_not_by_prefix() -> None:
    text, changed = env_keys.update_lines("REDIS_PORT_X=1\n", {"REDIS_PORT": "2"})
    assert text == "REDIS_PORT_X=1\nREDIS_PORT=2\n"
    assert changed == ["REDIS_PORT"]


def test_the_managed_view_holds_only_the_managed_lines() -> None:
    view = env_keys.managed_view(DOTENV, {"REDIS_PORT": "1", "ABSENT": "2"})
    assert view == "REDIS_PORT=6379\n# ABSENT is not set\n"


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"BAD-NAME": "1"}, "BAD-NAME"),
        ({"OK": "1", "MULTI": "a\nb"}, "MULTI"),
        ({"LIST": ["a"]}, "LIST"),
    ],
)
def test_bad_input_names_the_key(keys: dict[str, object], named: str) -> None:
    problem = env_keys.bad_input(keys)
    assert problem
    assert named in problem


PLAYBOOK = """\
- name: Keep keys
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Keep the managed keys
      esper_env_keys:
        path: "{{ dotenv }}"
        keys: {REDIS_PORT: 6380, MY_OWN: kept}
        mode: "0600"
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = _env(tmp_path / "facts") | {"ANSIBLE_LIBRARY": str(LIBRARY)}
    return subprocess.run(
        [
            _ansible_playbook(),
            "play.yml",
            "-i",
            "localhost,",
            "-e",
            f"dotenv={tmp_path / '.env'}",
            *args,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def dotenv(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text(DOTENV)
    path.chmod(0o644)
    return path


def test_check_diff_shows_the_change_and_no_secret_and_writes_nothing(
    tmp_path: Path, dotenv: Path
) -> None:
    proc = _run(tmp_path, "--check", "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "+REDIS_PORT=6380" in proc.stdout
    assert re.search(r"^\+\s*\"?mode\"?: [\"']0600", proc.stdout, re.MULTILINE), proc.stdout
    assert SECRET not in proc.stdout + proc.stderr
    assert dotenv.read_text() == DOTENV
    assert dotenv.stat().st_mode & 0o777 == 0o644


def test_a_run_sets_the_keys_and_mode_and_keeps_every_other_line(
    tmp_path: Path, dotenv: Path
) -> None:
    proc = _run(tmp_path, "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert dotenv.read_text() == DOTENV.replace("REDIS_PORT=6379", "REDIS_PORT=6380")
    assert dotenv.stat().st_mode & 0o777 == 0o600


def test_a_second_run_changes_nothing(tmp_path: Path, dotenv: Path) -> None:
    _run(tmp_path)
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "changed=0" in proc.stdout
