"""The converged host's apt check: dpkg's list of installed packages decides whether apt runs.

workstation_packages reads, in one round trip, which packages of its transaction dpkg lists as
installed (`dpkg-query --show`, "<want><status><error> name" per line), and runs its apt task
only when one is missing (vars/main.yml: __workstation_packages_missing). apt loads its whole
cache to answer the same (1.2 s of every converged run). The parse is read here against given
dpkg output, on the control node; that a removed package is installed again by the next run is
shown by the laptop scenario's drift step (molecule/laptop/drift.yml).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess

import pytest
import yaml
from conftest import ROOT

VARS = ROOT / "roles/workstation_packages/vars/main.yml"
COMMON: list[str] = yaml.safe_load(VARS.read_text())["__workstation_packages_common"]
EXTRA = ["extra-tool"]

# Each case: dpkg-query's lines on top of every common package listed "ii ", and the extras.
CASES: dict[str, dict[str, object]] = {
    "converged": {"extra": EXTRA, "lines": ["ii extra-tool"]},
    "absent": {"extra": EXTRA, "lines": []},
    "unpacked": {"extra": EXTRA, "lines": ["iU extra-tool"]},
    "reinstall_required": {"extra": EXTRA, "lines": ["iiR extra-tool"]},
    "config_files_only": {"extra": EXTRA, "lines": ["rc extra-tool"]},
    "held": {"extra": EXTRA, "lines": ["hi extra-tool"]},
    "versioned": {"extra": ["extra-tool=1.0-1"], "lines": ["ii extra-tool"]},
    "proxy_file_line": {"extra": EXTRA, "lines": ["proxy-file", "ii extra-tool"]},
}

PLAY = [
    {
        "name": "Compute the missing packages for each given dpkg output",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars_files": [str(VARS)],
        "vars": {"__cases": CASES, "__common": COMMON},
        "tasks": [
            {
                "name": "Print what apt would be asked to install",
                "ansible.builtin.debug": {
                    "msg": "MISSING {{ item.key }} "
                    "{{ __workstation_packages_missing | to_json | b64encode }}"
                },
                "vars": {
                    "__workstation_packages_distro": [],
                    "workstation_packages_extra": "{{ item.value.extra }}",
                    "workstation_packages_batch": [],
                    "__workstation_packages_probe": {
                        "stdout_lines": "{{ __common | map('regex_replace', '^', 'ii ') | list"
                        " + item.value.lines }}"
                    },
                },
                "loop": "{{ __cases | dict2items }}",
                "loop_control": {"label": "{{ item.key }}"},
            }
        ],
    }
]


@pytest.fixture(scope="module")
def missing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Case name -> the packages __workstation_packages_missing lists for it."""
    play = tmp_path_factory.mktemp("apt-probe") / "play.yml"
    play.write_text(yaml.safe_dump(PLAY))
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "--check", str(play)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    found = dict(re.findall(r"MISSING (\w+) ([A-Za-z0-9+/=]+)", proc.stdout))
    assert set(found) == set(CASES), proc.stdout[-4000:]
    return {case: json.loads(base64.b64decode(value)) for case, value in found.items()}


def test_a_host_with_every_package_installed_needs_no_apt_run(missing):
    assert missing["converged"] == []


def test_a_package_dpkg_does_not_list_is_missing(missing):
    assert missing["absent"] == ["extra-tool"]


def test_a_package_unpacked_but_not_configured_is_missing(missing):
    assert missing["unpacked"] == ["extra-tool"]


def test_a_package_that_needs_a_reinstall_is_missing(missing):
    assert missing["reinstall_required"] == ["extra-tool"]


def test_a_removed_package_whose_config_files_remain_is_missing(missing):
    assert missing["config_files_only"] == ["extra-tool"]


def test_a_held_installed_package_is_installed(missing):
    assert missing["held"] == []


def test_a_name_with_a_version_is_left_to_apt(missing):
    assert missing["versioned"] == ["extra-tool=1.0-1"]


def test_the_proxy_files_line_is_not_read_as_a_package(missing):
    assert missing["proxy_file_line"] == []


def test_the_probe_lists_every_package_of_the_transaction():
    tasks = yaml.safe_load((ROOT / "roles/workstation_packages/tasks/main.yml").read_text())
    probe = next(t for t in tasks if t.get("register") == "__workstation_packages_probe")
    assert "dpkg-query --show" in probe["ansible.builtin.shell"]["cmd"]
    assert "__workstation_packages_transaction" in probe["ansible.builtin.shell"]["cmd"]
    apt_block = next(t for t in tasks if "block" in t)
    apt = apt_block["block"][0]
    assert apt["ansible.builtin.apt"]["name"] == "{{ __workstation_packages_transaction }}"
    assert apt["when"] == "__workstation_packages_missing | length > 0"
