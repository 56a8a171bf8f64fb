"""Rust works for the workstation user: cargo builds and runs a dependency-free crate."""

from __future__ import annotations

from typing import Any

from helpers import HOME, as_user


def test_cargo_builds_and_runs_a_crate(host: Any) -> None:
    crate = f"{HOME}/molecule-hello"
    result = as_user(
        host,
        f"rm -rf {crate} && cargo new --offline --quiet --bin {crate} && "
        f"cd {crate} && cargo run --offline --quiet",
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "Hello, world!"
