"""``esper doctor``: is this workstation ready for Esper?

Each check returns one row (name, ok, detail, hint). A check never raises and never hangs: every
network call has a bounded timeout, and every failure becomes a red row whose hint says what to do.
The checks run concurrently, so a run takes about as long as its slowest check.

This module imports only the standard library at the top: the service libraries (redis, psycopg,
boto3) and pydantic are imported by the checks that need them, so a missing one is a red row
(``dependencies`` names it) and never stops ``esper --help`` or the rest of the report.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import math
import pkgutil
import shlex
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esper.utils.redact import redact_urls

if TYPE_CHECKING:
    from esper.configs import DatabaseConfig, EsperConfig, RedisConfig, StorageConfig

MIN_PYTHON = (3, 12)
DEFAULT_TIMEOUT = 3.0
MAX_TIMEOUT = 300.0
"""The longest ``--timeout`` accepted: a service that needs longer for one step is down, and much
larger values overflow the socket and thread timeouts."""
LOCAL_BUDGET = 120.0
"""Seconds the local checks (imports, torch, pip check) may take: a cold torch import can be slow,
and pip check runs beside it. On a loaded host (four fleet hosts on two cores, say) pip check
took over 20 s; a bound that tight reported a healthy venv as red."""
PROVISIONED_PROJECT_DIR = Path("/opt/esper/services")
"""Where provisioning (roles/esper_services) puts docker-compose.yml and .env."""
PROVISIONED_PROJECT_NAME = "esper"
DOCTOR_GROUP = "esper-doctor"
RUNTIME_LIBRARIES = {
    "pydantic": "pydantic",
    "yaml": "PyYAML",
    "redis": "redis",
    "psycopg": "psycopg",
    "boto3": "boto3",
    "botocore": "botocore",
    "fastapi": "fastapi",
    "uvicorn": "uvicorn",
    "numpy": "numpy",
}
"""Import name -> distribution of every runtime dependency except torch (its own row)."""
INSTALL_LOCK_HINT = (
    "Install the locked dependencies: pip install --require-hashes --no-deps "
    "-r requirements/esper.lock.txt, then pip install --no-deps -e ."
)


def compose_command(
    env_file: Path | None,
    *,
    cwd: Path | None = None,
    provisioned: Path = PROVISIONED_PROJECT_DIR,
) -> str:
    """The ``docker compose`` invocation that manages this workstation's services.

    Provisioned hosts run the stack from the compose project directory (docker-compose.yml and
    .env side by side, project name ``esper``); a checkout runs ``docker/docker-compose.yml`` with
    the checkout's ``.env``. The hint must name the one that applies, or following it would
    start a second, empty stack.
    """
    if env_file is not None and (env_file.parent / "docker-compose.yml").is_file():
        provisioned = env_file.parent.absolute()
    elif ((Path.cwd() if cwd is None else cwd) / "docker" / "docker-compose.yml").is_file():
        env = shlex.quote(str(env_file if env_file is not None else ".env"))
        return f"docker compose -f docker/docker-compose.yml --env-file {env}"
    project = shlex.quote(str(provisioned))
    return f"docker compose -p {PROVISIONED_PROJECT_NAME} --project-directory {project}"


@dataclass(frozen=True)
class CheckResult:
    """One row of the doctor's report."""

    name: str
    ok: bool
    detail: str
    hint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CheckFailedError(Exception):
    """A check found a problem; ``hint`` says what to do about it."""

    def __init__(self, detail: str, hint: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint


def _one_line(exc: BaseException) -> str:
    """The exception on one line, with any URL's ``user:password@`` redacted."""
    text = redact_urls(" ".join(str(exc).split()))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _missing_library(exc: Exception) -> str | None:
    """The hint for a check that failed because a library is not installed, else ``None``."""
    if isinstance(exc, ImportError):
        return f"The {exc.name or 'needed'} library is missing. {INSTALL_LOCK_HINT}"
    return None


def _is_instance(exc: Exception, module: str, *names: str) -> bool:
    """``exc`` is one of ``module``'s exception classes ``names``; the module is looked up
    among those already imported (the check that raised imported it), never imported here, so
    a hint cannot fail on a missing library."""
    loaded = sys.modules.get(module)
    classes = tuple(getattr(loaded, name) for name in names if hasattr(loaded, name))
    return bool(classes) and isinstance(exc, classes)


def guarded(
    name: str, hint: str | Callable[[Exception], str], check: Callable[[], str]
) -> CheckResult:
    """Run ``check`` (which returns the detail of a passing row); turn any exception into a red
    row whose hint is ``hint`` (or ``hint(exc)``)."""
    try:
        return CheckResult(name, True, check())
    except CheckFailedError as exc:
        return CheckResult(name, False, exc.detail, exc.hint)
    except Exception as exc:
        return CheckResult(name, False, _one_line(exc), hint(exc) if callable(hint) else hint)


# --- local checks -----------------------------------------------------------------------------


def check_python(version: Sequence[int] | None = None) -> CheckResult:
    """The interpreter is at least Python 3.12."""
    current = tuple(sys.version_info[:3] if version is None else version)
    shown = ".".join(str(part) for part in current)
    if current[:2] >= MIN_PYTHON:
        return CheckResult("python", True, f"Python {shown} ({sys.executable})")
    wanted = ".".join(str(part) for part in MIN_PYTHON)
    return CheckResult(
        "python",
        False,
        f"Python {shown} is older than {wanted}",
        f"Recreate the venv with python{wanted} or newer (provisioning installs it).",
    )


def check_modules(package: str = "esper") -> CheckResult:
    """Every module of ``package`` imports."""
    failures: list[str] = []
    count = 0

    def _record(name: str) -> None:
        failures.append(f"{name}: {_one_line(sys.exc_info()[1] or Exception())}")

    try:
        root = importlib.import_module(package)
    except Exception as exc:
        return CheckResult(
            "esper modules",
            False,
            f"{package}: {_one_line(exc)}",
            "Reinstall the library: pip install --no-deps -e . (after the lock).",
        )
    for info in pkgutil.walk_packages(root.__path__, f"{package}.", onerror=_record):
        count += 1
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failures.append(f"{info.name}: {_one_line(exc)}")
    if failures:
        return CheckResult(
            "esper modules", False, "; ".join(sorted(set(failures))), INSTALL_LOCK_HINT
        )
    return CheckResult("esper modules", True, f"{count + 1} modules import")


def check_dependencies(libraries: dict[str, str] | None = None) -> CheckResult:
    """Every runtime library imports. The esper modules import them lazily, so without this
    row a missing ``redis`` would only show as a confusing failure of the redis check."""
    wanted = RUNTIME_LIBRARIES if libraries is None else libraries
    missing: list[str] = []
    for module, distribution in wanted.items():
        try:
            importlib.import_module(module)
        except Exception as exc:
            missing.append(f"{distribution} ({_one_line(exc)})")
    if missing:
        return CheckResult(
            "dependencies", False, "cannot import " + "; ".join(missing), INSTALL_LOCK_HINT
        )
    return CheckResult("dependencies", True, ", ".join(wanted.values()) + " import")


def check_dependencies_installed(libraries: dict[str, str] | None = None) -> CheckResult:
    """Every runtime library is installed: found on the path with its metadata, not imported.

    The quick doctor's dependencies row. A provisioning run that installed nothing since the
    last full doctor needs to know the libraries are still there; importing fastapi, uvicorn
    and numpy again cost about half a second of each converged run (docs/performance.md).
    The service rows still import redis, psycopg and boto3 to talk to the services.
    """
    wanted = RUNTIME_LIBRARIES if libraries is None else libraries
    missing: list[str] = []
    for module, distribution in wanted.items():
        try:  # PackageNotFoundError is an ImportError; a module set to None raises ValueError
            found = importlib.util.find_spec(module) is not None
            importlib.metadata.version(distribution)
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(distribution)
    if missing:
        return CheckResult(
            "dependencies", False, "not installed: " + ", ".join(missing), INSTALL_LOCK_HINT
        )
    return CheckResult(
        "dependencies", True, ", ".join(wanted.values()) + " installed (not imported: --quick)"
    )


def check_pip(timeout: float) -> CheckResult:
    """``python -m pip check`` finds no broken requirements."""
    hint = (
        "Reinstall from the lock (pip install --require-hashes --no-deps -r "
        "requirements/esper.lock.txt) and do not mix in unpinned packages."
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "check"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CheckResult("pip check", False, f"pip check did not finish in {timeout:g} s", hint)
    except OSError as exc:
        return CheckResult("pip check", False, _one_line(exc), hint)
    output = " ".join((proc.stdout + proc.stderr).split())
    if proc.returncode == 0:
        return CheckResult("pip check", True, output or "no broken requirements")
    return CheckResult("pip check", False, output or f"exit code {proc.returncode}", hint)


def check_torch() -> CheckResult:
    """torch imports; report its version and whether CUDA is available."""

    def _check() -> str:
        torch = importlib.import_module("torch")
        cuda = "yes" if torch.cuda.is_available() else "no"
        return f"torch {torch.__version__}, CUDA available: {cuda}"

    return guarded(
        "torch",
        "Install torch first, from the index for this hardware (CPU or CUDA build), "
        "e.g. pip install torch==2.9.1; then re-run esper doctor.",
        _check,
    )


def check_torch_installed() -> CheckResult:
    """torch's installed metadata, without the import (seconds for a CUDA build).

    The quick doctor's torch row: a provisioning run that installed nothing since the last full
    doctor needs to know torch is still there, not that it still imports.
    """
    hint = (
        "Install torch first, from the index for this hardware (CPU or CUDA build); "
        "then run esper doctor without --quick."
    )
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return CheckResult("torch", False, "torch is not installed", hint)
    return CheckResult("torch", True, f"torch {version} installed (not imported: --quick)")


# --- service checks ---------------------------------------------------------------------------


def _redis_hint(compose: str) -> Callable[[Exception], str]:
    def _hint(exc: Exception) -> str:
        missing = _missing_library(exc)
        if missing:
            return missing
        if _is_instance(exc, "redis.exceptions", "AuthenticationError", "AuthorizationError"):
            return "REDIS_PASSWORD in .env does not match the server's requirepass; fix .env."
        return (
            f"Start Redis ({compose} up -d redis) and check REDIS_URL and REDIS_PASSWORD in .env."
        )

    return _hint


def check_redis(config: RedisConfig, timeout: float, compose: str | None = None) -> CheckResult:
    """Redis answers, and an OonaMessage round-trips through a scratch stream with a consumer
    group (XADD, XGROUP CREATE, XREADGROUP, XACK); the stream is deleted afterwards."""

    def _check() -> str:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        from esper.contracts.messages import EpochEvent, OonaMessage, TopicNames

        client = redis.Redis(
            host=config.host,
            port=config.port,
            db=config.database,
            password=config.password.get_secret_value() if config.password else None,
            ssl=config.ssl,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        try:
            info: dict[str, Any] = client.info("server")  # type: ignore[assignment]
            version = info.get("redis_version", "?")
            stream = f"esper:doctor:{uuid.uuid4().hex}"
            sent = OonaMessage(
                sender_id="esper-doctor",
                trace_id=uuid.uuid4().hex,
                topic=TopicNames.SYSTEM_EVENTS_EPOCH,
                payload=EpochEvent(epoch=0),
            )
            try:
                entry_id = client.xadd(stream, sent.to_stream_fields())  # type: ignore[arg-type]
                client.xgroup_create(stream, DOCTOR_GROUP, id="0")
                reply = client.xreadgroup(DOCTOR_GROUP, "doctor", {stream: ">"}, count=1)
                entries = _stream_entries(reply, stream)
                if len(entries) != 1:
                    raise CheckFailedError(
                        f"XREADGROUP returned {len(entries)} entries, expected 1",
                        "Redis Streams misbehave: use Redis >= 7.2 (docker/docker-compose.yml).",
                    )
                received_id, fields = entries[0]
                received = OonaMessage.from_stream_fields(fields)
                if received != sent:
                    raise CheckFailedError(
                        "the message read back differs from the one sent",
                        "Check that nothing else rewrites esper:doctor:* streams.",
                    )
                acked = client.xack(stream, DOCTOR_GROUP, received_id)
                if acked != 1:
                    raise CheckFailedError(
                        f"XACK acknowledged {acked} entries, expected 1",
                        "Redis Streams misbehave: use Redis >= 7.2 (docker/docker-compose.yml).",
                    )
            finally:
                client.delete(stream)
            return f"Redis {version} at {config.url}: OonaMessage {entry_id} round-tripped through a stream"
        finally:
            client.close()

    return guarded("redis", _redis_hint(compose or compose_command(None)), _check)


def _stream_entries(reply: Any, stream: str) -> list[tuple[Any, Any]]:
    """Entries of ``stream`` from an XREADGROUP reply (RESP2 list or RESP3 dict)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        items: list[Any] = list(reply.items())
    else:
        items = [tuple(item) for item in reply]
    for name, entries in items:
        key = name.decode() if isinstance(name, bytes) else name
        if key == stream:
            if entries and isinstance(entries[0], list) and len(entries) == 1:
                entries = entries[0]  # RESP3: [[entries]]
            return [(entry[0], entry[1]) for entry in entries]
    return []


def _postgres_hint(compose: str) -> Callable[[Exception], str]:
    def _hint(exc: Exception) -> str:
        missing = _missing_library(exc)
        if missing:
            return missing
        text = str(exc)
        if "password authentication failed" in text or "no password supplied" in text:
            return "POSTGRES_USER / POSTGRES_PASSWORD in .env do not match the server; fix .env."
        if "does not exist" in text:
            return "Create the database (POSTGRES_DB, default urza_db) or fix POSTGRES_DB in .env."
        return (
            f"Start PostgreSQL ({compose} up -d postgres) and check POSTGRES_HOST / "
            "POSTGRES_PORT in .env."
        )

    return _hint


def check_postgres(
    config: DatabaseConfig, timeout: float, compose: str | None = None
) -> CheckResult:
    """The PostgreSQL database answers ``SELECT 1``."""

    def _check() -> str:
        import psycopg

        with psycopg.connect(
            host=config.host,
            port=config.port,
            dbname=config.database,
            user=config.username,
            password=config.password.get_secret_value() if config.password else None,
            sslmode=config.ssl_mode,
            connect_timeout=max(2, math.ceil(timeout)),
            options=f"-c statement_timeout={int(timeout * 1000)}",
            application_name="esper-doctor",
        ) as conn:
            row = conn.execute("SELECT 1").fetchone()
            if row != (1,):
                raise CheckFailedError(f"SELECT 1 returned {row!r}", "Check the server's health.")
            version = conn.info.parameter_status("server_version") or "?"
        return (
            f"PostgreSQL {version} at {config.host}:{config.port}, database "
            f"{config.database!r} answers SELECT 1"
        )

    return guarded("postgresql", _postgres_hint(compose or compose_command(None)), _check)


def _s3_hint(compose: str) -> Callable[[Exception], str]:
    def _hint(exc: Exception) -> str:
        missing = _missing_library(exc)
        if missing:
            return missing
        if _is_instance(exc, "botocore.exceptions", "ClientError"):
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}:
                return "MINIO_ROOT_USER / MINIO_ROOT_PASSWORD in .env are not accepted; fix .env."
        return f"Start MinIO ({compose} up -d minio) and check S3_ENDPOINT_URL in .env."

    return _hint


def check_s3(config: StorageConfig, timeout: float, compose: str | None = None) -> CheckResult:
    """The S3 endpoint stores, reads back and deletes a scratch object in the bucket (the bucket
    is created when missing)."""

    def _check() -> str:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError

        if config.secret_key is None:
            raise CheckFailedError(
                "no S3 secret key configured",
                "Set MINIO_ROOT_PASSWORD in .env (pass --env-file or set ESPER_ENV_FILE).",
            )
        client = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            aws_access_key_id=config.access_key,
            aws_secret_access_key=config.secret_key.get_secret_value(),
            region_name=config.region,
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        )
        bucket = config.bucket_name
        created = ""
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) not in {"404", "NoSuchBucket"}:
                raise
            if config.region == "us-east-1":
                client.create_bucket(Bucket=bucket)
            else:
                client.create_bucket(
                    Bucket=bucket,
                    CreateBucketConfiguration={"LocationConstraint": config.region},  # type: ignore[typeddict-item]
                )
            created = " (bucket created)"
        key = f"esper-doctor/{uuid.uuid4().hex}"
        body = f"esper doctor scratch object {key}".encode()
        client.put_object(Bucket=bucket, Key=key, Body=body)
        try:
            read = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        finally:
            client.delete_object(Bucket=bucket, Key=key)
        if read != body:
            raise CheckFailedError(
                "the object read back differs from the one stored",
                "Check the object store's health (MinIO logs).",
            )
        endpoint = redact_urls(config.endpoint_url)
        return f"{endpoint} bucket {bucket!r}: put, get, delete ok{created}"

    return guarded("s3", _s3_hint(compose or compose_command(None)), _check)


# --- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """A check to run: its row name, the seconds it may take at most, and the check itself."""

    name: str
    budget: float
    run: Callable[[], CheckResult]


def run_concurrently(checks: Sequence[Check]) -> list[CheckResult]:
    """Run ``checks`` in daemon threads; a check still running after its budget becomes a red
    row (and is abandoned: a daemon thread never holds up the exit), so the run is bounded even
    when a library call ignores its own timeout (e.g. a slow DNS lookup)."""
    results: list[CheckResult | None] = [None] * len(checks)

    def _target(index: int, check: Check) -> None:
        # A check is written not to raise; should one still do so, its row says what happened
        # at once, instead of a traceback on stderr and a misleading "did not finish" later.
        try:
            results[index] = check.run()
        except Exception as exc:
            results[index] = CheckResult(
                check.name,
                False,
                f"the check itself failed: {_one_line(exc)}",
                "This is a bug in esper doctor; please report it with this row.",
            )

    threads = [
        threading.Thread(target=_target, args=(i, c), name=f"doctor-{c.name}", daemon=True)
        for i, c in enumerate(checks)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    rows: list[CheckResult] = []
    for index, (check, thread) in enumerate(zip(checks, threads, strict=True)):
        thread.join(max(0.0, started + check.budget - time.monotonic()))
        result = results[index]
        if result is None:
            result = CheckResult(
                check.name,
                False,
                f"did not finish within {check.budget:g} s",
                "Check that the service is running and its host name resolves and is reachable.",
            )
        rows.append(result)
    return rows


def run_checks(
    config: EsperConfig | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    config_row: CheckResult | None = None,
    env_file: Path | None = None,
    quick: bool = False,
) -> list[CheckResult]:
    """Run every check concurrently; rows come back in a fixed order.

    Without a ``config`` (it failed to load; ``config_row`` says why) the service checks are
    reported as not run. A service check gets ``3 * timeout + 1`` seconds in all. ``env_file``
    (the services ``.env`` in use) decides which ``docker compose`` command the hints name.
    ``quick`` leaves out the slow local work, for a provisioning run that changed nothing in
    the venv: torch and the runtime libraries are found by their metadata instead of imported,
    and there is no pip check row (the role runs pip check itself).
    """
    pip_timeout = max(LOCAL_BUDGET, 4 * timeout)
    checks = [
        Check("python", LOCAL_BUDGET, check_python),
        Check("esper modules", LOCAL_BUDGET, check_modules),
    ]
    if quick:
        checks += [
            Check("dependencies", LOCAL_BUDGET, check_dependencies_installed),
            Check("torch", LOCAL_BUDGET, check_torch_installed),
        ]
    else:
        checks += [
            Check("dependencies", LOCAL_BUDGET, check_dependencies),
            Check("pip check", pip_timeout + 5, lambda: check_pip(pip_timeout)),
            Check("torch", LOCAL_BUDGET, check_torch),
        ]
    if config is not None:
        service_budget = 3 * timeout + 1
        compose = compose_command(env_file)
        checks += [
            Check("redis", service_budget, lambda: check_redis(config.redis, timeout, compose)),
            Check(
                "postgresql",
                service_budget,
                lambda: check_postgres(config.database, timeout, compose),
            ),
            Check("s3", service_budget, lambda: check_s3(config.storage, timeout, compose)),
        ]
    results = run_concurrently(checks)
    if config is None:
        skipped_hint = "Fix the configuration first (see the config row)."
        results += [
            CheckResult(name, False, "not run: no valid configuration", skipped_hint)
            for name in ("redis", "postgresql", "s3")
        ]
    return ([config_row] if config_row is not None else []) + results
