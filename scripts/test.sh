#!/usr/bin/env bash
# The project's one test command (README, .ci/run and hosted CI all call this).
#
# Stages, all run even when one fails, each reported:
#   lint      ruff check, ruff format --check, mypy --strict, yamllint, ansible-lint (production),
#             ansible-playbook --syntax-check
#   pytest    the library, `esper doctor` against live servers, the roles' bad-input cases
#   molecule  the roles converged in systemd containers (needs a Docker engine)
# ESPER_TEST_STAGES="lint pytest" picks stages. The last line is
# `summary: N passed, N failed, N skipped`, where each lint check and each molecule scenario
# counts as one and pytest's tests count one each.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# No colour codes: the molecule scenarios go to log files, and their side effects read Ansible's
# recap lines back (molecule turns ANSIBLE_FORCE_COLOR on, which beats ANSIBLE_NOCOLOR).
export PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
started=$(date +%s)

stages=${ESPER_TEST_STAGES:-lint pytest molecule}
passed=0
failed=0
skipped=0
failures=()
timings=()

banner() { printf '\n======== %s ========\n' "$*"; }
loud_skip() {
  printf '\n!!!!!!!! SKIPPED: %s !!!!!!!!\n' "$*"
  skipped=$((skipped + 1))
}

check() { # check NAME COMMAND...: one pass/fail entry
  local name=$1
  shift
  banner "$name"
  local t0=$SECONDS rc=0
  "$@" || rc=$?
  timings+=("$(printf '%5d s  %s' $((SECONDS - t0)) "$name")")
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
  return "$rc"
}

scripts/test-deps.sh
scripts/dev-env.sh || {
  echo "test.sh: could not build the project venv" >&2
  echo "summary: 0 passed, 1 failed"
  exit 1
}
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg"
. "$root/scripts/lib/engine-lock.sh"
. "$root/scripts/lib/fleet-fits.sh"

stage_lint() {
  check "ruff check" ruff check .
  check "ruff format --check" ruff format --check .
  check "mypy --strict" mypy --strict src roles/esper_venv/files roles/esper_services/library roles/workstation_packages/files molecule/crash molecule/fleet/files plugins/callback scripts/lib/task_costs.py
  check "yamllint" yamllint --strict .
  check "ansible-lint (production)" ansible-lint --profile production
  check "role READMEs (scripts/role-docs.py --check)" python scripts/role-docs.py --check
  check "ansible-playbook --syntax-check" ansible-playbook setup.yml --syntax-check
}

stage_pytest() {
  banner "pytest"
  local t0=$SECONDS junit
  junit=$(mktemp)
  pytest --junitxml="$junit"
  local rc=$?
  if [ -s "$junit" ]; then
    read -r p f s < <(python - "$junit" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skip = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - bad - skip, bad, skip)
PY
    )
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
  fi
  if [ "$rc" -ne 0 ]; then
    failures+=("pytest (exit $rc)")
    [ -s "$junit" ] || failed=$((failed + 1))
  fi
  rm -f "$junit"
  timings+=("$(printf '%5d s  %s' $((SECONDS - t0)) "pytest")")
}

# Test images: pulled where a registry answers (the default on a workstation with Docker Hub),
# built locally with debootstrap where none does (air-gapped hosts, this project's CI, which
# sets ESPER_TEST_IMAGES=build). ESPER_TEST_IMAGES=pull|build forces one.
choose_test_images() {
  local probe=${MOLECULE_DEBIAN13_IMAGE:-geerlingguy/docker-debian13-ansible:latest}
  if [ "${ESPER_TEST_IMAGES:-auto}" = auto ]; then
    if timeout 300 docker pull -q "$probe" >/dev/null 2>&1; then
      ESPER_TEST_IMAGES=pull
    else
      ESPER_TEST_IMAGES=build
      echo "test.sh: no registry answered 'docker pull $probe': building the test images locally"
    fi
  fi
  export ESPER_TEST_IMAGES
  # Ubuntu 24.04 and Mint 22.1 images are built from an Ubuntu archive: the standard one when it
  # answers (ESPER_UBUNTU_MIRROR overrides).
  if [ "$ESPER_TEST_IMAGES" = build ] && [ -z "${ESPER_UBUNTU_MIRROR:-}" ]; then
    local ubuntu=http://archive.ubuntu.com/ubuntu
    if python - "$ubuntu/dists/noble/Release" <<'PY'
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=20) as reply:
    sys.exit(0 if b"Codename: noble" in reply.read(4096) else 1)
