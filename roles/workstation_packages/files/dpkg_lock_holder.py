"""Print who holds the dpkg/apt locks ("PID 123 (unattended-upgr): /usr/bin/python3 ..."), if anyone.

apt's own error on a lock timeout names the lock file, not the process; a user needs the
process. The locks are fcntl locks, listed in /proc/locks by device and inode.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCKS = (
    "/var/lib/dpkg/lock-frontend",
    "/var/lib/dpkg/lock",
    "/var/lib/apt/lists/lock",
    "/var/cache/apt/archives/lock",
)


def lock_keys() -> dict[tuple[int, int, int], str]:
    """(major, minor, inode) of each lock file that exists."""
    keys = {}
    for path in LOCKS:
        try:
            st = os.stat(path)
        except OSError:
            continue
        keys[(os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)] = path
    return keys


def describe(pid: int) -> str:
    proc = Path(f"/proc/{pid}")
    try:
        comm = (proc / "comm").read_text().strip()
        cmdline = (
            (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        )
    except OSError:
        return f"PID {pid}"
    return f"PID {pid} ({comm}): {cmdline}"


def main() -> None:
    keys = lock_keys()
    holders = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        # "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (blocked waiters carry "->").
        if "->" in fields or len(fields) < 6:
            continue
        major, minor, inode = fields[5].split(":")
        key = (int(major, 16), int(minor, 16), int(inode))
        if key in keys:
            holders.append(f"{keys[key]} held by {describe(int(fields[4]))}")
    print("; ".join(dict.fromkeys(holders)))


if __name__ == "__main__":
    main()
