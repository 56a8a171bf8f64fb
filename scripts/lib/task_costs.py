"""Per-task costs of an ansible-playbook log written with the profile_tasks callback.

profile_tasks stamps each task's banner with the time the task before it took. This reads
those stamps back into one row per task and splits the run into tasks that ran a module on the
host (at least one module round trip: >= 0.25 s here, bench.sh (g)) and tasks the controller
settled alone (set_fact, assert, include, a skipped task). Used by scripts/bench.sh:

    python3 scripts/lib/task_costs.py LOG PREFIX [TSV]

prints the classes, then `PREFIX_host_tasks: N`, `PREFIX_host_s: S`, `PREFIX_controller_tasks`
and `PREFIX_controller_s`; TSV, when given, gets every task with its seconds, slowest first.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HOST_SIDE_S = 0.25  # below the floor of one module round trip (bench.sh (g): 0.35-0.40 s)
BANNER = re.compile(r"^TASK \[(?P<name>.*)\] \*+$")
STAMP = re.compile(r"\((?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)\)")
BUCKETS = ((0.0, 0.1), (0.1, 0.25), (0.25, 0.5), (0.5, 0.8), (0.8, 1.2), (1.2, float("inf")))


def task_seconds(lines: list[str]) -> list[tuple[str, float]]:
    """(task, seconds) for every task but the last (its time is stamped on no later banner)."""
    rows: list[tuple[str, float]] = []
    previous: str | None = None
    for index, line in enumerate(lines[:-1]):
        banner = BANNER.match(line)
        stamp = STAMP.search(lines[index + 1]) if banner else None
        if banner is None or stamp is None:
            continue
        seconds = int(stamp["h"]) * 3600 + int(stamp["m"]) * 60 + float(stamp["s"])
        if previous is not None:
            rows.append((previous, seconds))
        previous = banner["name"]
    return rows


def main(log: str, prefix: str, tsv: str | None = None) -> None:
    rows = task_seconds(Path(log).read_text(encoding="utf-8", errors="replace").splitlines())
    host = [s for _, s in rows if s >= HOST_SIDE_S]
    controller = [s for _, s in rows if s < HOST_SIDE_S]
    for low, high in BUCKETS:
        bucket = [s for _, s in rows if low <= s < high]
        print(f"  {low:4.2f}-{high:4.2f} s: {len(bucket):4d} tasks {sum(bucket):6.1f} s")
    if tsv:
        ordered = sorted(rows, key=lambda row: -row[1])
        Path(tsv).write_text("".join(f"{s:.2f}\t{name}\n" for name, s in ordered), encoding="utf-8")
    print(f"{prefix}_host_tasks: {len(host)}")
    print(f"{prefix}_host_s: {sum(host):.1f}")
    print(f"{prefix}_controller_tasks: {len(controller)}")
    print(f"{prefix}_controller_s: {sum(controller):.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
