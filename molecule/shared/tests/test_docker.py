"""Docker Engine with compose v2: running, enabled, usable by the workstation user."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import USER, as_user


def test_docker_daemon_active(host: Any) -> None:
    assert host.service("docker").is_running


def test_docker_daemon_enabled(host: Any) -> None:
    assert host.service("docker").is_enabled


def test_user_in_docker_group(host: Any) -> None:
    assert "docker" in host.user(USER).groups


def test_user_runs_docker_without_sudo(host: Any) -> None:
    # A fresh login of the user (sudo -u) has the docker group, as after the re-login.
    result = as_user(host, "docker info --format '{{.ServerVersion}}'")
    assert result.rc == 0, result.stderr


def test_compose_v2_plugin(host: Any) -> None:
    info = host.system_info
    if info.distribution == "debian" and info.release.split(".")[0] == "12":
        pytest.skip("Debian 12 packages docker-compose v1 only (no compose v2 plugin)")
    result = as_user(host, "docker compose version")
    assert result.rc == 0, result.stderr
