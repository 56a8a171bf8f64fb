"""Debian 12 runs only the roles it supports: the services and the venv were not applied."""

from __future__ import annotations

from typing import Any

from helpers import SERVICES_DIR, VENV


def test_no_services_deployed(host: Any) -> None:
    assert not host.file(SERVICES_DIR).exists


def test_no_esper_venv(host: Any) -> None:
    assert not host.file(VENV).exists
