"""Print the venv's state as JSON, in one interpreter start: what a converged run must know.

Run with the venv's python (`python -c <this file's text> RECORD LOCK TORCH_VERSION PACKAGE
[FILE...]`). Each question used to be its own task and process (`pip --version`, `cat` of the
install record, pip's module listing every package to find torch, `pip install --dry-run` of the
lock, the library's metadata, a `copy` of each lock file), about six seconds of a converged run;
this probe answers them together:

- pip: pip's command-line code imports (a venv killed in `ensurepip` has none, or half of it);
- record: the install record's text, or null when there is none (the last install did not finish);
- torch: the installed torch version without its local label (`2.9.1+cpu` -> `2.9.1`), or null;
- uv: the version of uv installed in the venv (esper_venv_installer: uv), or null;
- lock_unmet: the lock's requirements (their markers evaluated here) that are not installed at
  the pinned version; ["<lock>"] when the lock cannot be read or its markers evaluated, which
  sends the role to pip, as a new lock would;
- library: PACKAGE's installed version and direct_url.json (editable checkout, or the sha256
  of the wheel it came from), or {} when it is not installed;
- sha1: each FILE's SHA-1 (the copies of the locks on the host), or null when it cannot be
  read: the role copies a lock only when its own differs.

Only standard-library code, and pip's own vendored `packaging` for the markers (any venv with
pip has it), so the probe runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;([^\\]*))?")


def pip_imports() -> bool:
    """pip's command-line code imports, as `python -m pip` does first (a half-written pip fails)."""
    try:
        importlib.import_module("pip._internal.cli.main")
    except Exception:
        return False
    return True


def read_record(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def base_version(version: str | None) -> str | None:
    """The version without its local label: `==2.9.1` is met by 2.9.1+cpu (PEP 440)."""
    return None if version is None else version.split("+", 1)[0]


def lock_pins(text: str, applies: Callable[[str], bool]) -> dict[str, str]:
    """name -> pinned version of each `name==version [; marker]` line whose marker applies."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = REQUIREMENT.match(line.strip())
        if match is None:
            continue
        name, version, marker = match.groups()
        if marker is None or applies(marker.strip()):
            pins[name] = version
    return pins


def unmet(pins: dict[str, str], installed: Callable[[str], str | None]) -> list[str]:
    """The pinned requirements not installed at their version, as `name==version`."""
    return [f"{name}=={version}" for name, version in pins.items() if installed(name) != version]


def marker_applies(marker: str) -> bool:
    from pip._vendor.packaging.markers import Marker  # pip's vendored packaging

    return bool(Marker(marker).evaluate())


def lock_unmet(path: str) -> list[str]:
    try:
        pins = lock_pins(Path(path).read_text(encoding="utf-8"), marker_applies)
    except Exception:  # unreadable lock, or markers pip's packaging cannot evaluate
        return ["<lock>"]
    return unmet(pins, installed_version) if pins else ["<lock>"]


def installed_library(name: str) -> dict[str, object]:
    """The distribution's version and direct_url.json, or {} when it is not installed."""
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return {}
    return {
        "version": dist.version,
        "direct_url": json.loads(dist.read_text("direct_url.json") or "{}"),
    }


def sha1_of(path: str) -> str | None:
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()  # the copy module's checksum
    except OSError:
        return None


def main(record: str, lock: str, torch_version: str, package: str, *files: str) -> None:
    pip = pip_imports()
    print(
        json.dumps(
            {
                "pip": pip,
                "record": read_record(record),
                "torch": base_version(installed_version("torch")),
                "torch_pin": torch_version,
                "uv": installed_version("uv"),
                "lock_unmet": lock_unmet(lock) if pip else ["<pip>"],
                "library": installed_library(package),
                "sha1": {path: sha1_of(path) for path in files},
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
