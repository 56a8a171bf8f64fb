"""The Esper venv: where, whose, what Python, the library, torch, and a green doctor."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from helpers import ENV_FILE, USER, VENV, as_user

# The torch pin, read where it is written.
TORCH_PIN = Path(__file__).resolve().parents[3] / "requirements" / "torch.txt"


def test_venv_path_and_owner(host: Any) -> None:
    venv = host.file(VENV)
    assert venv.is_directory
    assert venv.user == USER
    assert host.file(f"{VENV}/pyvenv.cfg").user == USER


def test_venv_uses_the_chosen_python(host: Any, python_version: str) -> None:
    result = as_user(host, f"{VENV}/bin/python -V")
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith(f"Python {python_version}."), result.stdout


def test_import_esper(host: Any) -> None:
    result = as_user(host, f"{VENV}/bin/python -c 'import esper; print(esper.__file__)'")
    assert result.rc == 0, result.stderr


def test_esper_doctor_all_green(host: Any) -> None:
    result = as_user(host, f"{VENV}/bin/esper doctor --json --env-file {ENV_FILE}")
    report = json.loads(result.stdout)
    red = [check for check in report["checks"] if not check["ok"]]
    assert not red, red
    assert report["ok"], result.stdout
    assert result.rc == 0, result.stderr


def test_torch_imports(host: Any) -> None:
    result = as_user(
        host,
        f"{VENV}/bin/python -c 'import torch; t = torch.ones(2, 2) @ torch.ones(2, 2); "
        "print(torch.__version__, float(t.sum()))'",
    )
    assert result.rc == 0, result.stderr
    version, total = result.stdout.split()
    pinned = re.search(r"^torch==(\S+)", TORCH_PIN.read_text(), re.MULTILINE)
    assert pinned
    assert version.split("+")[0] == pinned.group(1), version
    assert total == "8.0"


def test_pip_check_clean(host: Any) -> None:
    result = as_user(host, f"{VENV}/bin/python -m pip check")
    assert result.rc == 0, result.stdout + result.stderr
