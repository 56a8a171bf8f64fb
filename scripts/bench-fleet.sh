#!/usr/bin/env bash
# The fleet benchmark (issue 9): what one control node costs per host, measured on the
# `fleet` scenario's containers (molecule/fleet: Mint 22.1 and Ubuntu 24.04 hosts over SSH,
# the shared apt cache, the synced wheelhouse). Not part of scripts/test.sh's pass/fail.
# Needs the test images, the wheel cache and the project venv, as scripts/bench.sh does, and
# the fleet's disk (~10 GB per host); run it alone on the machine.
#
#   scripts/bench-fleet.sh
#
# Two fleets, each new (fresh containers, an empty apt cache), one after the other:
#   one host   playbooks/wheelhouse.yml and playbooks/fleet.yml limited to esper-fleet-mint-a
#   N hosts    the same on every host of the scenario (N = 4)
# For each: fleet.yml's wall time on the first run and on the converged re-run (from the
# esper_report JSON: started..finished), and the bytes apt fetched upstream through the cache.
# The ratios N vs one are the figures; the last lines are `name: value` pairs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH" PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
export ESPER_TEST_IMAGES=${ESPER_TEST_IMAGES:-build} MOLECULE_CGROUP_MODE=${MOLECULE_CGROUP_MODE:-ro}
ONE_HOST=esper-fleet-mint-a
OUT=$ROOT/.cache/bench-fleet
mkdir -p "$OUT"
. "$ROOT/scripts/lib/engine-lock.sh"
hold_engine_lock
[ -e .cache/esper-test ] || ln -s "${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation}" .cache/esper-test

say() { printf '[bench-fleet] %s\n' "$*" >&2; }
molecule_step() { # molecule_step LOG STEP: one molecule step of the fleet scenario, logged
  local log=$1 step=$2
  molecule "$step" -s fleet >"$OUT/$log.log" 2>&1 || {
    say "molecule $step failed: see $OUT/$log.log"
    tail -30 "$OUT/$log.log" >&2
    exit 1
  }
}
trap 'molecule destroy -s fleet >/dev/null 2>&1 || true' EXIT

run_fleet() { # run_fleet NAME [LIMIT]: a new fleet, its first run and its converged re-run
  local name=$1
  export ESPER_FLEET_LIMIT=${2:-}
  say "$name: a new fleet (create, prepare: containers, sshd, the empty apt cache)"
  molecule destroy -s fleet >/dev/null 2>&1 || true
  touch "$OUT/started"
  molecule_step "$name-create" create
  molecule_step "$name-prepare" prepare
  say "$name: first run (wheelhouse.yml, fleet.yml)"
  molecule_step "$name-first" converge
  local dir # molecule's ephemeral directory of the scenario: the newest one written since the start
  dir=$(ls -dt "$HOME"/.ansible/tmp/molecule.*.fleet "$HOME"/.cache/molecule/*/fleet 2>/dev/null | head -1 || true)
  [ -f "$dir/reports/fleet/latest.json" ] || { say "no fleet report in molecule's directory (${dir:-none found})"; exit 1; }
  cp "$dir/reports/fleet/latest.json" "$OUT/$name-first.json"
  cp "$dir/reports/apt-cache-bytes.json" "$OUT/$name-bytes.json"
  say "$name: converged re-run"
  molecule_step "$name-converged" converge
  cp "$dir/reports/fleet/latest.json" "$OUT/$name-converged.json"
  molecule destroy -s fleet >/dev/null 2>&1 || true
  unset ESPER_FLEET_LIMIT
}

run_fleet one "$ONE_HOST"
run_fleet fleet

python3 - "$OUT" <<'PY'
import json, sys
from datetime import datetime
out = sys.argv[1]

def load(name):
    with open(f"{out}/{name}.json") as f:
        return json.load(f)

def wall(name):
    r = load(name)
    return (datetime.fromisoformat(r["finished"]) - datetime.fromisoformat(r["started"])).total_seconds()

fig = {
    "fleet_hosts": len(load("fleet-first")["hosts"]),
    "one_first_s": round(wall("one-first"), 1),
    "fleet_first_s": round(wall("fleet-first"), 1),
    "one_converged_s": round(wall("one-converged"), 1),
    "fleet_converged_s": round(wall("fleet-converged"), 1),
    "one_upstream_bytes": load("one-bytes")["upstream_bytes"],
    "fleet_upstream_bytes": load("fleet-bytes")["upstream_bytes"],
}
fig["fleet_wall_vs_one"] = round(fig["fleet_first_s"] / fig["one_first_s"], 2)
fig["fleet_converged_wall_vs_one"] = round(fig["fleet_converged_s"] / fig["one_converged_s"], 2)
fig["fleet_bytes_vs_one"] = round(fig["fleet_upstream_bytes"] / fig["one_upstream_bytes"], 3)
for name in ("fleet-first", "fleet-converged"):
    per_host = {h: round(v["duration_s"], 1) for h, v in load(name)["hosts"].items()}
    print(f"# {name}: per-host durations {per_host}")
print(f"# apt bytes served per host in the {fig['fleet_hosts']}-host fleet: {load('fleet-bytes')['served_bytes']}")
for key, value in fig.items():
    print(f"{key}: {value}")
PY
