"""esper_report: a per-host table at the end of every run, and optionally a JSON report.

Fleet runs, ansible-pull runs and `--check --diff` drift reports all end with the same
question: which hosts are fine, which changed (or would change), and what failed where. The
stock recap answers with counts only; this callback adds the task names, the diffs and the
failure messages, and writes them as JSON so that a fleet's reports can be collected and
compared without scraping console output.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible import context  # type: ignore[import-untyped]
from ansible.plugins.callback import CallbackBase  # type: ignore[import-untyped]

DOCUMENTATION = """
    name: esper_report
    type: aggregate
    short_description: per-host result table at the end of a run, and a JSON report
    description:
      - Prints one row per host (status, counts, duration, the first failure) after the recap.
      - When O(report_dir) is set, writes the same information with the changed tasks (the
        drift in check mode, with diffs under --diff) and the failed tasks as JSON, to
        C(<playbook stem>-<UTC timestamp>.json) and C(latest.json) in that directory.
      - Failures ignored with C(ignore_errors) and failures rescued by a block's C(rescue)
        are not listed as failed tasks (they did not fail the host); the C(ignored) and
        C(rescued) counts still show them.
      - C(totals) counts hosts by status (the table's summary line), not tasks.
    requirements:
      - enable in configuration (callbacks_enabled = esper_report)
    options:
      report_dir:
        description:
          - Directory for the JSON reports; created (mode 0755) when missing.
          - Unset, no file is written and only the table is printed.
        type: path
        env:
          - name: ESPER_REPORT_DIR
        ini:
          - section: callback_esper_report
            key: report_dir
"""

# ansible-core ships no type information: its objects (hosts, tasks, results, stats) are Any here.
Ansible = Any

DIFF_LIMIT = 2000
MSG_LIMIT = 500
CELL_LIMIT = 60
STATUSES = ("ok", "changed", "failed", "unreachable")


def _shorten(text: str, limit: int) -> str:
    """Keeps reports readable when a module returns a whole stack trace or file as its message."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _diff_text(diffs: list[Any]) -> str:
    """A plain unified diff or the prepared text (CallbackBase._get_diff would add colour codes).

    A module returns one diff or a list of them; a loop task has one per item.
    """
    parts: list[str] = []
    for diff in diffs:
        if isinstance(diff, list):
            parts.append(_diff_text(diff))
        elif isinstance(diff, dict) and "before" in diff and "after" in diff:
            before, after = (
                v if isinstance(v, str) else json.dumps(v, indent=2, sort_keys=True, default=str)
                for v in (diff["before"] or "", diff["after"] or "")
            )
            parts += difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=" ".join(["before:", str(diff.get("before_header", ""))]).strip(),
                tofile=" ".join(["after:", str(diff.get("after_header", ""))]).strip(),
            )
        if isinstance(diff, dict) and "prepared" in diff:
            parts.append(str(diff["prepared"]))
    return "".join(parts)


def _failure_msg(result: dict[str, Any]) -> str:
    """The result's msg, else its stderr: what a reader needs to start on the failure."""
    return _shorten(str(result.get("msg") or result.get("stderr") or "failed"), MSG_LIMIT)


def _rescuable(task: Ansible) -> bool:
    """True when the task sits in the `block:` section of a block that has a `rescue:`.

    That is where ansible counts a failure as rescued (PlayIterator.is_any_block_rescuing),
    decided after v2_runner_on_failed can see. The path is compared by _uuid because
    imported roles and includes put a role block or an include between a task and its block.
    """
    path: set[str] = set()
    node = task
    while node is not None:
        path.add(node._uuid)
        parent: Ansible = getattr(node, "_parent", None)
        rescue = getattr(parent, "rescue", None)  # only a Block has one
        if rescue and any(getattr(child, "_uuid", None) in path for child in parent.block):
            return True
        node = parent
    return False


@dataclass
class Failure:
    """A failed task, kept with its rescue guess until ansible's counts can confirm it."""

    task: str
    msg: str
    rescued: bool = False


