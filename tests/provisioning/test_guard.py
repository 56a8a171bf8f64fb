"""The provisioning tests never change the machine they run on (see conftest's guards).

A developer runs the suite on their own workstation, often with passwordless sudo (CI runs it
as root): a test that provisioned the host by mistake would install packages, write apt
sources or replace their venv. These tests prove the guards hold.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DEBIAN13, WATCHED, fingerprint

PROXY_FILE = Path("/etc/apt/apt.conf.d/01esper-proxy")


def test_a_run_that_would_change_the_host_reports_it_and_changes_nothing(playbook, fake_facts):
    # A valid apt proxy on a supported distribution: a real run would write PROXY_FILE.
    before = fingerprint(WATCHED)
    run = playbook(
        "--tags",
        "packages",
        "-e",
        "workstation_packages_apt_proxy=http://127.0.0.1:3142",
        facts_file=fake_facts(**DEBIAN13),
    )
    task = re.search(
        r"TASK \[workstation_packages : Configure the apt proxy\].*?\n(\w+): \[localhost\]",
        run.output,
        re.DOTALL,
    )
    assert task, run.output[-4000:]
    assert task.group(1) == "changed", run.output[-4000:]
    assert not PROXY_FILE.exists()
    assert fingerprint(WATCHED) == before
