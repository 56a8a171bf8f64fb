"""The esper_report callback (plugins/callback/esper_report.py), through real ansible-playbook runs.

One small playbook runs against four inventory aliases: three are this machine over the local
connection (`good` changes nothing, `drifting` changes, `broken` fails an assert) and `gone`
is an SSH host on TEST-NET-1 that cannot be reached. Nothing on the machine changes: the
tasks are debug, assert and `true`, and the one task with a diff is forced into check mode.
The playbook runs once as is and once with --check --diff (module-scoped), so every test reads
the same two reports.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import _ansible_playbook, _env

HOSTS = ["broken", "drifting", "gone", "good"]

LOCAL = '{ansible_connection: local, ansible_python_interpreter: "{{ ansible_playbook_python }}"}'
INVENTORY = f"""\
all:
  hosts:
    good: {LOCAL}
    drifting: {LOCAL}
    broken: {LOCAL}
    gone:
      ansible_connection: ssh
      ansible_host: 192.0.2.1
      ansible_user: nobody
      ansible_ssh_common_args: "-o ConnectTimeout=2"
"""

PLAYBOOK = """\
- name: Report fixture
  hosts: all
  gather_facts: false
  tasks:
    - name: Reach the host
      ansible.builtin.command: "true"
      changed_when: false
    - name: Apply the new setting
      ansible.builtin.command: "true"
      changed_when: true
      when: inventory_hostname == 'drifting'
    - name: Render the config
      ansible.builtin.include_role:
        name: drift
      when: inventory_hostname == 'drifting'
    - name: Count to three
      ansible.builtin.debug:
        msg: "item {{ item }}"
      loop: [1, 2, 3]
      changed_when: inventory_hostname == 'drifting'
    - name: Fail but carry on
      ansible.builtin.assert:
        that: false
        fail_msg: ignored on purpose
      ignore_errors: true
    - name: Recover from a failure
      block:
        - name: Fail inside the block
          ansible.builtin.assert:
            that: false
            fail_msg: rescued on purpose
      rescue:
        - name: Note the rescue
          ansible.builtin.debug:
            msg: rescued
    - name: Check the disk is big enough
      ansible.builtin.assert:
        that: inventory_hostname != 'broken'
        fail_msg: broken is broken on purpose
    - name: Say goodbye
      ansible.builtin.debug:
        msg: bye
"""

# The only task with a diff: check_mode: true even in the applied run, so the file stays "old".
DRIFT_ROLE = """\
- name: Render the config file
  ansible.builtin.copy:
    content: "new\\n"
    dest: "{{ playbook_dir }}/config.txt"
    mode: "0644"
  check_mode: true
  diff: true
