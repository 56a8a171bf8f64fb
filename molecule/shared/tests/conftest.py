"""Fixtures for the testinfra verifiers (molecule verify).

The instances come from molecule's inventory (verifier option `hosts: workstations`);
commands a user would type run as the workstation user through sudo (helpers.as_user).
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ENV_FILE


@pytest.fixture(scope="module")
def host_vars(host: Any) -> dict[str, Any]:
    """The instance's inventory variables (molecule.yml group_vars)."""
    return dict(host.ansible.get_variables())


@pytest.fixture(scope="module")
def python_version(host_vars: dict[str, Any]) -> str:
    return str(host_vars.get("esper_python_version", "3.12"))


@pytest.fixture(scope="module")
def dotenv(host: Any) -> dict[str, str]:
    """The services .env, as the role wrote it."""
    with host.sudo():
        content = host.file(ENV_FILE).content_string
    env: dict[str, str] = {}
    for line in content.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip().strip("'\"")
    return env