PY
    then
      export ESPER_UBUNTU_MIRROR=$ubuntu
      echo "test.sh: the Ubuntu archive answers ($ubuntu): Ubuntu 24.04 and Mint 22.1 images are built"
    else
      echo "test.sh: the Ubuntu archive ($ubuntu) does not answer: the Ubuntu 24.04 and Mint 22.1 scenarios will be skipped"
    fi
  fi
  if [ "$ESPER_TEST_IMAGES" = pull ]; then
    export MOLECULE_DEBIAN12_IMAGE=${MOLECULE_DEBIAN12_IMAGE:-geerlingguy/docker-debian12-ansible:latest}
    export MOLECULE_DEBIAN13_IMAGE=$probe
    export MOLECULE_UBUNTU2404_IMAGE=${MOLECULE_UBUNTU2404_IMAGE:-geerlingguy/docker-ubuntu2404-ansible:latest}
  fi
  # systemd in the test containers needs the host's cgroup tree: read-only on cgroup v1,
  # writable on cgroup v2 (Ubuntu 24.04 / Mint 22).
  if [ -z "${MOLECULE_CGROUP_MODE:-}" ]; then
    if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
      export MOLECULE_CGROUP_MODE=rw
    else
      export MOLECULE_CGROUP_MODE=ro
    fi
  fi
  echo "test.sh: test images: $ESPER_TEST_IMAGES; cgroup mount: $MOLECULE_CGROUP_MODE"
}

