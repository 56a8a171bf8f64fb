#!/usr/bin/env bash
# Provision this machine as an Esper workstation, from a bare Linux Mint 22 / Ubuntu 24.04 /
# Debian 13 install (the README's provision command):
#
#   ./scripts/bootstrap.sh                 # everything
#   ./scripts/bootstrap.sh --tags rust     # one area; any ansible-playbook option works
#   ./scripts/bootstrap.sh --check         # show what would change
#   ESPER_MITOGEN=1 ./scripts/bootstrap.sh # faster runs with Mitogen's strategy (opt-in)
#
# Asks for your sudo password once (not at all when run as root or with passwordless sudo):
# it is used for the one apt step here (python3-venv, when missing) and handed to Ansible
# through a private temporary file (mode 0600, removed on exit). Ansible is installed into
# the project-local venv .venv with the system python3 (never the system pip), from
# requirements/workstation.lock.txt (Ansible and Mitogen, hash-pinned; the linters and test tools
# are scripts/dev-env.sh's), by uv (requirements/uv.lock.txt).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"
LOCK="$ROOT/requirements/workstation.lock.txt"

# Each line carries the seconds since the start: bench.sh reads the setup's share of a run.
say() { printf 'bootstrap: [%ss] %s\n' "$SECONDS" "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

# A Python >= 3.12 for Ansible (ansible-core 2.21 needs it); one line if there is none.
# shellcheck source=scripts/lib/find-python.sh
. "$ROOT/scripts/lib/find-python.sh"
python=$(find_python) || exit 1
# Downloads are tried up to three times (a cut-off transfer fails a step once, not the run).
# shellcheck source=scripts/lib/retry.sh
. "$ROOT/scripts/lib/retry.sh"

pwfile=""
password=""
cleanup() { if [ -n "$pwfile" ]; then rm -f "$pwfile"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ansible_args=()
as_root() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  # Run with sudo: provision the invoking user's workstation, not root's.
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    ansible_args+=(-e "esper_user=$SUDO_USER")
  fi
else
  command -v sudo >/dev/null 2>&1 || die "sudo is needed (or run this script as root)"
  if ! sudo -n true 2>/dev/null; then
    read -r -s -p "[sudo] password for $(id -un): " password
    printf '\n'
    printf '%s\n' "$password" | sudo -S -p '' -v 2>/dev/null || die "wrong sudo password"
    pwfile=$(mktemp "${TMPDIR:-/tmp}/esper-become.XXXXXX")
    chmod 600 "$pwfile"
    printf '%s\n' "$password" >"$pwfile"
    ansible_args+=(--become-password-file "$pwfile")
    as_root() { printf '%s\n' "$password" | sudo -S -p '' "$@"; }
  else
    as_root() { sudo -n "$@"; }
  fi
fi

# 1. The venv module (Debian and Ubuntu split venv/ensurepip out of the interpreter package).
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  case $python in
  /usr/bin/python3*) venv_pkg="python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv" ;;
  *) die "$python has no venv module (ensurepip); install its venv package or set ESPER_PYTHON to another Python >= 3.12" ;;
  esac
  say "installing $venv_pkg"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$venv_pkg"
fi

# 2. The project-local venv with Ansible (replaced when its Python is too old or a killed
#    run left it without pip).
if { [ -e "$VENV" ] || [ -L "$VENV" ]; } && ! { __esper_python_ok "$VENV/bin/python" && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; }; then
  say "replacing $VENV (no pip, or a Python older than 3.12)"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $python"
  "$python" -m venv "$VENV"
fi
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
stamp="$VENV/.esper-bootstrap"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] || [ ! -x "$VENV/bin/ansible-playbook" ]; then
  say "installing Ansible into $VENV (requirements/workstation.lock.txt, hash-checked)"
  # uv first (pip, hash-checked), then the lock through uv: parallel downloads and unpacking.
  # uv reads no pip.conf: where only pip is set up for this network (a mirror in pip.conf), the
  # lock goes through pip instead, said on one line.
  retry_fresh "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-hashes --no-deps \
    -r "$ROOT/requirements/uv.lock.txt"
  if ! UV_NATIVE_TLS=1 "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" --require-hashes -r "$LOCK"; then
    say "uv could not install requirements/workstation.lock.txt (above); installing it with pip"
    retry_fresh "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-hashes -r "$LOCK"
  fi
  printf '%s\n' "$want" >"$stamp"
fi

# 3. Provision. ESPER_MITOGEN=1: Mitogen's mitogen_linear strategy (in the workstation lock), one
#    persistent interpreter per host instead of a Python and sudo per task (docs/performance.md:
#    a converged run in 1.5-2.6 x less time). Opt-in: proven on this command (the laptop scenario), not on
#    every scenario.
if [ "${ESPER_MITOGEN:-0}" = 1 ]; then
  ANSIBLE_STRATEGY_PLUGINS=$("$VENV/bin/python" -c 'import ansible_mitogen, os; print(os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy"))')
  export ANSIBLE_STRATEGY_PLUGINS ANSIBLE_STRATEGY=mitogen_linear
  say "with Mitogen's strategy (ESPER_MITOGEN=1)"
fi
say "running ansible-playbook setup.yml ${ansible_args[*]} $*"
rc=0
"$VENV/bin/ansible-playbook" setup.yml "${ansible_args[@]}" "$@" || rc=$?
exit "$rc"
