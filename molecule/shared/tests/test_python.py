"""The chosen Python (3.12 on Mint/Ubuntu, 3.13 on Debian 13) with venv and headers."""

from __future__ import annotations

from typing import Any


def test_python_version(host: Any, python_version: str) -> None:
    out = host.check_output(f"python{python_version} -V")
    assert out.startswith(f"Python {python_version}."), out


def test_python_venv_and_dev_packages(host: Any, python_version: str) -> None:
    for name in (f"python{python_version}-venv", f"python{python_version}-dev"):
        assert host.package(name).is_installed, name


def test_system_python_stays_externally_managed(host: Any, python_version: str) -> None:
    marker = host.file(f"/usr/lib/python{python_version}/EXTERNALLY-MANAGED")
    assert marker.exists, "the role must never remove EXTERNALLY-MANAGED"
