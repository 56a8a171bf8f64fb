"""The workstation user's passwd entry is read once per run, and never taken from an old run.

setup.yml's preflight looks esper_user up and marks it read for this run (a set_fact); the
roles' own lookups of that account, twice each (preflight validation and the role), are then
skipped. Any other account, or an entry a later lookup replaced, is still looked up. Every run
is guarded (conftest): given facts, `--check`.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import DEBIAN12, Run

RUST = ("--tags", "rust", "-e", "workstation_rust_source=distro")
DOCKER = ("--tags", "docker", "-e", "workstation_docker_source=distro")


def statuses(run: Run, task: str) -> list[str]:
    """The first status word (ok, skipping, fatal, ...) of each run of the named task."""
    pattern = rf"^TASK \[{re.escape(task)}\][^\n]*\n(?:[^\n]*\n)*?(ok|skipping|changed|fatal):"
    return re.findall(pattern, run.output, re.MULTILINE)


def test_the_preflight_looks_esper_user_up(playbook):
    run = playbook(*RUST)
    assert statuses(run, "Look up esper_user") == ["ok"], run.output[-3000:]


@pytest.mark.parametrize(
    ("args", "task"),
    [
        (RUST, "workstation_rust : Look up the Rust user"),
        (DOCKER, "workstation_docker : Look up the docker group members"),
    ],
    ids=["rust", "docker"],
)
def test_a_role_skips_its_lookup_of_the_account_the_preflight_read(playbook, args, task):
    run = playbook(*args)
    # In the preflight's validation; the role does not validate again (test_validated_roles.py).
    assert statuses(run, task) == ["skipping"], run.output[-3000:]


def test_a_role_still_looks_up_an_account_other_than_esper_user(playbook):
    run = playbook(*RUST, "-e", "workstation_rust_user=no_such_esper_user")
    run.assert_failed_unchanged("workstation_rust_user", "no_such_esper_user")


def test_an_entry_cached_by_an_earlier_run_does_not_stand_for_a_lookup(
    playbook, fake_facts, tmp_path
):
    # The jsonfile fact cache keeps getent's facts. The role alone (no preflight, so no
    # esper_passwd_read) with an entry cached for an account that is gone: it looks it up again.
    facts = fake_facts(**DEBIAN12)
    raw = json.loads(facts.read_text())
    wrapped = isinstance(raw, dict) and "__payload__" in raw
    inner = json.loads(raw["__payload__"]) if wrapped else raw
    inner["getent_passwd"] = {"no_such_esper_user": ["x", "1234", "1234", "", "/home/gone", "/sh"]}
    facts.write_text(json.dumps({"__payload__": json.dumps(inner)} if wrapped else inner))
    play = tmp_path / "validate.yml"
    play.write_text(
        "- hosts: workstations\n"
        "  tasks:\n"
        "    - ansible.builtin.include_role:\n"
        "        name: workstation_rust\n"
        "        tasks_from: validate\n"
    )
    run = playbook(
        "-e", "workstation_rust_user=no_such_esper_user", facts_file=facts, playbook=str(play)
    )
    assert statuses(run, "workstation_rust : Look up the Rust user") == ["ok"], run.output[-3000:]
    run.assert_failed_unchanged("workstation_rust_user", "no_such_esper_user")


def test_docker_still_looks_up_its_other_members(playbook):
    members = '{"workstation_docker_users": ["root", "no_such_esper_user"]}'
    run = playbook(*DOCKER, "-e", "esper_user=root", "-e", members)
    run.assert_failed_unchanged("workstation_docker_users", "do not exist: no_such_esper_user.")
