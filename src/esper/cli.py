"""The ``esper`` command line: ``esper doctor [--env-file PATH] [--config PATH] [--json]
[--timeout SECONDS]``.

Only the standard library (and ``esper.doctor``, which keeps to it) is imported up front: the
configuration needs pydantic and PyYAML, and ``esper --help`` or a doctor report must still work
when one of them is missing (the report then says which).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from esper import API_VERSION, __version__
from esper.doctor import DEFAULT_TIMEOUT, INSTALL_LOCK_HINT, MAX_TIMEOUT, CheckResult, run_checks
from esper.utils.redact import scrub

if TYPE_CHECKING:
    from esper.configs import EsperConfig

SECRET_KEYS = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD")
"""The .env keys that hold secrets: their values never appear in the report."""
GREEN = "\033[32m"
RED = "\033[31m"
RESET = "\033[0m"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}: {text!r}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="esper", description="Esper workstation tools.")
    parser.add_argument(
        "--version", action="version", version=f"esper {__version__} (API {API_VERSION})"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    doctor = commands.add_parser(
        "doctor",
        help="check that this workstation is ready for Esper",
        description="Check Python, the esper modules, pip, torch, Redis, PostgreSQL and S3.",
    )
    doctor.add_argument(
        "--env-file",
        type=Path,
        help="the services .env (default: $ESPER_ENV_FILE, else ./.env if present)",
    )
    doctor.add_argument("--config", type=Path, help="an Esper YAML configuration file")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds allowed for each network step (default {DEFAULT_TIMEOUT:g})",
    )
    doctor.add_argument(
        "--quick",
        action="store_true",
        help="skip the slow local checks: find torch by its metadata instead of importing it, "
        "and run no pip check (for provisioning runs that installed nothing)",
    )
    return parser


def resolve_env_file(explicit: Path | None, environ: dict[str, str]) -> Path | None:
    """``--env-file``, else ``$ESPER_ENV_FILE``, else ``./.env`` when it exists, else none."""
    if explicit is not None:
        return explicit
    from_env = environ.get("ESPER_ENV_FILE")
    if from_env:
        return Path(from_env)
    default = Path(".env")
    return default if default.is_file() else None


def _load(
    config_path: Path | None, env_file: Path | None, environ: dict[str, str]
) -> tuple[EsperConfig | None, CheckResult]:
    sources = [str(p) for p in (config_path, env_file) if p is not None] + ["environment"]
    try:
        from esper.configs import ConfigError, load_settings
    except ImportError as exc:
        return None, CheckResult(
            "config",
            False,
            f"cannot load the configuration code: {type(exc).__name__}: {exc}",
            INSTALL_LOCK_HINT,
        )
    try:
        config = load_settings(config_path, env_file, environ=environ)
    except ConfigError as exc:
        return None, CheckResult(
            "config",
            False,
            " ".join(str(exc).split()),
            "Fix the file named above (see .env.example and configs/phase1_mvp.yaml).",
        )
    return config, CheckResult("config", True, "loaded from " + ", ".join(sources))


def render_table(results: Sequence[CheckResult], *, color: bool = False) -> str:
    """The report as a plain-text table; failing rows are followed by their hint."""
    width = max(len(result.name) for result in results)
    lines = [f"esper doctor — esper-morphogen {__version__} (API {API_VERSION})", ""]
    lines.append(f"{'STATUS':<6}  {'CHECK':<{width}}  DETAIL")
    for result in results:
        status = "PASS" if result.ok else "FAIL"
        if color:
            status = f"{GREEN if result.ok else RED}{status}{RESET}"
            status += " " * (6 - 4)
        else:
            status = f"{status:<6}"
        lines.append(f"{status}  {result.name:<{width}}  {result.detail}")
        if not result.ok and result.hint:
            lines.append(f"{'':<6}  {'':<{width}}  hint: {result.hint}")
    failed = sum(not result.ok for result in results)
    lines.append("")
    if failed:
        lines.append(f"{failed} of {len(results)} checks failed.")
    else:
        lines.append(f"All {len(results)} checks passed.")
    return "\n".join(lines)


def _secrets(config: EsperConfig | None, environ: dict[str, str]) -> list[str]:
    """Every secret the report could echo: the loaded ones and the raw environment values."""
    found = [environ.get(key, "") for key in SECRET_KEYS]
    if config is not None:
        for secret in (config.database.password, config.redis.password, config.storage.secret_key):
            if secret is not None:
                found.append(secret.get_secret_value())
    return found


def _scrubbed(results: Iterable[CheckResult], secrets: list[str]) -> list[CheckResult]:
    """The rows with every secret and URL userinfo masked: a library's error text may quote a
    connection string, and the report is pasted into tickets and Ansible logs."""
    return [
        dataclasses.replace(
            row,
            detail=scrub(row.detail, secrets),
            hint=None if row.hint is None else scrub(row.hint, secrets),
        )
        for row in results
    ]


def doctor(args: argparse.Namespace, environ: dict[str, str], out: TextIO) -> int:
    env_file = resolve_env_file(args.env_file, environ)
    config, config_row = _load(args.config, env_file, environ)
    results = run_checks(
        config, timeout=args.timeout, config_row=config_row, env_file=env_file, quick=args.quick
    )
    results = _scrubbed(results, _secrets(config, environ))
    ok = all(result.ok for result in results)
    if args.json:
        report = {"ok": ok, "checks": [result.as_dict() for result in results]}
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        color = out.isatty() and "NO_COLOR" not in environ
        out.write(render_table(results, color=color) + "\n")
    out.flush()
    return 0 if ok else 1


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Entry point of the ``esper`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    env = dict(os.environ) if environ is None else environ
    stream = sys.stdout if out is None else out
    if args.command == "doctor":
        return doctor(args, env, stream)
    return 2  # pragma: no cover - argparse rejects unknown commands first
