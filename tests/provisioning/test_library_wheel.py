"""The library wheel the control node builds for remote hosts (roles/esper_venv/files/build_wheel.py).

Hosts reinstall the library exactly when the wheel's sha256 differs from the installed one, so
a rebuild of unchanged source must give the same bytes, and a build must never leave a partial
wheel or write into the checkout it builds from (overlapping runs share both).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "roles/esper_venv/files/build_wheel.py"
WHEEL = "esper_morphogen-0.1.0-py3-none-any.whl"


def build(wheel_dir: Path, source: Path = ROOT) -> Path:
    subprocess.run(
        [sys.executable, str(SCRIPT), str(source), str(wheel_dir), WHEEL],
        capture_output=True,
        text=True,
        check=True,
    )
    return wheel_dir / WHEEL


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rebuilding_unchanged_source_gives_the_same_bytes(tmp_path: Path) -> None:
    first = build(tmp_path / "a" / "fp")
    second = build(tmp_path / "b" / "fp")
    assert sha256(first) == sha256(second)


def test_a_build_leaves_only_the_wheel_beside_it(tmp_path: Path) -> None:
    build(tmp_path / "wheels" / "fp")
    assert [p.name for p in (tmp_path / "wheels").iterdir()] == ["fp"]
    assert [p.name for p in (tmp_path / "wheels" / "fp").iterdir()] == [WHEEL]


def test_a_build_writes_nothing_into_the_source_tree(tmp_path: Path) -> None:
    source = tmp_path / "checkout"
    (source / "src" / "esper").mkdir(parents=True)
    (source / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (source / "src" / "esper" / "__init__.py").write_text('"""Esper."""\n')
    before = sorted(p.relative_to(source) for p in source.rglob("*"))
    build(tmp_path / "wheels" / "fp", source)
    assert sorted(p.relative_to(source) for p in source.rglob("*")) == before
