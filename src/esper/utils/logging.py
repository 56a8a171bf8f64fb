"""Centralized logging setup for every Esper service.

``setup_logging`` is idempotent: it owns exactly one handler on the root logger (marked as
Esper's) and replaces it on every call, so calling it twice never duplicates output, and handlers
that others installed (pytest's, a framework's) are left alone.
"""

import json
import logging
import math
import sys
import time
from datetime import UTC, datetime
from typing import IO, Any, Literal

ESPER_HANDLER_ATTR = "_esper_handler"

_STANDARD_RECORD_KEYS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float spelled as a string (``"NaN"``, ``"Infinity"``,
    ``"-Infinity"``): ``json.dumps`` would write bare ``NaN``, which is not JSON, and a log
    shipper would drop the whole line."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, service, logger, message, and
    when present ``extra``, ``exception`` and ``stack`` (from ``stack_info=True``)."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service_name,
            "logger": record.name,
            "line": record.lineno,
            "message": record.getMessage(),
        }
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_KEYS}
        if extras:
            entry["extra"] = extras
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(_json_safe(entry), default=str, allow_nan=False)


def _text_formatter(service_name: str) -> logging.Formatter:
    formatter = logging.Formatter(
        f"%(asctime)s - {service_name} - %(levelname)s - [%(name)s:%(lineno)s] - %(message)s"
    )
    formatter.converter = time.gmtime
    return formatter


def setup_logging(
    service_name: str,
    level: int | str = logging.INFO,
    *,
    fmt: Literal["text", "json"] = "text",
    stream: IO[str] | None = None,
) -> logging.Logger:
    """Configure the root logger for ``service_name`` and return that service's logger.

    ``fmt="json"`` writes one JSON object per line. ``stream`` defaults to ``sys.stdout``.
    Safe to call repeatedly: the previous Esper handler is replaced, never duplicated.
    """
    if isinstance(level, str):
        numeric = logging.getLevelName(level.upper())
        if not isinstance(numeric, int):
            raise ValueError(f"unknown log level {level!r}")
        level = numeric
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(
        JsonFormatter(service_name) if fmt == "json" else _text_formatter(service_name)
    )
    setattr(handler, ESPER_HANDLER_ATTR, True)

    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, ESPER_HANDLER_ATTR, False):
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    root.setLevel(level)
    return logging.getLogger(service_name)
