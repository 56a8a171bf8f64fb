#!/usr/bin/env bash
# Speed of a workstation run, measured on Linux Mint 22.1 test containers (issue 11): not part of
# the pass/fail of scripts/test.sh. Needs the test images and the wheel cache (scripts/test.sh or
# scripts/build-images.sh + scripts/fetch-wheels.sh) and the project venv (scripts/dev-env.sh).
#
#   scripts/bench.sh
#
# On one container of esper-test/mint22.1, provisioned by the `laptop` scenario (the README's
# command, the local connection, the user's sudo password):
#   (a) facts_s       a play that only gathers facts (the floor of any run)
#   (b) converged_s   ./scripts/bootstrap.sh on the converged machine
#   (c) check_s       ./scripts/bootstrap.sh --check on the converged machine
#   (g) task_floor_s  seconds per task of a play of 100 `stat` tasks under become (sudo with
#                     the password), without and with Mitogen: what each task of (b) costs at least;
#                     and the same play without become (task_floor_nobecome_s): a task run as
#                     the user, the module's own round trip with no sudo
#   (f) mitogen_converged_s  (b) again with ESPER_MITOGEN=1 (Mitogen's mitogen_linear strategy,
#                     from the tooling lock; an opt-in lever, reported "failed" if it fails)
# On a new container of the same image each:
#   (d) fresh_s       ./scripts/bootstrap.sh --skip-tags docker,services (no doctor): packages,
#                     Python, distro Rust, the venv with torch and the lock
#   (e) seed_shell_s  the same end state by hand, as seed 001's shell steps do it: its apt list,
#                     python3.12 -m venv, pip install --upgrade pip setuptools wheel, then torch
#                     and the lock through pip (same index and wheel cache as the role)
#   (h) mitogen_fresh_s  (d) again with ESPER_MITOGEN=1
#   (i) fresh_apt_per_role_s  (d) again with each system role's own apt transaction
#                     (-e '{"workstation_packages_batch": []}', the run before that lever); and
#                     converged_apt_per_role_s: (b) the same way on the converged machine
#   (j) fresh_rust_inline_s  (d) again with the Rust-Python build waited for inside
#                     workstation_rust (-e workstation_rust_verify_python_async=false, the run
#                     before that build ran beside the later roles)
#   (k) fresh_no_head_start_s  (d) again without torch's head start
#                     (-e esper_venv_torch_head_start=false: torch unpacked only in esper_venv)
#   (l) converged_own_lookups_s  (b) again with each role looking its user up itself
#                     (-e '{"esper_passwd_read": []}': the run before the preflight's lookup was shared)
# ESPER_BENCH_ONLY=converged stops after the converged-host figures ((a), (b), (c), (g), (i), (f),
# (l)): about ten minutes, for a lever of the converged run; the fresh provisions are reported "-".
# ESPER_BENCH_ONLY=fresh measures (d) and (e) only, for a lever of the fresh provision (about six
# minutes a round; the converged figures are reported "-"); it reuses the offline settings an
# earlier bench.sh run wrote ($OUT/offline.yml).
# ESPER_BENCH_ROUNDS=N (default 1) runs (d) and (e) N times, alternately, each on a new container:
# both vary from run to run (the seed's torch through pip took 79-133 s here), so their ratio is
# that of the means over the rounds; each round's figures are printed too.
# with the ratios, the ten slowest tasks and roles of (b) and (d) (profile_tasks, profile_roles), every
# task of (b), (f) and (d) split into host round trips and controller-only tasks (scripts/lib/task_costs.py),
# and last the figures as `name: value` lines. Results belong in docs/performance.md with the machine they came from.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg" PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
export ESPER_TEST_IMAGES=${ESPER_TEST_IMAGES:-build} MOLECULE_CGROUP_MODE=${MOLECULE_CGROUP_MODE:-ro}
# Paths inside the laptop scenario's container (molecule/laptop: its user and checkout), not on
# this machine.
CT=esper-laptop
CT_USER=esper
CT_HOME=/home/$CT_USER
CHECKOUT=$CT_HOME/esper-workstation
PASSWORD="correct horse battery staple" # molecule/laptop/molecule.yml
OUT=$ROOT/.cache/bench
FLOOR_TASKS=100
# The settings are checked before anything is written or locked.
only=${ESPER_BENCH_ONLY:-}
case $only in
"" | converged | fresh) ;;
*) echo "bench.sh: ESPER_BENCH_ONLY is converged, fresh or unset, not '$only'" >&2; exit 2 ;;
esac
rounds=${ESPER_BENCH_ROUNDS:-1}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: ESPER_BENCH_ROUNDS is a whole number >= 1, not '$rounds'" >&2; exit 2; }
mkdir -p "$OUT"
[ "$only" != fresh ] || [ -s "$OUT/offline.yml" ] || {
  echo "bench.sh: ESPER_BENCH_ONLY=fresh reuses $OUT/offline.yml, which an earlier full or converged-only run writes: run one first" >&2
  exit 2
}
# The containers mount the wheel cache from the checkout (.cache/esper-test, a link that
# fetch-wheels.sh makes): without it every container creation fails.
[ -d "$ROOT/.cache/esper-test/wheels" ] || {
  echo "bench.sh: no wheel cache in $ROOT/.cache/esper-test: run scripts/fetch-wheels.sh (and scripts/build-images.sh) first" >&2
  exit 1
}
. "$ROOT/scripts/lib/engine-lock.sh"
hold_engine_lock

