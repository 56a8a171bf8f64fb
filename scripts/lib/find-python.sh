# shellcheck shell=bash
# find_python: print the path of a Python >= 3.12 on this machine, or say in one line what to
# install and return 1. Sourced by bootstrap.sh, dev-env.sh and test.sh (one search, one message).
#
# Ansible 14 (ansible-core 2.21) and the Esper library need Python >= 3.12 on the control node.
# Where it is looked for, in order: $ESPER_PYTHON; python3, python3.14, python3.13, python3.12
# on PATH (Mint 22 / Ubuntu 24.04 / Debian 13 ship one as python3); a Python that uv knows
# (`uv python find`, and `uv python install` where its download server answers); Pythons that
# pyenv manages (installed but not selected, so their shims do not answer). Nothing here
# depends on where one machine keeps its Pythons.

__esper_python_ok() { # __esper_python_ok PATH: true when PATH runs and is >= 3.12
  [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate resolved
  for candidate in "${ESPER_PYTHON:-}" python3 python3.14 python3.13 python3.12; do
    [ -n "$candidate" ] || continue
    resolved=$(command -v "$candidate" 2>/dev/null) || continue
    if __esper_python_ok "$resolved"; then
      # A pyenv shim answers for the selected version only; ask for the real interpreter.
      "$resolved" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  if command -v uv >/dev/null 2>&1; then
    resolved=$(uv python find '>=3.12' 2>/dev/null) && __esper_python_ok "$resolved" && {
      echo "$resolved"
      return 0
    }
    if [ "${ESPER_PYTHON_DOWNLOAD:-auto}" != never ] &&
      timeout 300 uv python install --quiet 3.12 >/dev/null 2>&1; then
      resolved=$(uv python find '>=3.12' 2>/dev/null) && __esper_python_ok "$resolved" && {
        echo "$resolved"
        return 0
      }
    fi
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local root version
    root=$(pyenv root 2>/dev/null) || root=""
    while read -r version; do
      candidate="$root/versions/$version/bin/python3"
      if __esper_python_ok "$candidate"; then
        echo "$candidate"
        return 0
      fi
    done < <(pyenv versions --bare 2>/dev/null | sort -V)
  fi
  local have
  have=$(python3 -c 'import platform; print(platform.python_version())' 2>/dev/null || echo none)
  echo "${0##*/}: Ansible and the Esper library need Python >= 3.12 and this machine has none (python3: $have); install one (Mint 22 / Ubuntu 24.04 / Debian 13 ship it as python3; elsewhere uv, pyenv or your distribution's python3.12) or set ESPER_PYTHON to its path" >&2
  return 1
}
