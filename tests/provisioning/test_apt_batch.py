"""One apt transaction on a new host: the system roles hand their packages to workstation_packages.

Each of workstation_python, workstation_rust and workstation_docker lists, in
tasks/apt_packages.yml, what it installs with apt; setup.yml's preflight includes those files
for the selected roles and passes the lists to workstation_packages (workstation_packages_batch).
The lists are read here against given facts (no apt, nothing installed); that the batched
roles then skip their own apt task and still converge with changed=0 is shown by molecule.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import yaml
from conftest import DEBIAN13, ROOT

BATCH_ROLES = ["workstation_python", "workstation_rust", "workstation_docker"]

LIST_PLAY = """
- name: List the system roles' apt packages
  hosts: workstations
  gather_facts: true
  tasks:
    - name: List each role's apt packages
      ansible.builtin.include_role:
        name: "{{ item }}"
        tasks_from: apt_packages
      loop: {roles}
    - name: Print them
      ansible.builtin.debug:
        msg: "APT-BATCH {{ {'python': workstation_python_apt_packages,
                            'rust': workstation_rust_apt_packages,
                            'docker': workstation_docker_apt_packages} | to_json | b64encode }}"
""".replace("{roles}", json.dumps(BATCH_ROLES))


def listed(playbook, fake_facts, tmp_path: Path, rust: str, docker: str) -> dict[str, list[str]]:
    """Each role's apt list on Debian 13 (Python 3.13), with the given Rust and Docker sources."""
    play = tmp_path / "apt-batch.yml"
    play.write_text(LIST_PLAY)
    run = playbook(
        *("-e", "workstation_python_version=3.13"),
        *("-e", f"workstation_rust_source={rust}", "-e", f"workstation_docker_source={docker}"),
        facts_file=fake_facts(**DEBIAN13),
        playbook=str(play),
    )
    assert run.rc == 0, run.output[-4000:]
    found = re.search(r"APT-BATCH ([A-Za-z0-9+/=]+)", run.output)
    assert found, run.output[-4000:]
    lists: dict[str, list[str]] = json.loads(base64.b64decode(found.group(1)))
    return lists


def test_distro_sources_put_python_rust_and_docker_packages_in_the_batch(
    playbook, fake_facts, tmp_path
):
    lists = listed(playbook, fake_facts, tmp_path, rust="distro", docker="distro")
    assert {"python3.13", "python3.13-venv", "python3.13-dev"} <= set(lists["python"])
    assert {"rustc", "cargo", "python3-venv"} <= set(lists["rust"])
    assert {"docker.io", "gpg", "python3-debian"} <= set(lists["docker"])


def test_rustup_and_dockers_repository_keep_their_toolchains_out_of_the_batch(
    playbook, fake_facts, tmp_path
):
    # rustup installs Rust for the user; Docker's packages need the repository the role adds.
    lists = listed(playbook, fake_facts, tmp_path, rust="rustup", docker="upstream")
    assert "rustc" not in lists["rust"]
    assert "cargo" not in lists["rust"]
    assert not {"docker.io", "docker-ce"} & set(lists["docker"])
    assert "gpg" in lists["docker"]


def test_setup_passes_every_batch_roles_list_to_workstation_packages():
    plays = yaml.safe_load((ROOT / "setup.yml").read_text())
    preflight, provision = plays[0], plays[1]
    assert preflight["vars"]["__esper_apt_batch_roles"] == BATCH_ROLES
    packages = next(r for r in provision["roles"] if r["role"] == "workstation_packages")
    batch = packages["vars"]["workstation_packages_batch"]
    for role in BATCH_ROLES:
        assert f"{role}_apt_packages" in batch, batch
        assert (ROOT / "roles" / role / "tasks" / "apt_packages.yml").is_file()


def test_a_batched_role_skips_its_own_apt_task_only_for_packages_in_the_transaction():
    # Each batched apt task is guarded by "its packages minus the transaction's is not empty".
    guard = re.compile(r"\| difference\(workstation_packages_transaction \| default\(\[\]\)\)")
    for role in BATCH_ROLES:
        for path in (ROOT / "roles" / role / "tasks").glob("*.yml"):
            for task in yaml.safe_load(path.read_text()) or []:
                apt = task.get("ansible.builtin.apt")
                if apt is None or "workstation_docker_upstream_packages" in str(apt["name"]):
                    continue
                assert guard.search(str(task.get("when", ""))), f"{path}: {task['name']}"
