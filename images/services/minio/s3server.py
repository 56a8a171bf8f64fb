"""S3-compatible stand-in for MinIO in the esper-workstation test images.

Serves moto's S3 backend on the API address and answers MinIO's health probes
(/minio/health/live, /minio/health/ready, /minio/health/cluster) with 200; a
trivial page on the console address so the published console port answers too.
Objects live in memory only.
"""

import argparse
import http.server
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import create_backend_app


def split(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return (host or "0.0.0.0", int(port or default_port))


class Console(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
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
    args = parser.parse_args()

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
