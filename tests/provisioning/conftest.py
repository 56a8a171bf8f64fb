"""Helpers for the provisioning tests: ansible-playbook against given facts, never the host.

Every test here gives setup.yml bad input and checks that the run fails *before anything
changes*: non-zero exit, a message naming the variable, `changed=0` in the recap, and the
file the role would have written absent. The tests run on whatever machine runs pytest (a
developer's Mint laptop too), so two guards keep that machine as it was:

- facts are always given: a per-test jsonfile fact cache (ansible.cfg gathers "smart") holds
  this machine's facts with the distribution replaced (Debian 12 unless a test says otherwise),
  so the real preflight and validation code runs without depending on what the host is;
- every run is `--check`: a role whose validation let bad input through would report what it
  *would* change, and change nothing.

`test_guard.py` proves the guards: a run that would change the host reports the change and
leaves the host untouched, and the whole session leaves the paths the roles write unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HOME = Path.home()

# What setup.yml writes on a workstation (system roles and the user's own files).
WATCHED = [
    Path("/etc/apt/sources.list.d"),
    Path("/etc/apt/apt.conf.d"),
    Path("/etc/apt/keyrings"),
    Path("/etc/docker"),
    Path("/etc/group"),
    Path("/etc/systemd/system"),
    Path("/opt/esper"),
    Path("/var/lib/dpkg/status"),
    HOME / ".local/share/esper",
    HOME / ".cargo",
    HOME / ".rustup",
]


def fingerprint(paths: list[Path]) -> dict[str, str]:
    """Path -> content hash (files) or sorted entry names with their mtimes (directories)."""
    prints: dict[str, str] = {}
    for path in paths:
        if not path.exists():
            prints[str(path)] = "absent"
        elif path.is_file():
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            try:
                entries = sorted(os.scandir(path), key=lambda entry: entry.name)
                prints[str(path)] = " ".join(
                    f"{entry.name}@{entry.stat(follow_symlinks=False).st_mtime_ns}"
                    for entry in entries
                )
            except PermissionError:
                prints[str(path)] = f"unreadable@{path.stat().st_mtime_ns}"
    return prints


@pytest.fixture(scope="session", autouse=True)
def host_unchanged_by_the_session() -> Iterator[None]:
    """Fails the session (a teardown error) if any path setup.yml writes changed while it ran."""
    before = fingerprint(WATCHED)
    yield
    after = fingerprint(WATCHED)
    changed = {path: (before[path], after[path]) for path in before if before[path] != after[path]}
    assert not changed, f"the provisioning tests changed this machine: {changed}"


def _ansible_playbook() -> str:
    local = Path(sys.executable).parent / "ansible-playbook"
    if local.exists():
        return str(local)
    found = shutil.which("ansible-playbook")
    if not found:
        pytest.skip("ansible-playbook is not installed (run from the project venv)")
    return found


@dataclass
class Run:
    rc: int
    output: str

    def changed(self, host: str = "localhost") -> int:
        m = re.search(
            rf"^{re.escape(host)}\s*:\s*ok=\d+\s+changed=(\d+)", self.output, re.MULTILINE
        )
        assert m, f"no recap line for {host} in output:\n{self.output[-3000:]}"
        return int(m.group(1))

    def assert_failed_unchanged(self, *needles: str) -> None:
        tail = self.output[-6000:]
        assert self.rc != 0, f"ansible-playbook succeeded but should have failed:\n{tail}"
        assert self.changed() == 0, f"something changed:\n{tail}"
        for needle in needles:
            assert needle in self.output, f"{needle!r} not in the output:\n{tail}"
        # The failure must come from validation: no task reported a change.
        assert not re.search(r"^changed: ", self.output, re.MULTILINE), tail


def _env(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(cache_dir),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    env.pop("ANSIBLE_INVENTORY", None)
    return env


@pytest.fixture(scope="session")
def real_facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This machine's facts, gathered once into a jsonfile cache."""
    cache = tmp_path_factory.mktemp("facts-real")
    play = cache.parent / "gather.yml"
    play.write_text("- hosts: workstations\n  gather_facts: true\n  tasks: []\n")
    proc = subprocess.run(
        [_ansible_playbook(), str(play), "-i", str(ROOT / "inventory" / "localhost.yml")],
        cwd=ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = [p for p in cache.iterdir() if p.name.endswith("localhost")]
    assert len(files) == 1, list(cache.iterdir())
    return files[0]


@pytest.fixture
def playbook(tmp_path: Path, fake_facts):
    """run(*args, facts_file=None, playbook="setup.yml"): a guarded ansible-playbook run.

    Always `--check`, always with given facts (Debian 12 unless facts_file says otherwise).
    """

    def run(*args: str, facts_file: Path | None = None, playbook: str = "setup.yml") -> Run:
        cache = tmp_path / "facts"
        cache.mkdir(exist_ok=True)
        facts = facts_file if facts_file is not None else fake_facts(**DEBIAN12)
        shutil.copy(facts, cache / facts.name)
        proc = subprocess.run(
            [_ansible_playbook(), playbook, "--check", *args],
            cwd=ROOT,
            env=_env(cache),
            capture_output=True,
            text=True,
            timeout=600,
        )
        return Run(proc.returncode, proc.stdout + proc.stderr)

    return run


@pytest.fixture
def fake_facts(real_facts: Path, tmp_path: Path):
    """fake_facts(**overrides) -> a fact-cache file of this machine with facts replaced."""

    def make(**overrides: str) -> Path:
        raw = json.loads(real_facts.read_text())
        wrapped = isinstance(raw, dict) and "__payload__" in raw
        facts = json.loads(raw["__payload__"]) if wrapped else raw
        for key, value in overrides.items():
            facts[f"ansible_{key}"] = value
        facts["_ansible_facts_gathered"] = True
        out_dir = tmp_path / "fake"
        out_dir.mkdir(exist_ok=True)
        out = out_dir / real_facts.name
        out.write_text(json.dumps({"__payload__": json.dumps(facts)} if wrapped else facts))
        return out

    return make


DEBIAN12 = {
    "distribution": "Debian",
    "distribution_version": "12.12",
    "distribution_major_version": "12",
    "distribution_release": "bookworm",
    "os_family": "Debian",
}

DEBIAN13 = {
    "distribution": "Debian",
    "distribution_version": "13.2",
    "distribution_major_version": "13",
    "distribution_release": "trixie",
    "os_family": "Debian",
}
