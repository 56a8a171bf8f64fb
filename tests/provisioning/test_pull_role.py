"""Role esper_pull (playbooks/pull.yml): bad input stops it before anything changes, and its
systemd units render the ansible-pull run and the schedule.

The bad-input runs are guarded like test_bad_input.py (conftest): given facts (Debian 13), always
`--check`, the real validation code. The units are rendered by Ansible's template lookup in an
ad-hoc `debug`, which touches nothing on the host.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import DEBIAN13, ROOT, _ansible_playbook, _env

ROLE = ROOT / "roles" / "esper_pull"
PULL = "playbooks/pull.yml"
VARS_FILE = Path("/etc/esper-pull/vars.yml")
REPO_URL = "https://git.lab.example/esper-workstation.git"
URL_MESSAGE = "which is not a Git URL"


def pull(playbook, fake_facts, *assignments: str):
    """playbooks/pull.yml in --check with Debian 13 facts and the given -e assignments."""
    extra = [arg for assignment in assignments for arg in ("-e", assignment)]
    existed = VARS_FILE.exists()
    run = playbook(*extra, facts_file=fake_facts(**DEBIAN13), playbook=PULL)
    assert VARS_FILE.exists() == existed, f"{VARS_FILE} appeared or vanished"
    return run


def render(template: str, tmp_path: Path, **overrides: object) -> str:
    """A role template rendered with the role's defaults and vars (plus overrides)."""
    ansible = Path(_ansible_playbook()).with_name("ansible")
    assignments = {"esper_pull_repo_url": REPO_URL, "esper_pull_user": "alice", **overrides}
    lookup = f"{{{{ lookup('ansible.builtin.template', '{ROLE / 'templates' / template}') }}}}"
    env = _env(tmp_path) | {"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}
    proc = subprocess.run(
        [
            str(ansible),
            "localhost",
            "-i",
            "localhost,",
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={lookup}",
            "-e",
            f"@{ROLE / 'defaults' / 'main.yml'}",
            "-e",
            f"@{ROLE / 'vars' / 'main.yml'}",
            "-e",
            json.dumps(assignments),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rendered: str = json.loads(proc.stdout.split("=>", 1)[1])["msg"]
    return rendered


def exec_start(service: str) -> list[str]:
    """The words of ExecStart= (continuation lines joined, quoted as systemd reads them)."""
    lines = service.replace("\\\n", " ").splitlines()
    (line,) = (line for line in lines if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def option(argv: list[str], name: str) -> str:
    assert name in argv, f"{name} not in {argv}"
    return argv[argv.index(name) + 1]


def test_missing_repo_url_fails_with_an_example(playbook, fake_facts):
    run = pull(playbook, fake_facts)
    run.assert_failed_unchanged(
        "esper_pull_repo_url is not set",
        "-e esper_pull_repo_url=https://git.lab.example/esper-workstation.git",
        "Nothing was changed.",
    )


def test_malformed_repo_url_fails(playbook, fake_facts):
    run = pull(playbook, fake_facts, "esper_pull_repo_url=git.lab.example/esper-workstation")
    run.assert_failed_unchanged("esper_pull_repo_url", "git.lab.example/esper-workstation")
    assert URL_MESSAGE in run.output


@pytest.mark.parametrize(
    "url",
    [
        "https://git.lab.example/esper-workstation.git",
        "http://git.lab.example/esper-workstation.git",
        "git://git.lab.example/esper-workstation.git",
        "ssh://git@git.lab.example:2222/esper/esper-workstation.git",
        "file:///srv/git/esper-workstation.git",
        "git@git.lab.example:esper/esper-workstation.git",
    ],
)
def test_git_url_forms_pass_the_url_check(playbook, fake_facts, url):
    # A bad delay stops validation after the URL checks: the URL itself was accepted.
    run = pull(
        playbook, fake_facts, f"esper_pull_repo_url={url}", "esper_pull_randomized_delay_sec=-1"
    )
    run.assert_failed_unchanged("esper_pull_randomized_delay_sec")
    assert URL_MESSAGE not in run.output


def test_negative_randomized_delay_fails(playbook, fake_facts):
    run = pull(
        playbook,
        fake_facts,
        f"esper_pull_repo_url={REPO_URL}",
        "esper_pull_randomized_delay_sec=-300",
    )
    run.assert_failed_unchanged("esper_pull_randomized_delay_sec", ">= 0", "'-300'")


# A string is what `-e esper_pull_extra_vars=...` gives (the role's own check); a list is
# refused by the argument spec before it.
@pytest.mark.parametrize("value", ["offline=true", ["offline"]], ids=["string", "list"])
def test_non_dict_extra_vars_fails(playbook, fake_facts, value):
    run = pull(
        playbook,
        fake_facts,
        json.dumps({"esper_pull_repo_url": REPO_URL, "esper_pull_extra_vars": value}),
    )
    run.assert_failed_unchanged("esper_pull_extra_vars", "dict")


def test_service_runs_ansible_pull_on_the_repository(tmp_path):
    argv = exec_start(render("esper-pull.service.j2", tmp_path))
    assert argv[0] == "/opt/esper-pull/venv/bin/ansible-pull"
    assert option(argv, "--url") == REPO_URL
    assert option(argv, "--checkout") == "main"
    assert option(argv, "--directory") == "/var/lib/esper-pull/checkout"
    assert option(argv, "--inventory") == "/var/lib/esper-pull/checkout/inventory/localhost.yml"
    assert "--clean" in argv
    assert argv[-1] == "setup.yml"


def test_service_passes_the_vars_file_then_the_user(tmp_path):
    argv = exec_start(render("esper-pull.service.j2", tmp_path))
    extra = [argv[i + 1] for i, word in enumerate(argv) if word == "--extra-vars"]
    assert extra == ["@/etc/esper-pull/vars.yml", "esper_user=alice"]


@pytest.mark.parametrize("only_if_changed", [False, True])
def test_only_if_changed_adds_the_flag(tmp_path, only_if_changed):
    service = render("esper-pull.service.j2", tmp_path, esper_pull_only_if_changed=only_if_changed)
    assert ("--only-if-changed" in exec_start(service)) is only_if_changed


def test_service_sets_the_report_dir(tmp_path):
    service = render("esper-pull.service.j2", tmp_path, esper_pull_report_dir="/srv/reports")
    assert "Environment=ESPER_REPORT_DIR=/srv/reports" in service.splitlines()
    assert "Type=oneshot" in service.splitlines()


def test_timer_schedule(tmp_path):
    timer = render(
        "esper-pull.timer.j2",
        tmp_path,
        esper_pull_on_calendar="daily",
        esper_pull_randomized_delay_sec=600,
    ).splitlines()
    assert "OnCalendar=daily" in timer
    assert "RandomizedDelaySec=600" in timer
    assert "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer
