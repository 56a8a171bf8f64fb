"""Data survives: what side_effect wrote before the second converge is still there."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import ENV_FILE, PROBE_DIR, VENV, as_user


@pytest.fixture(scope="module")
def read_back(host: Any) -> dict[str, str]:
    token = host.file(f"{PROBE_DIR}/token").content_string.strip()
    result = as_user(host, f"{VENV}/bin/python {PROBE_DIR}/data_probe.py read {ENV_FILE} {token}")
    values = json.loads(result.stdout)
    return {name: ("ok" if value == token else value) for name, value in values.items()}


@pytest.mark.parametrize(
    ("service", "record"),
    [("postgres", "a table row"), ("redis", "a key"), ("s3", "an object")],
)
def test_record_survives_second_converge(
    read_back: dict[str, str], service: str, record: str
) -> None:
    assert read_back[service] == "ok", (
        f"{record} written before the second converge: " + (read_back[service])
    )
