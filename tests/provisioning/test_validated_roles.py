"""A role's input is checked once per run: in setup.yml's preflight, before anything changes.

The preflight runs each selected role's tasks/validate.yml and lists those roles in
esper_validated_roles (a set_fact); the roles then skip their own run of the same checks, 25
controller tasks of every converged run. A role whose user's passwd entry a later lookup
replaced validates (and looks up) again, and a role applied without the preflight validates
itself. Every run is guarded (conftest): given facts, `--check`.
"""

from __future__ import annotations

from pathlib import Path

from conftest import Run
from test_passwd_lookup import RUST, statuses

RUST_CHECK = "workstation_rust : Check the Rust user"


def test_a_role_the_preflight_validated_does_not_validate_again(playbook):
    run = playbook(*RUST)
    assert statuses(run, RUST_CHECK) == ["ok"], run.output[-3000:]
    assert statuses(run, "workstation_rust : Validate input") == ["skipping"], run.output[-3000:]


def test_a_role_validates_again_when_a_later_lookup_replaced_its_users_entry(playbook):
    # The preflight looks `nobody` up for Rust, then esper_user for docker: nobody's entry is
    # gone from the facts when workstation_rust runs, so it validates (and looks it up) again.
    # (The run may fail later, in check mode on this machine: the count is what matters.)
    run = playbook(
        "--tags",
        "rust,docker",
        "-e",
        "workstation_rust_source=distro",
        "-e",
        "workstation_docker_source=distro",
        "-e",
        "workstation_rust_user=nobody",
    )
    assert statuses(run, RUST_CHECK) == ["ok", "ok"], run.output[-3000:]


def _role_alone(playbook, tmp_path: Path, role: str, *args: str) -> Run:
    play = tmp_path / "role.yml"
    play.write_text(
        "- hosts: workstations\n"
        "  become: true\n"
        "  tasks:\n"
        "    - ansible.builtin.include_role:\n"
        f"        name: {role}\n"
    )
    return playbook(*args, playbook=str(play))


def test_a_role_applied_without_the_preflight_validates_its_input(playbook, tmp_path):
    run = _role_alone(
        playbook, tmp_path, "workstation_packages", "-e", "workstation_packages_apt_proxy=ftp://x"
    )
    run.assert_failed_unchanged("workstation_packages_apt_proxy", "ftp://x")
