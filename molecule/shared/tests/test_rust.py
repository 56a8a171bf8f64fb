"""Rust works for the workstation user: cargo builds and runs a crate, and Python imports one."""

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


def test_python_imports_a_crate_built_by_maturin(host: Any) -> None:
    # The role's Python-Rust check left its scratch venv: the cffi module calls into Rust.
    python = f"{HOME}/.cache/esper/rust-pyffi/venv/bin/python"
    result = as_user(
        host, f"{python} -c 'from esper_rust_ffi import lib; print(lib.esper_rust_ffi_sum(100))'"
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "5050"