say() { printf '[bench] %s\n' "$*" >&2; }
now() { date +%s.%N; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
ratio() { # "-" when either figure was not measured (a skipped step, a failed run)
  case "$1/$2" in *-* | *failed*) echo - ;; *) python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2" ;; esac
}
# profile_roles beside the project's callbacks (ansible.cfg): the per-role top 10.
CALLBACKS=ansible.posix.profile_tasks,ansible.posix.profile_roles,esper_report
as_user() { docker exec -i -u "$CT_USER" -w "$CHECKOUT" -e HOME="$CT_HOME" -e ANSIBLE_CALLBACKS_ENABLED="$CALLBACKS" "$CT" "$@"; }
timed() { # timed NAME CMD...: run, log to $OUT/NAME.log, print the seconds
  local name=$1 t0 t1
  shift
  t0=$(now)
  "$@" >"$OUT/$name.log" 2>&1 || { say "$name failed: see $OUT/$name.log"; tail -20 "$OUT/$name.log" >&2; exit 1; }
  t1=$(now)
  seconds "$t0" "$t1"
}
# ./scripts/bootstrap.sh as the laptop user with the offline settings, the sudo password typed on
# stdin as the README has it: bootstrap ENV [ARGS...], ENV "" or ESPER_MITOGEN=1.
bootstrap() {
  local env=$1
  shift
  as_user env ${env:+"$env"} sh -c 'pw=$1; shift; printf "%s\n" "$pw" | ./scripts/bootstrap.sh "$@"' sh \
    "$PASSWORD" -e "@$CT_HOME/offline.yml" "$@"
}
# (d) and its variants: no Docker, services or doctor (the areas of the seed's shell steps).
FRESH=(--skip-tags docker,services -e esper_venv_doctor=false)
recap_changed() { grep -Eo 'localhost +: ok=[0-9]+ +changed=[0-9]+' "$OUT/$1.log" | tail -1 | sed 's/.*changed=//'; }
top10() { sed -n '/^TASKS RECAP/,/^ROLES RECAP/p' "$OUT/$1.log" | grep -E -- '-+ [0-9.]+s$' | head -10; }
top10_roles() { sed -n '/^ROLES RECAP/,/^~~~/p' "$OUT/$1.log" | grep -E -- '-+ [0-9.]+s$' | head -10; }
fresh_container() {
  local step
  molecule destroy -s laptop >/dev/null 2>&1 || true
  for step in create prepare; do
    molecule "$step" -s laptop >"$OUT/$step.log" 2>&1 || {
      say "molecule $step -s laptop failed: see $OUT/$step.log"
      grep -E 'msg:|fatal:|ERROR' "$OUT/$step.log" | tail -5 >&2
      exit 1
    }
  done
}
# A new container with the first converge's offline.yml, for each fresh provision.
fresh_container_offline() {
  fresh_container
  docker cp "$OUT/offline.yml" "$CT:$CT_HOME/offline.yml"
  docker exec "$CT" chown "$CT_USER:$CT_USER" "$CT_HOME/offline.yml"
}
# An earlier run's logs would be read as this run's: only offline.yml is kept.
rm -f "$OUT"/*.log "$OUT"/*.tsv
trap 'molecule destroy -s laptop >/dev/null 2>&1 || true' EXIT

facts=- converged=- check=- floor=- floor_mitogen=- floor_nobecome=- converged_tasks=- converged_per_role=-
mitogen=- converged_own_lookups=- converged_again=-
if [ "$only" != fresh ]; then
say "provisioning a Mint 22.1 container with the laptop scenario (create, prepare, converge)"
fresh_container
molecule converge -s laptop >"$OUT/converge.log" 2>&1
docker cp "$CT:$CT_HOME/offline.yml" "$OUT/offline.yml"
as_user sh -c "printf -- '- hosts: workstations\\n  gather_facts: true\\n  tasks: []\\n' > $CT_HOME/facts.yml"

say "(a) facts only"
facts=$(timed facts as_user .venv/bin/ansible-playbook $CT_HOME/facts.yml --flush-cache)
say "(b) converged run"
converged=$(timed converged bootstrap "")
say "(c) --check on the converged machine"
check=$(timed check bootstrap "" --check)

say "(g) the per-task floor: $FLOOR_TASKS stat tasks under become, without and with Mitogen"
as_user sh -c "umask 077 && printf '%s\n' '$PASSWORD' > $CT_HOME/.bench-become"
as_user sh -c "{ printf -- '- hosts: workstations\n  gather_facts: false\n  become: true\n  tasks:\n'
  for i in \$(seq $FLOOR_TASKS); do printf -- '    - ansible.builtin.stat: {path: /etc/hostname}\n'; done; } > $CT_HOME/floor.yml"
floor=$(timed floor as_user .venv/bin/ansible-playbook $CT_HOME/floor.yml --become-password-file $CT_HOME/.bench-become)
floor_mitogen=$(timed floor-mitogen as_user sh -c "ANSIBLE_STRATEGY_PLUGINS=\$(.venv/bin/python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__) + \"/plugins/strategy\")') \
  ANSIBLE_STRATEGY=mitogen_linear .venv/bin/ansible-playbook $CT_HOME/floor.yml --become-password-file $CT_HOME/.bench-become" || echo failed)
floor_nobecome=$(timed floor-nobecome as_user .venv/bin/ansible-playbook $CT_HOME/floor.yml -e ansible_become=false)
as_user rm -f $CT_HOME/.bench-become
# The converged run's tasks that ran a module (ok); skipped ones cost next to nothing.
converged_tasks=$(grep -Eo 'localhost +: ok=[0-9]+' "$OUT/converged.log" | tail -1 | sed 's/.*ok=//')

say "(i) converged run with each role's own apt task (no batch: the run before one transaction)"
converged_per_role=$(timed converged-apt-per-role bootstrap "" -e '{"workstation_packages_batch": []}')

say "(f) converged run with Mitogen's strategy (ESPER_MITOGEN=1, the opt-in of bootstrap.sh)"
mitogen=$(timed mitogen bootstrap ESPER_MITOGEN=1 || echo failed)
if [ "$mitogen" != failed ] && [ "$(recap_changed mitogen 2>/dev/null)" != 0 ]; then
  say "(f) Mitogen's run did not end changed=0: see $OUT/mitogen.log"
  mitogen=failed
fi

say "(l) converged run with each role's own lookup of its user (no shared lookup)"
converged_own_lookups=$(timed converged-own-lookups bootstrap "" -e '{"esper_passwd_read": []}')
say "(b) again, after (l): the converged run twice, for the noise between runs"
converged_again=$(timed converged-again bootstrap "")

fi

# (e): seed 001's shell steps, on the container fresh_container made; NAME.log gets each step's end.
seed_apt="python3.12-dev python3.12-venv python3-pip build-essential libffi-dev libssl-dev libxml2-dev
  libxslt1-dev libjpeg-dev libpq-dev libmysqlclient-dev libsqlite3-dev libcurl4-openssl-dev libgmp-dev
  libz-dev libbz2-dev libreadline-dev libncurses5-dev libncursesw5-dev libgdbm-dev libnss3-dev
  libsasl2-dev libldap2-dev libkrb5-dev cargo rustc git curl wget pkg-config"
seed_apt=$(printf '%s ' $seed_apt) # one line: it is expanded inside the bash -c string below
torch=$(grep -E '^torch==' requirements/torch.txt)
seed_shell() { # seed_shell NAME: print the seconds
  # Each step stamps its end (`step NAME EPOCH`) into the log, for the per-step figures.
  timed "$1" docker exec -i -w "$CHECKOUT" "$CT" bash -euc "
  export DEBIAN_FRONTEND=noninteractive PIP_FIND_LINKS=/var/cache/esper-wheels/cp312 PIP_INDEX_URL=https://pypi.org/simple
  step() { echo \"step \$1 \$(date +%s.%N)\"; }
  step start
  apt-get update -qq
  apt-get install -y -qq $seed_apt >/dev/null
  step apt
  python3.12 -m venv $CT_HOME/seed-venv
  step venv
  $CT_HOME/seed-venv/bin/pip install -q --upgrade pip setuptools wheel
  step pip-upgrade
  $CT_HOME/seed-venv/bin/pip install -q '$torch'
  step torch
  $CT_HOME/seed-venv/bin/pip install -q --require-hashes --no-deps -r requirements/esper.lock.txt
  step lock"
}
seed_steps_of() { awk '$1 == "step" { if (t) { printf "%s%s %.1f s", sep, $2, $3 - t; sep = ", " } t = $3 }' "$OUT/$1.log"; }
mean() { python3 -c "import sys; v = [float(a) for a in sys.argv[1:]]; print(f'{sum(v) / len(v):.1f}')" "$@"; }

fresh=- mitogen_fresh=- fresh_per_role=- fresh_rust_inline=- fresh_no_head_start=- seed=- seed_steps=-
fresh_rounds=() seed_rounds=() round_lines=()
if [ "$only" != converged ]; then
for round in $(seq "$rounds"); do
  # The first round's logs keep their names (fresh.log, seed_shell.log); later ones end in -N.
  suffix=$([ "$round" = 1 ] || echo "-$round")
  say "(d) fresh provision (no Docker, services or doctor) on a new container, round $round of $rounds"
  fresh_container_offline
  fresh_rounds+=("$(timed "fresh$suffix" bootstrap "" "${FRESH[@]}")")
  say "(e) seed 001's shell steps on a new container, round $round of $rounds"
  fresh_container
  seed_rounds+=("$(seed_shell "seed_shell$suffix")")
  round_lines+=("round $round: (d) ${fresh_rounds[-1]} s, (e) ${seed_rounds[-1]} s ($(seed_steps_of "seed_shell$suffix"))")
done
fresh=$(mean "${fresh_rounds[@]}")
seed=$(mean "${seed_rounds[@]}")
seed_steps=$(seed_steps_of seed_shell)
fi

if [ -z "$only" ]; then
say "(h) fresh provision with Mitogen's strategy (ESPER_MITOGEN=1) on a new container"
fresh_container_offline
mitogen_fresh=$(timed mitogen-fresh bootstrap ESPER_MITOGEN=1 "${FRESH[@]}" || echo failed)

say "(i) fresh provision with each role's own apt transaction, on a new container"
fresh_container_offline
fresh_per_role=$(timed fresh-apt-per-role bootstrap "" "${FRESH[@]}" -e '{"workstation_packages_batch": []}')

say "(j) fresh provision with the Rust-Python build waited for in its role, on a new container"
fresh_container_offline
fresh_rust_inline=$(timed fresh-rust-inline bootstrap "" "${FRESH[@]}" -e '{"workstation_rust_verify_python_async": false}')

say "(k) fresh provision without torch's head start, on a new container"
fresh_container_offline
fresh_no_head_start=$(timed fresh-no-head-start bootstrap "" "${FRESH[@]}" -e esper_venv_torch_head_start=false)

fi

measured() { [ "$1" != - ] && [ "$1" != failed ]; }
# "changed=N" of a run's PLAY RECAP, "-" for a run that was not made
recap() { if [ -s "$OUT/$1.log" ]; then printf 'changed=%s' "$(recap_changed "$1")"; else printf 'not run'; fi; }
row() { printf '%-52s %8s %8s\n' "$1" "$2" "$3"; }
per_task() { if measured "$1"; then python3 -c "import sys; print(f'{float(sys.argv[1]) / int(sys.argv[2]):.3f}')" "$1" "$FLOOR_TASKS"; else echo "$1"; fi; }
floor_s=$(per_task "$floor")
floor_mitogen_s=$(per_task "$floor_mitogen")
floor_nobecome_s=$(per_task "$floor_nobecome")

printf '\n%-52s %8s %8s\n' "measure" "seconds" "ratio"
row "(a) facts only (floor)" "$facts" "$(measured "$facts" && echo 1.00 || echo -)"
row "(b) converged setup.yml, $(recap converged)" "$converged" "$(ratio "$converged" "$facts")"
row "(c) --check on the converged host, $(recap check)" "$check" "$(ratio "$check" "$facts")"
row "(f) converged, Mitogen strategy, $(recap mitogen)" "$mitogen" "$(ratio "$mitogen" "$facts")"
row "(g) per task, $FLOOR_TASKS stat tasks with become" "$floor_s" "-"
row "(g) per task, the same with Mitogen" "$floor_mitogen_s" "-"
row "(g) per task, the same without become" "$floor_nobecome_s" "-"
row "(e) seed 001's shell steps, mean of $rounds" "$seed" "$(measured "$seed" && echo 1.00 || echo -)"
[ "$seed_steps" = - ] || printf '    first round: %s\n' "$seed_steps"
row "(d) fresh provision (same areas), mean of $rounds" "$fresh" "$(ratio "$fresh" "$seed")"
[ "${#round_lines[@]}" -eq 0 ] || printf '    %s\n' "${round_lines[@]}"
row "(h) fresh provision, Mitogen strategy" "$mitogen_fresh" "$(ratio "$mitogen_fresh" "$seed")"
row "(i) (b), each role's own apt, $(recap converged-apt-per-role)" "$converged_per_role" "$(ratio "$converged_per_role" "$facts")"
row "(i) (d), each role's own apt transaction" "$fresh_per_role" "$(ratio "$fresh_per_role" "$seed")"
row "(j) (d), the Rust build waited for in its role" "$fresh_rust_inline" "$(ratio "$fresh_rust_inline" "$seed")"
row "(k) (d), without torch's head start" "$fresh_no_head_start" "$(ratio "$fresh_no_head_start" "$seed")"
row "(l) (b), each role's own user lookup, $(recap converged-own-lookups)" "$converged_own_lookups" "$(ratio "$converged_own_lookups" "$facts")"
row "(b) again after (l), $(recap converged-again)" "$converged_again" "$(ratio "$converged_again" "$facts")"
# A run that failed is not profiled (its log stops where it failed).
profiled() { [ -s "$OUT/$1.log" ] && case $1 in mitogen) measured "$mitogen" ;; mitogen-fresh) measured "$mitogen_fresh" ;; esac; }
for run in converged mitogen fresh mitogen-fresh; do
  profiled "$run" || continue
  printf '\nslowest tasks, %s:\n' "$run"
  top10 "$run"
done
# Every task of a run, split into host round trips and controller-only tasks
# (scripts/lib/task_costs.py); all tasks, slowest first, in $OUT/<run>-tasks.tsv. For the fresh
# provision, the rest of (d)'s wall time is bootstrap.sh's own setup (the apt step for
# python3-venv, Ansible into .venv).
figures=""
for run in converged mitogen fresh; do
  profiled "$run" || continue
  printf '\n%s run, tasks by seconds (all tasks: %s):\n' "$run" "$OUT/$run-tasks.tsv"
  costs=$(python3 scripts/lib/task_costs.py "$OUT/$run.log" "$run" "$OUT/$run-tasks.tsv")
  grep -v ': [0-9.]*$' <<<"$costs"
  figures+=$(grep -E ': [0-9.]*$' <<<"$costs")$'\n'
done
for run in converged fresh; do
  [ -s "$OUT/$run.log" ] || continue
  printf '\nslowest roles, %s:\n' "$run"
  top10_roles "$run"
done
printf '\nfacts_s: %s\nconverged_s: %s\ncheck_s: %s\nfresh_s: %s\nseed_shell_s: %s\nrounds: %s\n' \
  "$facts" "$converged" "$check" "$fresh" "$seed" "$rounds"
printf 'task_floor_s: %s\nmitogen_task_floor_s: %s\ntask_floor_nobecome_s: %s\nconverged_tasks: %s\n' \
  "$floor_s" "$floor_mitogen_s" "$floor_nobecome_s" "$converged_tasks"
printf '%s' "$figures"
printf 'mitogen_fresh_s: %s\n' "$mitogen_fresh"
printf 'converged_apt_per_role_s: %s\nfresh_apt_per_role_s: %s\n' "$converged_per_role" "$fresh_per_role"
printf 'fresh_rust_inline_s: %s\n' "$fresh_rust_inline"
printf 'fresh_no_head_start_s: %s\n' "$fresh_no_head_start"
printf 'converged_own_lookups_s: %s\nconverged_again_s: %s\n' "$converged_own_lookups" "$converged_again"
# bootstrap.sh's own setup before ansible-playbook (python3-venv, .venv with Ansible): its
# "[Ns] running ansible-playbook" line, in the first round.
measured "$fresh" && printf 'fresh_bootstrap_setup_s: %s\n' "$(sed -nE 's/^bootstrap: \[([0-9]+)s\] running ansible-playbook.*/\1/p' "$OUT/fresh.log" | head -1)"
printf 'mitogen_fresh_vs_seed_shell: %s\n' "$(ratio "$mitogen_fresh" "$seed")"
printf 'mitogen_converged_s: %s\nmitogen_converged_vs_facts: %s\n' "$mitogen" "$(ratio "$mitogen" "$facts")"
printf 'converged_vs_facts: %s\ncheck_vs_facts: %s\nfresh_vs_seed_shell: %s\n' \
  "$(ratio "$converged" "$facts")" "$(ratio "$check" "$facts")" "$(ratio "$fresh" "$seed")"