@dataclass
class HostRecord:
    """What the stats do not keep: timings, task names, diffs and messages, for one host."""

    first_start: float | None = None
    last_result: float | None = None
    changed_tasks: list[dict[str, str | None]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    failed_item_msg: str | None = None  # the running loop task's first failed item

    def duration(self) -> float:
        if self.first_start is None or self.last_result is None:
            return 0.0
        return round(self.last_result - self.first_start, 3)

    def failed_tasks(self, failed_count: int) -> list[dict[str, str]]:
        """The failures that failed the host (rescued ones dropped).

        If the rescue guess disagrees with ansible's own count, ansible wins: a host stops at
        its first unrescued failure, so the last `failed_count` failures are the real ones.
        """
        real = [f for f in self.failures if not f.rescued]
        if len(real) < failed_count:
            real = self.failures[-failed_count:]
        return [{"task": f.task, "msg": f.msg} for f in real]


def host_status(summary: dict[str, int]) -> str:
    """One word per host, worst first: a host that is unreachable has not run the rest."""
    if summary["unreachable"]:
        return "unreachable"
    if summary["failures"]:
        return "failed"
    return "changed" if summary["changed"] else "ok"


def render_table(rows: list[list[str]]) -> list[str]:
    """Aligned columns (header, rule, rows): readable in a terminal and in a CI log alike."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return [line.rstrip() for line in lines]


class CallbackModule(CallbackBase):  # type: ignore[misc]
    """Collects per-host results during the run; prints and writes them at v2_playbook_on_stats."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "esper_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hosts: dict[str, HostRecord] = {}
        self._playbook = ""
        self._started = datetime.now(UTC)

    def _record(self, result: Ansible) -> HostRecord:
        """The host's record, as of this task's final result (loop items come before it)."""
        record = self._hosts.setdefault(result.host.get_name(), HostRecord())
        record.last_result = time.monotonic()
        record.failed_item_msg = None
        return record

    def v2_playbook_on_start(self, playbook: Ansible) -> None:
        if not self._playbook:  # several playbooks in one run: named for the first
            self._playbook = str(playbook._file_name)
            self._started = datetime.now(UTC)

    def v2_runner_on_start(self, host: Ansible, task: Ansible) -> None:
        record = self._hosts.setdefault(host.get_name(), HostRecord())
        if record.first_start is None:
            record.first_start = time.monotonic()

    def v2_runner_on_ok(self, result: Ansible) -> None:
        record = self._record(result)
        if result.is_changed():
            raw = result.result
            items = [raw, *(raw.get("results") or [])]  # a loop's diffs are on its items
            diffs = [i["diff"] for i in items if isinstance(i, dict) and i.get("diff")]
            role = result.task._role
            record.changed_tasks.append(
                {
                    "task": result.task_name,
                    "role": role.get_name() if role else None,
                    "diff": _shorten(_diff_text(diffs), DIFF_LIMIT) if diffs else None,
                }
            )

    def v2_runner_item_on_failed(self, result: Ansible) -> None:
        record = self._hosts.setdefault(result.host.get_name(), HostRecord())
        if record.failed_item_msg is None:
            record.failed_item_msg = _failure_msg(result.result)

    def v2_runner_on_failed(self, result: Ansible, ignore_errors: bool = False) -> None:
        # A loop's own msg is only "One or more items failed": name the first failed item's.
        item_msg = self._hosts.get(result.host.get_name(), HostRecord()).failed_item_msg
        record = self._record(result)
        if not ignore_errors:
            failure = Failure(result.task_name, item_msg or _failure_msg(result.result))
            failure.rescued = _rescuable(result.task)
            record.failures.append(failure)

    def v2_runner_on_unreachable(self, result: Ansible) -> None:
        record = self._record(result)
        if not result.task.ignore_unreachable:
            record.failures.append(Failure(result.task_name, _failure_msg(result.result)))

    def v2_runner_on_skipped(self, result: Ansible) -> None:
        self._record(result)

    def v2_playbook_on_stats(self, stats: Ansible) -> None:
        finished = datetime.now(UTC)
        hosts: dict[str, dict[str, Any]] = {}
        for name in sorted(stats.processed):
            s: dict[str, int] = stats.summarize(name)
            record = self._hosts.get(name, HostRecord())
            hosts[name] = {
                "status": host_status(s),
                "ok": s["ok"],
                "changed": s["changed"],
                "failed": s["failures"],
                "unreachable": s["unreachable"],
                "skipped": s["skipped"],
                "rescued": s["rescued"],
                "ignored": s["ignored"],
                "duration_s": record.duration(),
                "changed_tasks": record.changed_tasks,
                "failed_tasks": record.failed_tasks(s["failures"] + s["unreachable"]),
            }
        statuses = [h["status"] for h in hosts.values()]
        totals = {"hosts": len(hosts)} | {k: statuses.count(k) for k in STATUSES}
        self._print_table(hosts, totals)
        report_dir = self.get_option("report_dir")
        if report_dir:
            report = {
                "schema": 1,
                "playbook": self._playbook,
                "check_mode": bool(context.CLIARGS.get("check", False)),
                "diff_mode": bool(context.CLIARGS.get("diff", False)),
                "started": self._started.isoformat(),
                "finished": finished.isoformat(),
                "hosts": hosts,
                "totals": totals,
            }
            self._write(Path(report_dir), report)

    def _print_table(self, hosts: dict[str, dict[str, Any]], totals: dict[str, int]) -> None:
        header = ["host", "status", "ok", "changed", "failed", "unreachable", "skipped"]
        rows = [[*header, "duration", "what failed"]]
        for name, h in hosts.items():
            first = h["failed_tasks"][0] if h["failed_tasks"] else None
            what = f"{first['task']}: {first['msg']}" if first else ""
            counts = [str(h[k]) for k in header[2:]]
            duration = f"{h['duration_s']:.1f}s"
            rows.append(
                [name, h["status"], *counts, duration, _shorten(" ".join(what.split()), CELL_LIMIT)]
            )
        self._display.banner("ESPER REPORT")
        for line in render_table(rows):
            self._display.display(line)
        summary = ", ".join(f"{totals[k]} {k}" for k in STATUSES)
        self._display.display(f"{totals['hosts']} hosts: {summary}")

    def _write(self, report_dir: Path, report: dict[str, Any]) -> None:
        """Writes <stem>-<timestamp>.json and latest.json, each atomically (temp + os.replace).

        A half-written latest.json would break whatever collects the fleet's reports; an
        unwritable directory only costs the file, so it is a warning, not a failed run.
        """
        stamp = datetime.fromisoformat(report["started"]).strftime("%Y%m%dT%H%M%SZ")
        name = f"{Path(self._playbook).stem or 'playbook'}-{stamp}.json"
        text = json.dumps(report, indent=2, default=str) + "\n"
        try:
            report_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
            for target in (report_dir / name, report_dir / "latest.json"):
                fd, tmp = tempfile.mkstemp(dir=report_dir, prefix=".esper_report-", suffix=".tmp")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        handle.write(text)
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, target)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
        except OSError as exc:
            self._display.warning(
                f"esper_report: could not write the report to {report_dir}: {exc}"
            )
            return
        self._display.display(f"esper_report: report written to {report_dir / name}")
