"""Constants and helpers for the testinfra verifiers (molecule verify)."""

from __future__ import annotations

import json
import shlex
from typing import Any

USER = "esper"
HOME = f"/home/{USER}"
VENV = f"{HOME}/.local/share/esper/venv"
SERVICES_DIR = "/opt/esper/services"
ENV_FILE = f"{SERVICES_DIR}/.env"
COMPOSE_PROJECT = "esper"
SERVICES = ("redis", "postgres", "minio")
PROBE_DIR = "/var/lib/esper-molecule"


def as_user(host: Any, command: str) -> Any:
    """Run a shell command as the workstation user in a login-like environment."""
    return host.run(f"sudo -H -u {USER} -- bash -lc {shlex.quote(command)}")


def docker_json(host: Any, *args: str) -> Any:
    with host.sudo():
        out = host.check_output("docker " + " ".join(shlex.quote(a) for a in args))
    return json.loads(out)


def service_container(host: Any, service: str) -> str:
    """Container id of a compose service of the esper project."""
    with host.sudo():
        ids = host.check_output(
            "docker ps -aq --filter label=com.docker.compose.project=%s "
            "--filter label=com.docker.compose.service=%s",
            COMPOSE_PROJECT,
            service,
        ).split()
    assert len(ids) == 1, f"want one {service} container in project {COMPOSE_PROJECT}: {ids}"
    return str(ids[0])
