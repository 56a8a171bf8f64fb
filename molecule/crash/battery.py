"""The crash battery: a run killed at any point is finished by the next run, no hand repair.

Each case SIGKILLs a converge (the ansible-playbook process group on this side, and inside
the test container the whole process tree of the task doing the work: the module, sudo, apt
or pip or docker compose and their children, or a background job's) while the named step runs, then runs again and
requires success, then once more and requires changed=0. Data written into the services
before the kills is read back by the verifier afterwards (tests/test_data.py).

Run by molecule (side_effect battery.yml) with molecule's environment: the inventory is in
$MOLECULE_EPHEMERAL_DIRECTORY, the instance is esper-$MOLECULE_SCENARIO_NAME. Prints one row per
case and a closing `N passed, N failed, N not run` line; exits non-zero when a case failed.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent / "shared"
CONVERGE = SHARED / "converge.yml"
WRITE_DATA = SHARED / "side_effect.yml"
INSTANCE = f"esper-{os.environ.get('MOLECULE_SCENARIO_NAME', 'crash')}"
INVENTORY = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ".")) / "inventory"
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
VENV = "/home/esper/.local/share/esper/venv"
PYFFI = "/home/esper/.cache/esper/rust-pyffi"  # workstation_rust's scratch venv and crate
UV_CACHE = "/home/esper/.cache/uv"
HEAD_START = "/home/esper/.cache/esper/torch-head-start"  # esper_venv's scratch venv for torch
SERVICES = "/opt/esper/services"  # the compose project directory (docker-compose.yml, .env)
WAIT_LIMIT = 1200.0  # seconds a case waits for its step to start
FINISHED = "(it had finished by then)"  # what run_and_kill reports when nothing matched any more

# Runs inside the container for the length of a case's run: watches /proc every 50 ms for a
# command line that matches argv[1] (up to argv[2] seconds), says "seen: ..." when one runs, then
# waits for the battery's "kill" line and SIGKILLs the process tree of the task doing the work
# (climb to the process docker exec started, then kill it and every descendant). Polling from
# inside costs no `docker exec` per look: under load one exec can take longer than a short
# step, which a poll from outside then misses. EOF on stdin (the battery gave up) ends it.
WATCH = r"""
import os, re, select, signal, sys, time
pattern, limit = re.compile(sys.argv[1]), float(sys.argv[2])
me = os.getpid()
def cmdline(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
def ppid(pid):
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0
def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]
def targets():
    return [p for p in pids() if p != me and pattern.search(cmdline(p))]
def stdin_closed(timeout):
    return bool(select.select([sys.stdin], [], [], timeout)[0]) and not sys.stdin.readline()
print("watching", flush=True)
start = time.monotonic()
while not (found := targets()):
    if time.monotonic() - start > limit:
        print("timeout", flush=True)
        sys.exit(3)
    if stdin_closed(0.05):
        sys.exit(4)
print("seen: " + " ".join(cmdline(p)[:60] for p in found[:3]), flush=True)
if sys.stdin.readline().strip() != "kill":
    sys.exit(4)
found = targets()
if not found:
    sys.exit(0)
what = " ".join(cmdline(p)[:60] for p in found[:3])
top = found[0]
while ppid(top) > 1:
    top = ppid(top)
children = {}
for p in pids():
    children.setdefault(ppid(p), []).append(p)
tree, todo = [], [top]
while todo:
    p = todo.pop()
    tree.append(p)
    todo.extend(children.get(p, []))
for p in tree:
    if p != me:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