stage_molecule() {
  if ! docker info >/dev/null 2>&1; then
    if [ "${ESPER_TEST_REQUIRE_DOCKER:-0}" = 1 ]; then
      banner "molecule"
      echo "test.sh: no Docker engine answers 'docker info' and ESPER_TEST_REQUIRE_DOCKER=1 (CI): failing"
      failed=$((failed + 1))
      failures+=("molecule (no Docker engine)")
    else
      loud_skip "molecule: no Docker engine answers 'docker info' (start one, or run .ci/run which starts it)"
    fi
    return
  fi
  if ! hold_engine_lock; then
    failed=$((failed + 1))
    failures+=("molecule (the test containers stayed in use by another run)")
    return
  fi
  choose_test_images
  check "test images" scripts/build-images.sh || return
  check "wheel cache" scripts/fetch-wheels.sh || return
  # The crash battery and Debian first (their images need no Ubuntu archive), then the README's
  # command on Mint (laptop), then, alone, the SSH fleet (Mint 22.1 and Ubuntu 24.04 hosts: the
  # Ubuntu and Mint platform proof). The single-host ubuntu2404 and mint22.1 scenarios
  # are there for developers (ESPER_MOLECULE_SCENARIOS picks scenarios). ESPER_MOLECULE_JOBS
  # (default 2) run at once, each into its own log, printed when it ends (whole when it
  # failed, its last lines when it passed).
  local scenario ubuntu=false logs="$root/.cache/test-logs" jobs=${ESPER_MOLECULE_JOBS:-2}
  local -A pids=() started=()
  if [ -n "${ESPER_UBUNTU_MIRROR:-}" ] || [ "$ESPER_TEST_IMAGES" = pull ]; then ubuntu=true; fi
  mkdir -p "$logs"
  finish_one() { # wait for one scenario job and account for it
    local pid done_scenario rc=0
    wait -n -p pid "${pids[@]}" || rc=$?
    for done_scenario in "${!pids[@]}"; do [ "${pids[$done_scenario]}" = "$pid" ] && break; done
    unset "pids[$done_scenario]"
    banner "molecule test -s $done_scenario (exit $rc, $((SECONDS - started[$done_scenario])) s)"
    if [ "$rc" -eq 0 ]; then
      tail -n 40 "$logs/molecule-$done_scenario.log"
      passed=$((passed + 1))
    else
      cat "$logs/molecule-$done_scenario.log"
      failed=$((failed + 1))
      failures+=("molecule test -s $done_scenario")
    fi
    timings+=("$(printf '%5d s  %s' $((SECONDS - started[$done_scenario])) "molecule test -s $done_scenario")")
  }
  for scenario in ${ESPER_MOLECULE_SCENARIOS:-crash debian13 debian12 laptop fleet}; do
    case $scenario in
    ubuntu2404 | mint22.1 | laptop | fleet)
      if ! "$ubuntu"; then
        loud_skip "molecule test -s $scenario: no Ubuntu archive answered and ESPER_UBUNTU_MIRROR is not set (a mirror URL builds the Ubuntu 24.04 and Mint 22.1 images; ESPER_TEST_IMAGES=pull uses a registry's)"
        continue
      fi
      ;;
    esac
    if [ "$scenario" = fleet ]; then
      # The fleet runs alone, when the disk has room and the time limit has time for it.
      while [ "${#pids[@]}" -gt 0 ]; do finish_one; done
      local free_gb
      free_gb=$(df -P --block-size=1G "$(docker info -f '{{.DockerRootDir}}' 2>/dev/null || echo /)" | awk 'NR==2 {print $4}')
      local why
      if ! why=$(fleet_fits "${free_gb:-0}" "$SECONDS"); then
        loud_skip "$why; Ubuntu 24.04 is proven by the single-host ubuntu2404 scenario instead"
        scenario=ubuntu2404
      else
        echo "test.sh: $why"
      fi
    fi
    while [ "${#pids[@]}" -ge "$jobs" ]; do finish_one; done
    echo "test.sh: starting molecule test -s $scenario (log: $logs/molecule-$scenario.log)"
    started[$scenario]=$SECONDS
    molecule test -s "$scenario" >"$logs/molecule-$scenario.log" 2>&1 &
    pids[$scenario]=$!
  done
  while [ "${#pids[@]}" -gt 0 ]; do finish_one; done
}

for stage in $stages; do
  case $stage in
  lint) stage_lint ;;
  pytest) stage_pytest ;;
  molecule) stage_molecule ;;
  *)
    echo "test.sh: unknown stage '$stage' (lint, pytest, molecule)" >&2
    failed=$((failed + 1))
    ;;
  esac
done

# A CI page may keep only the head and tail of this output: repeat, for each failed scenario, the
# lines that say what failed, so the tail alone tells.
digest() {
  local log
  for log in "$@"; do
    banner "what failed in ${log##*/}"
    grep -n -E 'fatal:|FAILED!|failed=[1-9]|unreachable=[1-9]|^E  |AssertionError|CRITICAL|ERROR' "$log" |
      grep -v "glob failed" | tail -n 40
    # The crash battery's own account: a row per case, then the failed case's notes.
    if grep -q '^crash battery: ' "$log"; then
      banner "the crash battery in ${log##*/}"
      sed -n '/^| case | killed/,/^crash battery: /p' "$log" | head -n 150
    fi
  done
}
failed_logs=()
for name in "${failures[@]}"; do
  case $name in "molecule test -s "*) failed_logs+=("$root/.cache/test-logs/molecule-${name#molecule test -s }.log") ;; esac
done
[ "${#failed_logs[@]}" -eq 0 ] || digest "${failed_logs[@]}"

banner "result"
printf '%s\n' "${timings[@]}"
echo "test.sh: finished in $(($(date +%s) - started)) s"
for name in "${failures[@]}"; do echo "FAILED: $name"; done
echo "summary: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
