"""Real servers for the `esper doctor` tests: a private redis-server, a private PostgreSQL
cluster and a moto S3 server, each on a free loopback port in a temporary directory, each with a
password. Nothing here is a mock: the doctor talks to these servers over TCP.

Debian packages needed: redis-server, postgresql (the fixture skips loudly, naming the package,
when a binary is missing).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """A loopback TCP port that nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:g} s")


# --- Redis ------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    password: str
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def client(self) -> object:
        import redis

        return redis.Redis(
            host=LOOPBACK, port=self.port, password=self.password, decode_responses=True
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_redis(workdir: Path) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "!!! redis-server not found: install Debian's 'redis-server' package "
            "(apt-get install -y redis-server) to run the live esper doctor tests !!!"
        )
    import redis

    port = free_port()
    password = uuid.uuid4().hex + uuid.uuid4().hex
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            LOOPBACK,
            "--requirepass",
            password,
            "--dir",
            str(workdir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=(workdir / "redis.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = RedisServer(port, password, process)

    def _up() -> bool:
        client = redis.Redis(host=LOOPBACK, port=port, password=password, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()

    try:
        wait_for(_up, "redis-server")
    except RuntimeError:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def stopped_redis(tmp_path: Path) -> RedisServer:
    """A redis-server that was running and has been stopped: its port now refuses."""
    server = start_redis(tmp_path / "redis")
    server.stop()
    return server


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass
class PostgresServer:
    port: int
    user: str
    password: str
    database: str
    datadir: Path
    bindir: Path
    as_postgres: list[str]

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        self.pg_ctl(
            "-o",
            f"-p {self.port} -k {self.datadir.parent} -c listen_addresses={LOOPBACK}",
            "-l",
            str(self.datadir.parent / "postgres.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")


def _postgres_bindir() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name.split(".")[0]),
    )
    if not candidates:
        pytest.skip(
            "!!! PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install "
            "Debian's 'postgresql' package (apt-get install -y postgresql) to run the live esper "
            "doctor tests !!!"
        )
    return Path(candidates[-1]).parent


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    import psycopg

    bindir = _postgres_bindir()
    root = Path(tempfile.mkdtemp(prefix="esper-doctor-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the 'postgres' user the package creates.
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("!!! running as root and 'runuser' (util-linux) is missing !!!")
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("!!! running as root and no 'postgres' user: install 'postgresql' !!!")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_postgres = [runuser, "-u", "postgres", "--"]
    root.chmod(0o700)
    user, password, database = "esper_admin", uuid.uuid4().hex, "urza_db"
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if as_postgres:
        os.chown(pwfile, pw.pw_uid, pw.pw_gid)
    datadir = root / "data"
    subprocess.run(
        [
            *as_postgres,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            user,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = PostgresServer(free_port(), user, password, database, datadir, bindir, as_postgres)
    server.start()
    try:
        with psycopg.connect(
            host=LOOPBACK,
            port=server.port,
            user=user,
            password=password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.pg_ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def stopped_postgres(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """The session's PostgreSQL, stopped for one test and started again afterwards."""
    postgres_server.stop()
    try:
        yield postgres_server
    finally:
        postgres_server.start()


# --- S3 (moto server) -------------------------------------------------------------------------


@dataclass
class S3Server:
    port: int
    access_key: str
    secret_key: str
    stop: Callable[[], None]

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )


def start_s3() -> S3Server:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()

    def _up() -> bool:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True

    wait_for(_up, "moto S3 server")
    return S3Server(port, "minio_admin", uuid.uuid4().hex, server.stop)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = start_s3()
    yield server
    server.stop()


@pytest.fixture
def stopped_s3() -> S3Server:
    """An S3 server that was running and has been stopped: its port now refuses."""
    server = start_s3()
    server.stop()
    return server


# --- the .env the doctor reads ----------------------------------------------------------------


@dataclass
class Stack:
    redis: RedisServer
    postgres: PostgresServer
    s3: S3Server
    bucket: str

    def env(self, **overrides: str) -> dict[str, str]:
        values = {
            "POSTGRES_HOST": LOOPBACK,
            "POSTGRES_PORT": str(self.postgres.port),
            "POSTGRES_DB": self.postgres.database,
            "POSTGRES_USER": self.postgres.user,
            "POSTGRES_PASSWORD": self.postgres.password,
            "REDIS_URL": self.redis.url,
            "REDIS_PASSWORD": self.redis.password,
            "MINIO_ROOT_USER": self.s3.access_key,
            "MINIO_ROOT_PASSWORD": self.s3.secret_key,
            "S3_ENDPOINT_URL": self.s3.endpoint_url,
            "S3_BUCKET_NAME": self.bucket,
        }
        values.update(overrides)
        return values

    def write_env_file(self, path: Path, **overrides: str) -> Path:
        path.write_text("".join(f"{k}={v}\n" for k, v in self.env(**overrides).items()))
        path.chmod(0o600)
        return path


@pytest.fixture
def stack(redis_server: RedisServer, postgres_server: PostgresServer, s3_server: S3Server) -> Stack:
    """The three live servers, with a bucket name no earlier test has used."""
    return Stack(redis_server, postgres_server, s3_server, f"esper-test-{uuid.uuid4().hex[:12]}")