"""


@dataclass
class Report:
    rc: int
    output: str
    report_dir: Path

    @property
    def data(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "latest.json").read_text())  # type: ignore[no-any-return]

    def host(self, name: str) -> dict[str, Any]:
        return self.data["hosts"][name]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report")
    (path / "inventory.yml").write_text(INVENTORY)
    (path / "site.yml").write_text(PLAYBOOK)
    (path / "roles/drift/tasks").mkdir(parents=True)
    (path / "roles/drift/tasks/main.yml").write_text(DRIFT_ROLE)
    (path / "config.txt").write_text("old\n")
    return path


def run(workdir: Path, *args: str, report_dir: Path | None) -> Report:
    env = _env(workdir / "facts")
    env.pop("ESPER_REPORT_DIR", None)
    if report_dir is not None:
        env["ESPER_REPORT_DIR"] = str(report_dir)
    proc = subprocess.run(
        [
            _ansible_playbook(),
            str(workdir / "site.yml"),
            "-i",
            str(workdir / "inventory.yml"),
            *args,
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Report(proc.returncode, proc.stdout + proc.stderr, report_dir or workdir)


@pytest.fixture(scope="module")
def applied(workdir: Path) -> Report:
    return run(workdir, report_dir=workdir / "reports" / "applied")


@pytest.fixture(scope="module")
def checked(workdir: Path) -> Report:
    return run(workdir, "--check", "--diff", report_dir=workdir / "reports" / "checked")


def test_report_names_every_host_with_its_status(applied: Report) -> None:
    assert applied.rc != 0, applied.output  # broken failed and gone is unreachable
    statuses = {name: host["status"] for name, host in applied.data["hosts"].items()}
    assert statuses == {
        "broken": "failed",
        "drifting": "changed",
        "gone": "unreachable",
        "good": "ok",
    }
    assert applied.data["totals"] == {
        "hosts": 4,
        "ok": 1,
        "changed": 1,
        "failed": 1,
        "unreachable": 1,
    }
    assert applied.data["check_mode"] is False


def test_counts_are_ansibles_own(applied: Report) -> None:
    recap = {
        m["host"]: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m["counts"])}
        for m in re.finditer(r"^(?P<host>\w+)\s+: (?P<counts>ok=.*)$", applied.output, re.M)
    }
    for name in HOSTS:
        host = applied.host(name)
        assert {k: host[k] for k in recap[name]} == recap[name], name


def test_failed_host_report_names_the_failed_task_and_message(applied: Report) -> None:
    assert applied.host("broken")["failed_tasks"] == [
        {"task": "Check the disk is big enough", "msg": "broken is broken on purpose"}
    ]


def test_unreachable_host_is_reported_unreachable(applied: Report) -> None:
    gone = applied.host("gone")
    assert (gone["status"], gone["unreachable"], gone["ok"]) == ("unreachable", 1, 0)
    [failure] = gone["failed_tasks"]
    assert failure["task"] == "Reach the host"
    assert "ssh" in failure["msg"].lower(), failure


def test_ignored_failure_is_not_reported_as_failed(applied: Report) -> None:
    good = applied.host("good")
    assert (good["status"], good["failed"], good["ignored"]) == ("ok", 0, 1)
    assert good["failed_tasks"] == []
    for name in HOSTS:
        assert "Fail but carry on" not in [t["task"] for t in applied.host(name)["failed_tasks"]]


def test_rescued_failure_is_not_reported_as_failed(applied: Report) -> None:
    for name in ("good", "drifting", "broken"):
        host = applied.host(name)
        assert host["rescued"] == 1, name
        assert "Fail inside the block" not in [t["task"] for t in host["failed_tasks"]], name


def test_changed_tasks_are_named_once_each_with_their_role(applied: Report) -> None:
    changed = applied.host("drifting")["changed_tasks"]
    assert [(t["task"], t["role"]) for t in changed] == [
        ("Apply the new setting", None),
        ("drift : Render the config file", "drift"),
        ("Count to three", None),  # a loop of three items: one entry
    ]
    assert applied.host("good")["changed_tasks"] == []


def test_check_mode_run_reports_what_would_change(checked: Report, workdir: Path) -> None:
    assert (checked.data["check_mode"], checked.data["diff_mode"]) == (True, True)
    drifting = checked.host("drifting")
    assert drifting["status"] == "changed"
    # The command is skipped in check mode; the copy and the debug loop would change.
    assert [t["task"] for t in drifting["changed_tasks"]] == [
        "drift : Render the config file",
        "Count to three",
    ]
    diff = drifting["changed_tasks"][0]["diff"]
    assert "-old" in diff.splitlines(), diff
    assert "+new" in diff.splitlines(), diff
    assert f"after: {workdir / 'config.txt'}" in diff
    assert (workdir / "config.txt").read_text() == "old\n"


def test_duration_runs_from_the_first_task_to_the_last_result(applied: Report) -> None:
    data = applied.data
    wall = (
        datetime.fromisoformat(data["finished"]) - datetime.fromisoformat(data["started"])
    ).total_seconds()
    for name in HOSTS:
        assert 0 < applied.host(name)["duration_s"] <= wall, (name, wall)
    # broken stops at its failure; good runs the final task too.
    assert applied.host("broken")["duration_s"] <= applied.host("good")["duration_s"]


def test_latest_json_equals_the_timestamped_report(applied: Report) -> None:
    files = sorted(p.name for p in applied.report_dir.iterdir())
    assert files[0] == "latest.json", files
    [name] = files[1:]  # and no temporary file left behind
    stamped = re.fullmatch(r"site-(\d{8}T\d{6}Z)\.json", name)
    assert stamped, files
    latest = applied.report_dir / "latest.json"
    assert (applied.report_dir / name).read_text() == latest.read_text()
    for file in files:
        assert stat.S_IMODE(os.stat(applied.report_dir / file).st_mode) == 0o644
    started = datetime.fromisoformat(applied.data["started"])
    assert started.utcoffset() == timedelta(0), applied.data["started"]
    assert started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") == stamped.group(1)
    assert applied.data["schema"] == 1
    assert applied.data["playbook"].endswith("site.yml")
    assert f"report written to {applied.report_dir / name}" in applied.output


def test_table_lists_each_host_once(applied: Report) -> None:
    rows = re.findall(r"^(\w+)\s+\| (\w+)\s+\|", applied.output, re.M)
    assert rows[0] == ("host", "status"), rows
    assert rows[1:] == [(name, applied.host(name)["status"]) for name in HOSTS]
    broken = next(line for line in applied.output.splitlines() if re.match(r"broken\s+\|", line))
    assert broken.endswith("| Check the disk is big enough: broken is broken on purpose"), broken
    assert "4 hosts: 1 ok, 1 changed, 1 failed, 1 unreachable" in applied.output


def test_no_report_dir_writes_no_file_but_prints_the_table(workdir: Path) -> None:
    before = sorted(workdir.rglob("*.json"))
    result = run(workdir, "--limit", "good", report_dir=None)
    assert result.rc == 0, result.output
    assert re.search(r"^good\s+\| ok\s+\|", result.output, re.M), result.output
    assert "1 hosts: 1 ok, 0 changed, 0 failed, 0 unreachable" in result.output
    assert "report written" not in result.output
    assert sorted(workdir.rglob("*.json")) == before


def test_unwritable_report_dir_warns_and_the_run_goes_on(workdir: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = run(workdir, "--limit", "good", report_dir=tmp_path / "a-file" / "reports")
    assert result.rc == 0, result.output
    assert "esper_report: could not write the report to" in result.output
    assert re.search(r"^good\s+\| ok\s+\|", result.output, re.M), result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "a-file"]
