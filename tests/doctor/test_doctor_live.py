"""`esper doctor` against real Redis, PostgreSQL and S3 servers (see conftest.py)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from esper.cli import main

from .conftest import LOOPBACK, PostgresServer, RedisServer, S3Server, Stack

pytestmark = pytest.mark.live

BOUND_SECONDS = 10.0
"""A stopped or silent service must give its red row, and the whole run finish, within this."""


def run_in_process(env_file: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["doctor", "--env-file", str(env_file), "--json", *extra], environ={}, out=out)
    return code, json.loads(out.getvalue())


def rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in report["checks"]}


def console_script() -> str:
    script = Path(sys.executable).parent / "esper"
    assert script.exists(), f"the esper console script is not installed next to {sys.executable}"
    return str(script)


def run_console(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL"}}
    env["NO_COLOR"] = "1"
    started = time.monotonic()
    proc = subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    return proc, time.monotonic() - started


# --- all green --------------------------------------------------------------------------------


def test_doctor_reports_every_row_green_against_live_servers(stack: Stack, tmp_path: Path) -> None:
    code, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    assert report["ok"] is True, report
    assert code == 0
    assert [row["name"] for row in report["checks"]] == [
        "config",
        "python",
        "esper modules",
        "dependencies",
        "pip check",
        "torch",
        "redis",
        "postgresql",
        "s3",
    ]
    assert all(row["ok"] and row["hint"] is None for row in report["checks"])


def test_console_script_prints_a_green_table_and_exits_zero(stack: Stack, tmp_path: Path) -> None:
    env_file = stack.write_env_file(tmp_path / ".env")

    proc, _ = run_console("doctor", "--env-file", str(env_file))

    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = proc.stdout.splitlines()
    names = ("python", "esper modules", "dependencies", "pip check", "torch", "redis", "postgresql")
    for name in (*names, "s3"):
        assert any(line.startswith("PASS") and f" {name} " in line for line in table), name
    assert "FAIL" not in proc.stdout
    assert "All 9 checks passed." in proc.stdout


def test_torch_row_reports_version_and_cuda_availability(stack: Stack, tmp_path: Path) -> None:
    _, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    detail = rows(report)["torch"]["detail"]
    assert detail.startswith("torch 2.")
    assert detail.endswith(("CUDA available: yes", "CUDA available: no"))


def test_redis_check_round_trips_a_message_and_deletes_its_scratch_stream(
    stack: Stack, tmp_path: Path
) -> None:
    import redis

    _, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    assert "round-tripped through a stream" in rows(report)["redis"]["detail"]
    client = redis.Redis(host=LOOPBACK, port=stack.redis.port, password=stack.redis.password)
    try:
        assert list(client.scan_iter("esper:doctor:*")) == []
    finally:
        client.close()


def test_postgres_check_queries_the_configured_database(stack: Stack, tmp_path: Path) -> None:
    _, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    detail = rows(report)["postgresql"]["detail"]
    assert "'urza_db' answers SELECT 1" in detail


def test_s3_check_creates_a_missing_bucket_and_leaves_no_object(
    stack: Stack, tmp_path: Path
) -> None:
    client: Any = stack.s3.client()
    existing = {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}
    assert stack.bucket not in existing

    _, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    assert rows(report)["s3"]["ok"] is True
    assert "(bucket created)" in rows(report)["s3"]["detail"]
    assert client.list_objects_v2(Bucket=stack.bucket).get("KeyCount") == 0


def test_s3_check_reuses_an_existing_bucket(stack: Stack, tmp_path: Path) -> None:
    client: Any = stack.s3.client()
    client.create_bucket(Bucket=stack.bucket)

    _, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    assert rows(report)["s3"]["ok"] is True
    assert "(bucket created)" not in rows(report)["s3"]["detail"]


def test_doctor_finds_the_env_file_through_esper_env_file(stack: Stack, tmp_path: Path) -> None:
    env_file = stack.write_env_file(tmp_path / "services.env")
    out = io.StringIO()

    code = main(["doctor", "--json"], environ={"ESPER_ENV_FILE": str(env_file)}, out=out)

    assert code == 0, out.getvalue()


def test_doctor_reads_yaml_config_and_env_file_together(stack: Stack, tmp_path: Path) -> None:
    config = Path(__file__).parents[2] / "configs" / "phase1_mvp.yaml"

    code, report = run_in_process(stack.write_env_file(tmp_path / ".env"), "--config", str(config))

    assert code == 0, report
    assert str(config) in rows(report)["config"]["detail"]


# --- failure paths ----------------------------------------------------------------------------


def assert_red(report: dict[str, Any], name: str, hint_mentions: str) -> None:
    assert report["ok"] is False
    row = rows(report)[name]
    assert row["ok"] is False, row
    assert hint_mentions in row["hint"], row
    others = [r for r in report["checks"] if r["name"] != name]
    assert all(r["ok"] for r in others), others


def test_stopped_redis_gives_a_red_row_with_a_hint_and_nonzero_exit_within_the_bound(
    stack: Stack, stopped_redis: RedisServer, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(tmp_path / ".env", REDIS_URL=stopped_redis.url)

    proc, elapsed = run_console("doctor", "--env-file", str(env_file))

    assert proc.returncode != 0
    assert elapsed < BOUND_SECONDS
    assert "Traceback" not in proc.stdout + proc.stderr
    red = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert len(red) == 1
    assert " redis " in red[0]
    assert "hint: Start Redis" in proc.stdout


def test_wrong_redis_password_gives_a_red_row_naming_redis_password(
    stack: Stack, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(tmp_path / ".env", REDIS_PASSWORD="not-the-password")

    started = time.monotonic()
    code, report = run_in_process(env_file)

    assert code == 1
    assert time.monotonic() - started < BOUND_SECONDS
    assert_red(report, "redis", "REDIS_PASSWORD")


def test_stopped_postgres_gives_a_red_row_with_a_hint_within_the_bound(
    stack: Stack, stopped_postgres: PostgresServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    code, report = run_in_process(stack.write_env_file(tmp_path / ".env"))

    assert code == 1
    assert time.monotonic() - started < BOUND_SECONDS
    assert_red(report, "postgresql", "Start PostgreSQL")


def test_wrong_postgres_password_gives_a_red_row_naming_postgres_password(
    stack: Stack, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(tmp_path / ".env", POSTGRES_PASSWORD="not-the-password")

    code, report = run_in_process(env_file)

    assert code == 1
    assert_red(report, "postgresql", "POSTGRES_PASSWORD")


def test_missing_postgres_database_gives_a_red_row_naming_postgres_db(
    stack: Stack, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(tmp_path / ".env", POSTGRES_DB="no_such_db")

    code, report = run_in_process(env_file)

    assert code == 1
    assert_red(report, "postgresql", "POSTGRES_DB")


def test_stopped_s3_gives_a_red_row_with_a_hint_within_the_bound(
    stack: Stack, stopped_s3: S3Server, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(tmp_path / ".env", S3_ENDPOINT_URL=stopped_s3.endpoint_url)

    started = time.monotonic()
    code, report = run_in_process(env_file)

    assert code == 1
    assert time.monotonic() - started < BOUND_SECONDS
    assert_red(report, "s3", "Start MinIO")


def test_missing_s3_secret_gives_a_red_row_naming_minio_root_password(
    stack: Stack, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(tmp_path / ".env", MINIO_ROOT_PASSWORD="")

    code, report = run_in_process(env_file)

    assert code == 1
    assert_red(report, "s3", "MINIO_ROOT_PASSWORD")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (kernel backlog) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_services_that_accept_but_never_answer_time_out_within_the_bound(
    stack: Stack, silent_port: int, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(
        tmp_path / ".env",
        REDIS_URL=f"redis://{LOOPBACK}:{silent_port}/0",
        POSTGRES_PORT=str(silent_port),
        S3_ENDPOINT_URL=f"http://{LOOPBACK}:{silent_port}",
    )

    started = time.monotonic()
    code, report = run_in_process(env_file, "--timeout", "2")

    assert code == 1
    assert time.monotonic() - started < BOUND_SECONDS
    for name in ("redis", "postgresql", "s3"):
        assert rows(report)[name]["ok"] is False, rows(report)[name]
        assert rows(report)[name]["hint"]


def test_all_services_stopped_exit_nonzero_without_traceback_within_the_bound(
    stopped_redis: RedisServer, stopped_s3: S3Server, tmp_path: Path
) -> None:
    closed = stopped_s3.port
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"REDIS_URL={stopped_redis.url}\nREDIS_PASSWORD=x\n"
        f"POSTGRES_HOST={LOOPBACK}\nPOSTGRES_PORT={closed}\nPOSTGRES_PASSWORD=x\n"
        f"S3_ENDPOINT_URL={stopped_s3.endpoint_url}\nMINIO_ROOT_PASSWORD=x\n"
    )

    proc, elapsed = run_console("doctor", "--env-file", str(env_file), "--json")

    assert proc.returncode == 1
    assert elapsed < BOUND_SECONDS
    assert "Traceback" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert [r["name"] for r in report["checks"] if not r["ok"]] == ["redis", "postgresql", "s3"]


# --- no secret in the report (issue 10) ---------------------------------------------------------


def test_no_secret_appears_in_the_report_when_all_is_green(stack: Stack, tmp_path: Path) -> None:
    env_file = stack.write_env_file(tmp_path / ".env")
    secrets = (stack.redis.password, stack.postgres.password, stack.s3.secret_key)

    for args in ((), ("--json",)):
        proc, _ = run_console("doctor", "--env-file", str(env_file), *args)

        assert proc.returncode == 0, proc.stdout + proc.stderr
        for secret in secrets:
            assert secret not in proc.stdout + proc.stderr


def test_no_secret_appears_in_the_report_when_services_refuse_or_urls_embed_it(
    stack: Stack, stopped_redis: RedisServer, tmp_path: Path
) -> None:
    env_file = stack.write_env_file(
        tmp_path / ".env",
        REDIS_URL=f"redis://:{stack.redis.password}@{LOOPBACK}:{stopped_redis.port}/0",
        POSTGRES_USER="no_such_user",
        S3_ENDPOINT_URL=f"http://admin:{stack.s3.secret_key}@{LOOPBACK}:{stack.s3.port}",
        MINIO_ROOT_USER="wrong-user",
    )
    secrets = (stack.redis.password, stack.postgres.password, stack.s3.secret_key)

    for args in ((), ("--json",)):
        proc, _ = run_console("doctor", "--env-file", str(env_file), *args)

        assert proc.returncode == 1, proc.stdout + proc.stderr
        for secret in secrets:
            assert secret not in proc.stdout + proc.stderr
