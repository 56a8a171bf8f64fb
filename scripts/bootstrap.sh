#!/usr/bin/env bash
# Provision this machine as an Esper workstation, from a bare Linux Mint 22 / Ubuntu 24.04 /
# Debian 13 install (the README's provision command):
#
#   ./scripts/bootstrap.sh                 # everything
#   ./scripts/bootstrap.sh --tags rust     # one area; any ansible-playbook option works
#   ./scripts/bootstrap.sh --check         # show what would change
#
# Asks for your sudo password once (not at all when run as root or with passwordless sudo):
# it is used for the one apt step here (python3-venv, when missing) and handed to Ansible
# through a private temporary file (mode 0600, removed on exit). Ansible is installed into
# the project-local venv .venv with the system python3 (never the system pip), from
# requirements/tooling.lock.txt (hash-pinned).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"
LOCK="$ROOT/requirements/tooling.lock.txt"

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

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

command -v python3 >/dev/null 2>&1 || die "python3 is missing (every supported distribution ships it)"

# 1. python3-venv (Debian and Ubuntu split venv/ensurepip out of python3).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  say "installing python3-venv"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
fi

# 2. The project-local venv with Ansible.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  python3 -m venv "$VENV"
fi
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
stamp="$VENV/.esper-bootstrap"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] || [ ! -x "$VENV/bin/ansible-playbook" ]; then
  say "installing Ansible into $VENV (requirements/tooling.lock.txt, hash-checked)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-hashes -r "$LOCK"
  printf '%s\n' "$want" >"$stamp"
fi

# 3. Provision.
say "running ansible-playbook setup.yml ${ansible_args[*]} $*"
rc=0
"$VENV/bin/ansible-playbook" setup.yml "${ansible_args[@]}" "$@" || rc=$?
exit "$rc"
