"""The venv probe (roles/esper_venv/files/venv_state.py): what a converged run knows in one call.

The role installs torch or the lock only when this probe says something is missing, so each
answer that would hide drift is a test: an unmet pin, a missing torch, a missing record.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT

PROBE = ROOT / "roles" / "esper_venv" / "files" / "venv_state.py"
sys.path.insert(0, str(PROBE.parent))
import venv_state  # noqa: E402

LOCK = """\
# comment
pydantic==2.12.5 \\
    --hash=sha256:aaa
colorama==0.4.6 ; sys_platform == 'win32' \\
    --hash=sha256:bbb
cffi==2.1.1 ; platform_python_implementation != 'PyPy' \\
    --hash=sha256:ccc
"""


def _on_linux(marker: str) -> bool:
    return "win32" not in marker


def test_the_lock_pins_are_its_name_version_lines() -> None:
    pins = venv_state.lock_pins(LOCK, lambda marker: True)
    assert pins == {"pydantic": "2.12.5", "colorama": "0.4.6", "cffi": "2.1.1"}


def test_a_pin_whose_marker_does_not_apply_is_left_out() -> None:
    assert "colorama" not in venv_state.lock_pins(LOCK, _on_linux)


def test_a_pin_installed_at_another_version_is_unmet() -> None:
    installed = {"pydantic": "2.12.4", "cffi": "2.1.1"}.get
    assert venv_state.unmet({"pydantic": "2.12.5", "cffi": "2.1.1"}, installed) == [
        "pydantic==2.12.5"
    ]


def test_a_pin_not_installed_is_unmet() -> None:
    assert venv_state.unmet({"cffi": "2.1.1"}, lambda name: None) == ["cffi==2.1.1"]


def test_a_local_version_label_meets_the_pin() -> None:
    assert venv_state.base_version("2.9.1+cpu") == "2.9.1"


def test_markers_are_evaluated_for_this_interpreter() -> None:
    assert venv_state.marker_applies("sys_platform == 'win32'") is (sys.platform == "win32")


def _probe(
    tmp_path: Path,
    lock: str | None,
    record: str | None,
    package: str = "pytest",
    files: tuple[Path, ...] = (),
) -> dict[str, Any]:
    lock_path, record_path = tmp_path / "lock.txt", tmp_path / "record"
    if lock is not None:
        lock_path.write_text(lock)
    if record is not None:
        record_path.write_text(record + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.read_text(),
            str(record_path),
            str(lock_path),
            "2.9.1",
            package,
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_the_probe_reports_pip_the_record_and_the_unmet_pins(tmp_path: Path) -> None:
    pytest_version = importlib.metadata.version("pytest")
    state = _probe(
        tmp_path, f"pytest=={pytest_version}\nno-such-dist-esper==1.0\n", record="abc123"
    )
    assert state["pip"] is True
    assert state["record"] == "abc123"
    assert state["lock_unmet"] == ["no-such-dist-esper==1.0"]


def test_no_record_reads_as_an_unfinished_install(tmp_path: Path) -> None:
    assert _probe(tmp_path, "pytest==0\n", record=None)["record"] is None


def test_an_unreadable_lock_sends_the_role_to_pip(tmp_path: Path) -> None:
    assert _probe(tmp_path, None, record="x")["lock_unmet"] == ["<lock>"]


def test_the_probe_reports_the_installed_uv_version(tmp_path: Path) -> None:
    """The role installs uv (esper_venv_installer: uv) only when this differs from its pin."""
    try:
        expected: str | None = importlib.metadata.version("uv")
    except importlib.metadata.PackageNotFoundError:
        expected = None
    assert _probe(tmp_path, "pytest==0\n", record="x")["uv"] == expected


def test_the_probe_reports_the_installed_library_and_its_origin(tmp_path: Path) -> None:
    """The role reinstalls the library only when its version or origin differ (tasks/library.yml)."""
    library = _probe(tmp_path, "pytest==0\n", record="x", package="pytest")["library"]
    assert library["version"] == importlib.metadata.version("pytest")
    assert isinstance(library["direct_url"], dict)


def test_a_library_not_installed_reads_as_empty(tmp_path: Path) -> None:
    assert (
        _probe(tmp_path, "pytest==0\n", record="x", package="no-such-dist-esper")["library"] == {}
    )


def test_the_probe_reports_each_file_by_the_checksum_the_copy_module_uses(tmp_path: Path) -> None:
    """The role copies a lock only when the host's copy differs: the same SHA-1 as `copy`'s."""
    present, absent = tmp_path / "esper.lock.txt", tmp_path / "uv.lock.txt"
    present.write_bytes(b"uv==0.9.0\n")
    sha1 = _probe(tmp_path, "pytest==0\n", record="x", files=(present, absent))["sha1"]
    assert sha1 == {
        str(present): hashlib.sha1(b"uv==0.9.0\n").hexdigest(),
        str(absent): None,
    }
