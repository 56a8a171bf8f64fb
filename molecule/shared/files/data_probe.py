"""Write or read back one record in each Esper service, as the workstation user would.

    data_probe.py write|read ENV_FILE TOKEN

Connects the way the library does: through the published 127.0.0.1 ports, with the secrets
from the services .env. `write` stores TOKEN as a PostgreSQL row, a Redis key and an S3
object; `read` checks all three still hold TOKEN (molecule: written before the idempotence
converge, read by the verifier after it). Runs with the Esper venv's Python (psycopg,
redis and boto3 come from the library's lock). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TABLE = "molecule_probe"
KEY = "molecule:probe"
OBJECT = "molecule/probe.txt"


def load_env(path: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        env[key.strip()] = value.strip().strip("'\"")
    return env


def postgres(env: dict[str, str], token: str | None) -> str:
    import psycopg

    with psycopg.connect(
        host=env.get("POSTGRES_HOST", "127.0.0.1"),
        port=int(env.get("POSTGRES_PORT", "5432")),
        dbname=env["POSTGRES_DB"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=10,
    ) as conn:
        if token is not None:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id text PRIMARY KEY, value text)")
            conn.execute(
                f"INSERT INTO {TABLE} VALUES ('probe', %s) "
                "ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value",
                (token,),
            )
        row = conn.execute(f"SELECT value FROM {TABLE} WHERE id = 'probe'").fetchone()
        return str(row[0]) if row else ""


def redis_(env: dict[str, str], token: str | None) -> str:
    import redis

    client = redis.Redis.from_url(
        env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        password=env["REDIS_PASSWORD"],
        socket_timeout=10,
    )
    if token is not None:
        client.set(KEY, token)
    value = client.get(KEY)
    return value.decode() if value else ""


def s3(env: dict[str, str], token: str | None) -> str:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=env.get("S3_ENDPOINT_URL", "http://127.0.0.1:9000"),
        aws_access_key_id=env["MINIO_ROOT_USER"],
        aws_secret_access_key=env["MINIO_ROOT_PASSWORD"],
        region_name="us-east-1",
    )
    bucket = env.get("S3_BUCKET_NAME", "esper-artifacts")
    if token is not None:
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key=OBJECT, Body=token.encode())
    body = client.get_object(Bucket=bucket, Key=OBJECT)["Body"].read()
    return str(body.decode())


def main() -> int:
    mode, env_file, token = sys.argv[1], sys.argv[2], sys.argv[3]
    env = load_env(env_file)
    write = token if mode == "write" else None
    result: dict[str, str] = {}
    for name, probe in (("postgres", postgres), ("redis", redis_), ("s3", s3)):
        try:
            result[name] = probe(env, write)
        except Exception as exc:  # reported, not raised: the caller shows every service
            result[name] = f"ERROR {type(exc).__name__}: {exc}"
    print(json.dumps(result, sort_keys=True))
    return 0 if all(value == token for value in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
