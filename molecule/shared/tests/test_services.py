"""The compose services: healthy, on 127.0.0.1 only, and the .env kept private."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ENV_FILE, SERVICES, USER, docker_json, service_container

PORT_KEYS = ("REDIS_PORT", "POSTGRES_PORT", "MINIO_API_PORT", "MINIO_CONSOLE_PORT")
SECRET_KEYS = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD")


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_healthy(host: Any, service: str) -> None:
    (info,) = docker_json(host, "inspect", service_container(host, service))
    assert info["State"]["Running"], info["State"]
    assert info["State"]["Health"]["Status"] == "healthy", info["State"]["Health"]


@pytest.mark.parametrize("service", SERVICES)
def test_published_ports_bound_to_loopback(host: Any, service: str) -> None:
    (info,) = docker_json(host, "inspect", service_container(host, service))
    bindings = [b for bs in (info["NetworkSettings"]["Ports"] or {}).values() for b in (bs or [])]
    assert bindings, f"{service} publishes no port"
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}, bindings


@pytest.mark.parametrize("key", PORT_KEYS)
def test_port_listens_on_loopback_only(host: Any, dotenv: dict[str, str], key: str) -> None:
    port = dotenv[key]
    with host.sudo():
        listening = host.check_output("ss -ltnH").splitlines()
    local = {line.split()[3] for line in listening}
    assert f"127.0.0.1:{port}" in local, sorted(local)
    exposed = {f"0.0.0.0:{port}", f"*:{port}", f"[::]:{port}"} & local
    assert not exposed, f"{key}={port} is reachable from outside: {exposed}"


def test_env_file_private_to_the_user(host: Any) -> None:
    with host.sudo():
        env = host.file(ENV_FILE)
        assert env.is_file
        assert env.mode == 0o600
        assert env.user == USER


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_env_secret_generated(dotenv: dict[str, str], key: str) -> None:
    assert len(dotenv.get(key, "")) >= 32
