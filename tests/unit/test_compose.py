"""docker/docker-compose.yml and .env.example follow docs/design.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from esper.configs import load_env_file

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker" / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"

DESIGN_DEFAULTS = {
    "REDIS_IMAGE": "redis:7.2.7-alpine",
    "POSTGRES_IMAGE": "postgres:16.6-alpine",
    "MINIO_IMAGE": "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z",
    "ESPER_BIND_ADDRESS": "127.0.0.1",
    "REDIS_PORT": "6379",
    "POSTGRES_PORT": "5432",
    "MINIO_API_PORT": "9000",
    "MINIO_CONSOLE_PORT": "9001",
    "POSTGRES_HOST": "127.0.0.1",
    "POSTGRES_DB": "urza_db",
    "POSTGRES_USER": "esper_admin",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "MINIO_ROOT_USER": "minio_admin",
    "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "S3_BUCKET_NAME": "esper-artifacts",
}
SECRETS = {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


def test_compose_has_no_obsolete_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_compose_defines_redis_postgres_and_minio(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"redis", "postgres", "minio"}


@pytest.mark.parametrize(
    ("service", "variable"),
    [("redis", "REDIS_IMAGE"), ("postgres", "POSTGRES_IMAGE"), ("minio", "MINIO_IMAGE")],
)
def test_images_are_pinned_and_overridable(
    compose: dict[str, Any], service: str, variable: str
) -> None:
    image = compose["services"][service]["image"]

    assert image == f"${{{variable}:-{DESIGN_DEFAULTS[variable]}}}"
    assert not image.endswith(":latest}")


def test_every_published_port_is_bound_to_esper_bind_address(compose: dict[str, Any]) -> None:
    ports = [p for s in compose["services"].values() for p in s.get("ports", [])]

    assert len(ports) == 4
    for port in ports:
        assert re.fullmatch(r"\$\{ESPER_BIND_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+:-\d+\}:\d+", port)


@pytest.mark.parametrize("service", ["redis", "postgres", "minio"])
def test_every_service_has_a_healthcheck_and_a_restart_policy(
    compose: dict[str, Any], service: str
) -> None:
    definition = compose["services"][service]

    assert definition["healthcheck"]["test"]
    assert definition["restart"] == "unless-stopped"


def test_healthchecks_use_the_designed_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]

    redis = " ".join(services["redis"]["healthcheck"]["test"])
    assert 'REDISCLI_AUTH="$$(cat /run/secrets/redis_password)" redis-cli ping' in redis
    postgres = " ".join(services["postgres"]["healthcheck"]["test"])
    assert 'pg_isready -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"' in postgres
    assert services["minio"]["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    assert "curl" not in str(services)


def test_redis_reads_its_password_from_a_config_file_and_appends_to_data(
    compose: dict[str, Any],
) -> None:
    redis = compose["services"]["redis"]
    conf = "/usr/local/etc/redis/esper-auth.conf"

    assert redis["command"] == ["redis-server", conf, "--appendonly", "yes", "--dir", "/data"]
    assert redis["configs"] == [{"source": "redis_auth", "target": conf}]
    assert compose["configs"]["redis_auth"]["content"].startswith('requirepass "${REDIS_PASSWORD:?')


@pytest.mark.parametrize(
    ("service", "secret", "variable"),
    [
        ("redis", "redis_password", "REDIS_PASSWORD"),
        ("postgres", "postgres_password", "POSTGRES_PASSWORD"),
        ("minio", "minio_root_password", "MINIO_ROOT_PASSWORD"),
    ],
)
def test_each_password_reaches_its_service_as_a_compose_secret_from_env(
    compose: dict[str, Any], service: str, secret: str, variable: str
) -> None:
    assert compose["secrets"][secret] == {"environment": variable}
    assert secret in compose["services"][service]["secrets"]


@pytest.mark.parametrize("service", ["redis", "postgres", "minio"])
def test_no_password_is_in_a_container_environment_or_command_line(
    compose: dict[str, Any], service: str
) -> None:
    definition = compose["services"][service]
    environment = definition.get("environment", {})
    exposed = json.dumps([environment, definition.get("command", [])])

    assert not set(environment) & SECRETS
    assert not set(re.findall(r"\$\{([A-Z_]+)", exposed)) & SECRETS


def test_the_images_read_their_passwords_from_the_secret_files(compose: dict[str, Any]) -> None:
    services = compose["services"]

    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == (
        "/run/secrets/postgres_password"
    )
    assert services["minio"]["environment"]["MINIO_ROOT_PASSWORD_FILE"] == (
        "/run/secrets/minio_root_password"
    )


def test_data_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    mounts = {
        name: service["volumes"][0].split(":") for name, service in compose["services"].items()
    }

    assert mounts == {
        "redis": ["redis_data", "/data"],
        "postgres": ["postgres_data", "/var/lib/postgresql/data"],
        "minio": ["minio_data", "/data"],
    }
    assert set(compose["volumes"]) == {"redis_data", "postgres_data", "minio_data"}


def test_every_compose_variable_is_documented_in_env_example() -> None:
    lines = [
        line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#")
    ]
    used = set(re.findall(r"\$\{([A-Z_]+)", "\n".join(lines)))

    assert "REDIS_PASSWORD" in used

    assert used <= set(load_env_file(ENV_EXAMPLE))


def test_env_example_has_the_design_keys_and_defaults() -> None:
    example = load_env_file(ENV_EXAMPLE)

    assert set(example) == set(DESIGN_DEFAULTS) | SECRETS
    assert {k: example[k] for k in DESIGN_DEFAULTS} == DESIGN_DEFAULTS


def test_env_example_secrets_are_placeholders() -> None:
    example = load_env_file(ENV_EXAMPLE)

    for key in SECRETS:
        assert example[key].startswith("change-me"), key
        assert len(example[key]) >= 32, key
