"""Helpers for the provisioning tests: run ansible-playbook against localhost of this machine.

Every test here gives setup.yml bad input and checks that the run fails *before anything
changes*: non-zero exit, a message naming the variable, `changed=0` in the recap, and the
file the role would have written absent. Facts for other distributions are fed through a
per-test jsonfile fact cache (ansible.cfg gathers "smart"), so the real preflight code runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
def playbook(tmp_path: Path):
    """run(args, facts=None): ansible-playbook setup.yml on localhost (real or faked facts)."""

    def run(*args: str, facts_file: Path | None = None, playbook: str = "setup.yml") -> Run:
        cache = tmp_path / "facts"
        cache.mkdir(exist_ok=True)
        if facts_file is not None:
            shutil.copy(facts_file, cache / facts_file.name)
        proc = subprocess.run(
            [_ansible_playbook(), playbook, *args],
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


DEBIAN13 = {
    "distribution": "Debian",
    "distribution_version": "13.2",
    "distribution_major_version": "13",
    "distribution_release": "trixie",
}
