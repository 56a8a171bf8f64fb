"""S3-compatible stand-in for MinIO in the esper-workstation test images.

Serves moto's S3 backend on the API address and answers MinIO's health probes
(/minio/health/live, /minio/health/ready, /minio/health/cluster) with 200; a
trivial page on the console address so the published console port answers too.

moto keeps objects in memory. So that a volume on the data directory keeps them across
a container restart or recreation, as MinIO's does, the buckets are snapshotted to
DATA/.esper-s3 every few seconds when they changed and on SIGTERM/SIGINT, and restored
from there at start (object bytes only: no versions, tags or ACLs).
"""

import argparse
import http.server
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import create_backend_app
from moto.s3.models import s3_backends
from werkzeug.serving import run_simple

SNAPSHOT_EVERY = 5.0
_lock = threading.Lock()


def backend():
    return s3_backends[DEFAULT_ACCOUNT_ID]["global"]


def state_signature() -> tuple:
    items = []
    for name, bucket in list(backend().buckets.items()):
        items.append((name, tuple(sorted((k.name, k.etag) for k in list(bucket.keys.values())))))
    return tuple(sorted(items))


def snapshot(data: Path) -> None:
    with _lock:
        final, tmp, old = data / ".esper-s3", data / ".esper-s3.tmp", data / ".esper-s3.old"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, bucket in list(backend().buckets.items()):
            (tmp / name).mkdir()
            for key in list(bucket.keys.values()):
                (tmp / name / quote(key.name, safe="")).write_bytes(key.value)
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)


def restore(data: Path) -> int:
    root = data / ".esper-s3"
    if not root.is_dir():
        root = data / ".esper-s3.old"  # a stop between the two renames of a snapshot
    count = 0
    if root.is_dir():
        for bucket_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            backend().create_bucket(bucket_dir.name, "us-east-1")
            for item in sorted(bucket_dir.iterdir()):
                backend().put_object(bucket_dir.name, unquote(item.name), item.read_bytes())
                count += 1
    return count


def snapshotter(data: Path) -> None:
    last = state_signature()
    while True:
        time.sleep(SNAPSHOT_EVERY)
        try:
            current = state_signature()
            if current != last:
                snapshot(data)
                last = current
        except Exception as exc:  # keep serving; report
            print(f"snapshot failed: {exc}", file=sys.stderr, flush=True)


def split(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return (host or "0.0.0.0", int(port or default_port))


class Console(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"esper-test S3 stand-in (moto); no console\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", default=":9000")
    parser.add_argument("--console", default=":9001")
    parser.add_argument("--data", default="/data")
    args = parser.parse_args()

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    print(f"restored {restore(data)} objects from {data}", flush=True)

    def stop(signum: int, _frame: object) -> None:
        snapshot(data)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=snapshotter, args=(data,), daemon=True).start()

    s3 = create_backend_app("s3")  # every request is S3, whatever the Host header

    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/minio/health/"):
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        return s3(environ, start_response)

    console = http.server.ThreadingHTTPServer(split(args.console, 9001), Console)
    threading.Thread(target=console.serve_forever, daemon=True).start()
    host, port = split(args.api, 9000)
    print(f"S3 stand-in (moto) on {host}:{port}, console on {args.console}", flush=True)
    run_simple(host, port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