print(what, flush=True)
"""


@dataclass
class Run:
    rc: int
    output: str
    seconds: float

    def recap(self, what: str) -> int:
        found = re.search(rf"^{re.escape(INSTANCE)}\s*:.*\b{what}=(\d+)", self.output, re.MULTILINE)
        return int(found.group(1)) if found else -1


@dataclass
class Case:
    name: str
    killed: str = ""
    recovery: str = ""
    third: str = ""
    ok: bool = False
    notes: list[str] = field(default_factory=list)


def in_container(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "exec", INSTANCE, *argv], capture_output=True, text=True, check=check
    )


def playbook(*args: str, playbook_path: Path = CONVERGE) -> subprocess.Popen[str]:
    # Plain text: the recap is read back (molecule's ANSIBLE_FORCE_COLOR would colour it).
    env = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
    return subprocess.Popen(
        [ANSIBLE_PLAYBOOK, "-i", str(INVENTORY), str(playbook_path), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def run(*args: str, playbook_path: Path = CONVERGE) -> Run:
    start = time.monotonic()
    proc = playbook(*args, playbook_path=playbook_path)
    out, _ = proc.communicate()
    return Run(proc.returncode, out, time.monotonic() - start)


def watch(pattern: str) -> subprocess.Popen[str]:
    """Start WATCH in the container; returns once it is looking."""
    watcher = subprocess.Popen(
        ["docker", "exec", "-i", INSTANCE, "python3", "-c", WATCH, pattern, f"{WAIT_LIMIT:g}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None
    ready = watcher.stdout.readline().strip()
    if ready != "watching":
        watcher.kill()
        raise AssertionError(f"the watcher for {pattern!r} did not start: {ready!r}")
    return watcher


def summary_of(out: str) -> str:
    """What a run that ended did: its recap and the tasks that changed something, then its tail."""
    recap = [line for line in out.splitlines() if line.startswith(f"{INSTANCE} ")]
    changed = re.findall(r"^TASK \[([^\]]*)\][^\n]*\n(?:[^\n]*\n)?changed:", out, re.MULTILINE)
    return "\n".join([*recap, f"tasks that changed: {changed}", out[-3000:]])


def run_and_kill(pattern: str, delay: float, *args: str) -> str:
    """Start a converge; when `pattern` runs in the container (plus `delay` s), SIGKILL it all."""
    watcher = watch(pattern)
    assert watcher.stdin is not None
    assert watcher.stdout is not None
    try:
        start = time.monotonic()
        proc = playbook(*args)
        with selectors.DefaultSelector() as selector:
            selector.register(watcher.stdout, selectors.EVENT_READ)
            while not selector.select(timeout=0.5):
                if proc.poll() is not None:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError(
                        f"the run ended (rc {proc.returncode}, {time.monotonic() - start:.0f} s)"
                        f" before {pattern!r} ran:\n{summary_of(out)}"
                    )
        seen = watcher.stdout.readline().strip()
        if not seen.startswith("seen: "):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(f"{pattern!r} was not seen within {WAIT_LIMIT:g} s: {seen!r}")
        time.sleep(delay)
        at = time.monotonic() - start
        os.killpg(proc.pid, signal.SIGKILL)
        watcher.stdin.write("kill\n")
        watcher.stdin.flush()
        killed, _ = watcher.communicate(timeout=120)
        proc.wait()
    finally:
        if watcher.poll() is None:
            watcher.kill()
    what = killed.strip() or FINISHED
    return f"{what} at {at:.0f} s"


def converge_after_kill(case: Case, repair_task: str = "") -> None:
    second = run()
    case.recovery = f"rc {second.rc}, changed={second.recap('changed')}, {second.seconds:.0f} s"
    if repair_task:
        repaired = re.search(
            rf"TASK \[[^]]*{re.escape(repair_task)}[^]]*\][^\n]*\n[^\n]*\nchanged:", second.output
        )
        case.recovery += f"; '{repair_task}' {'ran' if repaired else 'did not run'}"
    if second.rc != 0:
        case.notes.append(second.output[-4000:])
        return
    third = run()
    case.third = f"changed={third.recap('changed')}, {third.seconds:.0f} s"
    case.ok = third.rc == 0 and third.recap("changed") == 0
    if not case.ok:
        case.notes.append(third.output[-4000:])


def killed_in_dpkg(case: Case) -> None:
    # The first run on a fresh container: dpkg unpacking the build dependencies.
    # apt-get runs "/usr/bin/dpkg [--force-conf...] --status-fd N --no-triggers --unpack ..."
    case.killed = run_and_kill(r"^/usr/bin/dpkg .*--(unpack|configure)", 2.0)
    journal = in_container("find", "/var/lib/dpkg/updates", "-type", "f").stdout.split()
    audit = in_container("dpkg", "--audit", check=False).stdout.strip().splitlines()
    case.killed += f"; left {len(journal)} journal files, {len(audit)} --audit lines"
    converge_after_kill(case, repair_task="Configure what dpkg had unpacked")


def killed_in_torchs_head_start(case: Case) -> None:
    # A run that makes the venv first unpacks torch into uv's cache from a scratch venv, in a
    # background job, while the system roles run (esper_venv's tasks/torch_head_start.yml).
    # This case kills the run and that job's tree while its uv unpacks torch into a cold cache:
    # what uv left half-written in its cache must not break the next run's install.
    in_container("rm", "-rf", VENV, UV_CACHE, HEAD_START)
    case.killed = run_and_kill(rf"{HEAD_START}/venv/bin/uv pip install", 2.0)
    if in_container("test", "-e", f"{VENV}/.esper-installed", check=False).returncode == 0:
        case.notes.append("the venv's install record existed after the kill: the run was not cut")
        return
    case.killed += "; no install record left"
    converge_after_kill(case)


def killed_in_the_venv_install(case: Case) -> None:
    # uv (the role's default installer) unpacking torch and its dependencies into the venv, from
    # a cold uv cache: a warm one hard-links torch in seconds, over before the kill, so torch's
    # head start (which warms it) is off for this run.
    in_container("rm", "-rf", VENV, UV_CACHE)
    case.killed = run_and_kill(
        rf"{VENV}/bin/uv pip install", 3.0, "-e", "esper_venv_torch_head_start=false"
    )
    # The install record is written last, after every install: present, the kill came too late.
    # (Killing the run can end the task's processes before the tree is walked, so "finished by
    # then" alone does not tell.)
    if in_container("test", "-e", f"{VENV}/.esper-installed", check=False).returncode == 0:
        case.notes.append("the venv's install record existed after the kill: no install was cut")
        return
    case.killed += "; no install record left"
    converge_after_kill(case)


def killed_in_the_background_rust_build(case: Case) -> None:
    # setup.yml runs workstation_rust's build job (scratch venv, maturin and cffi, `maturin
    # develop`, the import) in the background while the later roles run. A kill of the run leaves
    # that job going; this case kills both: the run, and the job's tree while maturin builds.
    # The next run's probe finds no module that imports and builds again under the job's lock.
    in_container("rm", "-rf", f"{PYFFI}/venv")
    case.killed = run_and_kill(r"maturin develop", 0.0)
    imported = in_container(
        f"{PYFFI}/venv/bin/python", "-c", "import esper_rust_ffi", check=False
    ).returncode
    if imported == 0:
        case.notes.append("the module imported after the kill: no build was cut")
        return
    case.killed += "; the module does not import"
    converge_after_kill(case)


def created_not_started_ids() -> list[str]:
    """Containers of the esper project that exist but never started."""
    return in_container(
        "docker",
        "ps",
        "-aq",
        "--filter",
        "label=com.docker.compose.project=esper",
        "--filter",
        "status=created",
    ).stdout.split()


def created_not_started() -> int:
    return len(created_not_started_ids())


def settled_created_not_started(quiet: float = 5.0, limit: float = 30.0) -> list[str]:
    """created_not_started_ids() once it has stopped changing for `quiet` seconds.

    Killing compose kills the client, not what it already asked of the engine: a start request
    in flight is finished by the engine after the kill (seen on CI: a container read as created,
    not started, right after the kill was running a moment later, started by nobody after).
    Such a container got its secrets before the start was asked for, so only what is still
    created once the engine is quiet is what the next run must replace.
    """
    start = time.monotonic()
    seen, since = created_not_started_ids(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() - start < limit:
        time.sleep(1.0)
        now = created_not_started_ids()
        if now != seen:
            seen, since = now, time.monotonic()
    return seen


def still_there(ids: list[str]) -> list[str]:
    """Those of the container ids that still exist."""
    return [i for i in ids if in_container("docker", "inspect", i, check=False).returncode == 0]


def killed_in_compose_up(case: Case) -> None:
    compose = ["docker", "compose", "--project-name", "esper", "--project-directory", SERVICES]
    in_container(*compose, "down")
    case.killed = run_and_kill(r"docker.* compose .*\bup\b", 0.0)
    created = len(settled_created_not_started())
    if created:
        case.killed += f"; it left {created} containers created, not started"
    else:
        # The engine had finished what compose asked before the kill: leave the state a kill a
        # moment earlier leaves (containers created, never started) with `compose create`.
        in_container(*compose, "down")
        in_container(*compose, "create")
        case.killed += f"; nothing left half-done, so `compose create` left {created_not_started()} created, not started"
    # compose copies the secrets into a container between creating and starting it, so a kill
    # can leave one without them: the next run must not start such a container, but replace it.
    left = settled_created_not_started()
    converge_after_kill(case)
    if case.ok and created_not_started():
        case.ok = False
        case.notes.append("containers are still created, not started, after the runs")
    reused = still_there(left)
    if case.ok and reused:
        case.ok = False
        case.notes.append(f"the next run started containers the kill left created: {reused}")


LOCK_HOLDER = (
    "import fcntl, time\n"
    "files = [open(p, 'w') for p in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock',"
    " '/var/lib/apt/lists/lock')]\n"
    "[fcntl.lockf(f, fcntl.LOCK_EX) for f in files]\n"
    "time.sleep(600)  # esper-lock-holder\n"
)
# A build dependency nothing else depends on: dpkg --remove refuses one that another needs.
LOCK_CASE_PACKAGE = "libxslt1-dev"


@contextmanager
def dpkg_locks_held() -> Iterator[None]:
    """The dpkg and apt-lists locks held by a python3 process, as a stuck apt would hold them."""
    subprocess.run(["docker", "exec", "-d", INSTANCE, "python3", "-c", LOCK_HOLDER], check=True)
    time.sleep(2)
    try:
        yield
    finally:
        in_container("pkill", "-9", "-f", "esper-lock-holder", check=False)


def lock_held_past_the_timeout(case: Case) -> None:
    # A converged host's apt check reads dpkg's list and takes no lock: it converges beside a
    # held lock. A host with a package to install runs apt, waits lock_timeout, and fails
    # naming the holder; once the lock is free, the next run installs it.
    packages = ("--tags", "packages", "-e", "workstation_packages_lock_timeout=5")
    with dpkg_locks_held():
        converged = run(*packages)
    if failed(case, converged):
        return
    in_container("dpkg", "--remove", LOCK_CASE_PACKAGE)
    with dpkg_locks_held():
        held = run(*packages)
    case.killed = (
        f"converged host beside the held lock: changed={converged.recap('changed')},"
        f" {converged.seconds:.0f} s; {LOCK_CASE_PACKAGE} removed, lock held by a python3"
        f" process: run failed after {held.seconds:.0f} s (rc {held.rc})"
    )
    named = held.rc != 0 and re.search(r"held by PID \d+ \(python3\)", held.output) is not None
    if converged.recap("changed") != 0 or not named:
        case.notes.append(held.output[-4000:])
        return
    repaired = run()
    if failed(case, repaired):
        return
    case.recovery = (
        "the message names the holder: "
        + re.findall(r"held by PID \d+ \(python3\)", held.output)[0]
        + f"; the next run installed {LOCK_CASE_PACKAGE}: changed={repaired.recap('changed')}"
    )
    case.ok = settled(case)


def failed(case: Case, result: Run) -> bool:
    """True (with the run's output noted) when a step the case depends on failed."""
    if result.rc != 0:
        case.notes.append(result.output[-4000:])
    return result.rc != 0


def settled(case: Case) -> bool:
    """One more run: it must succeed and change nothing (the table's third column)."""
    third = run()
    case.third = f"changed={third.recap('changed')}, {third.seconds:.0f} s"
    return third.rc == 0 and third.recap("changed") == 0


def data_across_an_image_change(case: Case) -> None:
    if failed(case, run(playbook_path=WRITE_DATA)):
        return
    renamed = {
        "esper_services_redis_image": ("esper-test/redis:7.2", "esper-test/redis:7.2-next"),
        "esper_services_postgres_image": ("esper-test/postgres:16", "esper-test/postgres:16-next"),
    }
    extra: list[str] = []
    for var, (old, new) in renamed.items():
        in_container("docker", "tag", old, new)
        extra += ["-e", f"{var}={new}"]
    changed = run(*extra)
    case.killed = (
        f"images changed (redis, postgres): rc {changed.rc}, changed={changed.recap('changed')}"
    )
    if failed(case, changed):
        return
    back = run()
    case.recovery = f"images back: rc {back.rc}, {back.seconds:.0f} s"
    case.ok = not failed(case, back) and settled(case)
    # tests/test_data.py (verify) reads the token back from every service.


PRE_SECRETS_COMPOSE = HERE / "files" / "docker-compose.pre-secrets.yml"


def secrets_upgrade_keeps_passwords_and_data(case: Case) -> None:
    """A workstation provisioned before the compose secrets (passwords in the environment and
    on the command line) is upgraded in place: same .env passwords, data kept, doctor green."""
    before = run("-e", f"esper_services_compose_file={PRE_SECRETS_COMPOSE}")
    if failed(case, before) or failed(case, run(playbook_path=WRITE_DATA)):
        return
    case.killed = (
        f"stack on the pre-secrets compose file, data written: changed={before.recap('changed')}"
    )
    upgraded = run()
    case.recovery = (
        f"upgraded: rc {upgraded.rc}, changed={upgraded.recap('changed')}, "
        f"{upgraded.seconds:.0f} s (esper doctor green with the same .env)"
    )
    case.ok = not failed(case, upgraded) and settled(case)
    # tests/test_data.py (verify) reads the token back from every service.


CASES: list[tuple[str, Callable[[Case], None]]] = [
    ("killed in dpkg", killed_in_dpkg),
    ("killed in torch's head start", killed_in_torchs_head_start),
    ("killed in the venv install", killed_in_the_venv_install),
    ("killed in the background Rust build", killed_in_the_background_rust_build),
    ("killed in compose up", killed_in_compose_up),
    ("lock held past lock_timeout", lock_held_past_the_timeout),
    ("data across an image change", data_across_an_image_change),
    ("secrets upgrade keeps passwords and data", secrets_upgrade_keeps_passwords_and_data),
]


def main() -> int:
    cases = []
    for name, body in CASES:
        case = Case(name)
        start = time.monotonic()
        try:
            body(case)
        except (AssertionError, subprocess.CalledProcessError) as error:
            case.notes.append(str(error))
        print(
            f"[battery] {name}: {'ok' if case.ok else 'FAILED'} in {time.monotonic() - start:.0f} s",
            flush=True,
        )
        cases.append(case)
        if not case.ok:
            break  # the later cases start from a converged host
    print("\n| case | killed / fault | next run | third run | result |")
    print("|---|---|---|---|---|")
    for case in cases:
        print(
            f"| {case.name} | {case.killed} | {case.recovery} | {case.third} | {'ok' if case.ok else 'FAILED'} |"
        )
    for case in cases:
        for note in case.notes:
            print(f"\n--- {case.name} ---\n{note}")
    passed = sum(case.ok for case in cases)
    failed = len(cases) - passed
    not_run = len(CASES) - len(cases)  # after a failed case the rest do not run
    print(f"\ncrash battery: {passed} passed, {failed} failed, {not_run} not run")
    return 0 if failed == 0 and not_run == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
