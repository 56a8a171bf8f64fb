"""Static checks of the playbook and the roles' conventions (fast, no target changes)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT

ROLES = [
    "workstation_packages",
    "workstation_python",
    "workstation_rust",
    "workstation_docker",
    "esper_services",
    "esper_venv",
]


def test_syntax_check(playbook):
    run = playbook("--syntax-check")
    assert run.rc == 0, run.output


def test_fleet_inventory_parses(playbook):
    run = playbook(
        "--syntax-check", "-i", "inventory/fleet.example.yml", playbook="playbooks/fleet.yml"
    )
    assert run.rc == 0, run.output


def test_roles_follow_the_conventions():
    for role in ROLES:
        path = ROOT / "roles" / role
        for required in (
            "meta/main.yml",
            "meta/argument_specs.yml",
            "defaults/main.yml",
            "README.md",
            "tasks/validate.yml",
        ):
            assert (path / required).is_file(), f"{role}: {required} missing"
        defaults = yaml.safe_load((path / "defaults/main.yml").read_text()) or {}
        specs = yaml.safe_load((path / "meta/argument_specs.yml").read_text())["argument_specs"]
        options = specs["main"]["options"]
        readme = (path / "README.md").read_text()
        for name in defaults:
            assert name.startswith(role + "_"), f"{role}: default {name} lacks the role prefix"
            assert name in options, f"{role}: {name} missing from meta/argument_specs.yml"
            assert name in readme, f"{role}: {name} missing from README.md"
        assert specs["validate"]["options"] == options


def test_setup_tags_every_role():
    plays = yaml.safe_load((ROOT / "setup.yml").read_text())
    roles = {r["role"]: r for play in plays for r in play.get("roles", [])}
    assert list(roles) == ROLES
    for name, entry in roles.items():
        assert entry.get("become") is True
        assert name in entry["tags"]
    assert roles["esper_venv"]["become_user"].startswith("{{ esper_user")


def test_the_roles_torch_version_is_read_from_requirements():
    # Rendered by Ansible itself (the role's default is a lookup of requirements/torch.txt).
    pinned = re.search(r"^torch==(\S+)", (ROOT / "requirements/torch.txt").read_text(), re.M)
    ansible = Path(sys.executable).parent / "ansible"
    proc = subprocess.run(
        [
            str(ansible),
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "var=esper_venv_torch_version",
            "-e",
            "@roles/esper_venv/defaults/main.yml",
            "-e",
            f"role_path={ROOT / 'roles/esper_venv'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pinned
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"esper_venv_torch_version: {pinned.group(1)}" in proc.stdout, proc.stdout


def _pin(lock: str, name: str) -> str:
    found = re.search(rf"^{name}==(\S+)", (ROOT / "requirements" / lock).read_text(), re.M)
    assert found, f"no {name}== line in requirements/{lock}"
    return found.group(1)


def test_the_venvs_uv_is_the_tooling_locks_uv():
    # scripts/lock-tooling.sh constrains requirements/uv.lock.txt by the tooling lock.
    assert _pin("uv.lock.txt", "uv") == _pin("tooling.lock.txt", "uv")


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M))


def test_bootstraps_lock_holds_ansible_and_mitogen_and_no_test_tools():
    # scripts/bootstrap.sh's .venv runs setup.yml (and ESPER_MITOGEN=1), nothing else.
    pins = _pins("workstation.lock.txt")
    assert {"ansible", "ansible-core", "mitogen"} <= pins.keys()
    assert not {"molecule", "ansible-lint", "pytest"} & pins.keys()


def test_bootstraps_lock_has_the_tooling_locks_versions():
    tooling = _pins("tooling.lock.txt")
    assert {name: tooling.get(name) for name in _pins("workstation.lock.txt")} == _pins(
        "workstation.lock.txt"
    )


def test_bootstrap_installs_the_workstation_lock():
    script = (ROOT / "scripts/bootstrap.sh").read_text()
    assert 'LOCK="$ROOT/requirements/workstation.lock.txt"' in script


def test_the_venvs_uv_lock_is_hash_pinned():
    text = (ROOT / "requirements/uv.lock.txt").read_text()
    assert re.search(r"^uv==\S+ \\\n(\s+--hash=sha256:[0-9a-f]{64}( \\)?\n)+", text, re.M), text


def test_collections_pinned_to_the_ansible_bundle():
    reqs = yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]
    assert {c["name"]: c["version"] for c in reqs} == {
        "community.docker": "5.4.0",
        "community.general": "13.5.0",
        "ansible.posix": "2.2.2",
    }


def test_building_a_wheel_does_not_change_the_source_fingerprint(tmp_path):
    # setuptools writes src/<name>.egg-info while it builds the wheel the fleet installs.
    script = ROOT / "roles/esper_venv/files/source_fingerprint.py"
    (tmp_path / "src/esper").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "esper"\n')
    (tmp_path / "src/esper/__init__.py").write_text("VALUE = 1\n")

    def fingerprint() -> str:
        return subprocess.run(
            [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=True
        ).stdout

    before = fingerprint()
    (tmp_path / "src/esper.egg-info").mkdir()
    (tmp_path / "src/esper.egg-info/PKG-INFO").write_text("Metadata-Version: 2.1\n")
    assert fingerprint() == before
    (tmp_path / "src/esper/__init__.py").write_text("VALUE = 2\n")
    assert fingerprint() != before
