"""The compose services: healthy, on 127.0.0.1 only, and the .env kept private."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    COMPOSE_PROJECT,
    ENV_FILE,
    SERVICES,
    SERVICES_DIR,
    USER,
    docker_json,
    service_container,
)

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


def _leaked(dotenv: dict[str, str], text: str) -> list[str]:
    return [key for key in SECRET_KEYS if dotenv.get(key) and dotenv[key] in text]


def test_no_secret_on_any_command_line(host: Any, dotenv: dict[str, str]) -> None:
    with host.sudo():
        command_lines = host.check_output("ps -eo args --no-headers")
    leaked = _leaked(dotenv, command_lines)
    assert not leaked, f"visible in ps: {leaked}"


@pytest.mark.parametrize("service", SERVICES)
def test_no_secret_in_the_container_configuration(
    host: Any, dotenv: dict[str, str], service: str
) -> None:
    with host.sudo():
        inspected = host.check_output("docker inspect %s", service_container(host, service))
    leaked = _leaked(dotenv, inspected)
    assert not leaked, f"visible in docker inspect {service}: {leaked}"


# The host's secrets as grep patterns, read from the .env inside the shell (a process
# substitution): never on a command line, and grep prints counts or file names, never a match.
SECRET_PATTERNS = f"<(sed -n -E 's/^({'|'.join(SECRET_KEYS)})=//p' {ENV_FILE} | grep -v '^$')"


def test_no_secret_in_the_system_journal(host: Any) -> None:
    if not host.exists("journalctl"):
        pytest.skip("no journalctl on this host: its logs are checked under /var/log only")
    with host.sudo():
        found = host.run(
            "bash -c %s", f"journalctl --no-pager -o cat | grep -c -F -f {SECRET_PATTERNS}"
        )
    assert found.rc == 1, f"journal lines holding a secret: {found.stdout.strip()} ({found.stderr})"


def test_no_secret_in_any_file_under_var_log(host: Any) -> None:
    with host.sudo():
        found = host.run("bash -c %s", f"grep -r -l -F -f {SECRET_PATTERNS} /var/log")
    assert found.rc == 1, f"files holding a secret: {found.stdout.split()} ({found.stderr})"


def test_no_secret_in_the_service_logs(host: Any) -> None:
    script = (
        f"docker compose --project-directory {SERVICES_DIR} --project-name {COMPOSE_PROJECT}"
        f" logs --no-color | grep -c -F -f {SECRET_PATTERNS}"
    )
    with host.sudo():
        found = host.run("bash -c %s", script)
    assert found.rc == 1, (
        f"service log lines holding a secret: {found.stdout.strip()} ({found.stderr})"
    )


def test_no_secret_in_the_run_reports_and_logs_on_the_control_node(dotenv: dict[str, str]) -> None:
    reports = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "reports"
    if not reports.is_dir():
        pytest.skip("this scenario keeps no run reports or logs on the control node (fleet does)")
    files = [path for path in reports.rglob("*") if path.is_file()]
    assert files, f"{reports} holds no report"
    leaked = {
        str(path.relative_to(reports)): keys
        for path in files
        if (keys := _leaked(dotenv, path.read_text(errors="replace")))
    }
    assert not leaked, f"secrets in the control node's reports and logs: {leaked}"


def test_the_library_bucket_exists(host: Any, dotenv: dict[str, str]) -> None:
    script = (
        'export MC_HOST_local="http://${MINIO_ROOT_USER}:$(cat /run/secrets/minio_root_password)'
        '@127.0.0.1:9000"; exec mc ls "local/$0"'
    )
    with host.sudo():
        result = host.run(
            "docker compose --project-directory %s --project-name %s exec -T minio sh -c %s %s",
            SERVICES_DIR,
            COMPOSE_PROJECT,
            script,
            dotenv["S3_BUCKET_NAME"],
        )
    assert result.rc == 0, result.stderr
