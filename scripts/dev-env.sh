#!/usr/bin/env bash
# Create or refresh the project venv (.venv) that runs Ansible, the linters and the tests.
#
# Same install recipe as the esper_venv role, so the tests exercise what workstations get:
#   1. the tooling lock (Ansible, Molecule, linters), hash-checked;
#   2. torch, from the index the hardware calls for (ESPER_TORCH_INDEX_URL overrides);
#   3. the library's lock without torch, hash-checked, --no-deps;
#   4. the library itself, editable, --no-deps; then `pip check`.
# A stamp of the inputs makes a second run a no-op; each download step is tried up to three times
# (scripts/lib/retry.sh: a cut-off index page once failed a CI run).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
torch_spec=$(grep -E '^torch==' requirements/torch.txt)

# shellcheck source=scripts/lib/find-python.sh
. scripts/lib/find-python.sh
# shellcheck source=scripts/lib/retry.sh
. scripts/lib/retry.sh

torch_index_args() {
  if [ -n "${ESPER_TORCH_INDEX_URL:-}" ]; then
    printf -- '--index-url\n%s\n' "$ESPER_TORCH_INDEX_URL"
  elif [ -e /proc/driver/nvidia/version ]; then
    : # NVIDIA GPU: PyPI's default torch is the CUDA build
  else
    printf -- '--index-url\n%s\n' "https://download.pytorch.org/whl/cpu"
  fi
}

stamp_of_inputs() {
  cat requirements/tooling.lock.txt requirements/esper.lock.txt requirements/torch.txt pyproject.toml |
    sha256sum | cut -d' ' -f1
}

python=$(find_python) || exit 1
if [ ! -x "$venv/bin/python" ]; then
  echo "dev-env: creating $venv with $python"
  "$python" -m venv "$venv"
fi

stamp="$(stamp_of_inputs) ${ESPER_TORCH_INDEX_URL:-}"
if [ -f "$venv/.esper-stamp" ] && [ "$(cat "$venv/.esper-stamp")" = "$stamp" ]; then
  echo "dev-env: $venv is up to date"
  exit 0
fi

pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
retry_fresh "${pip[@]}" install --require-hashes --no-deps -r requirements/tooling.lock.txt
mapfile -t index_args < <(torch_index_args)
echo "dev-env: installing $torch_spec ${index_args[*]:-from the default index}"
retry_fresh "${pip[@]}" install "${index_args[@]}" "$torch_spec"
retry_fresh "${pip[@]}" install --require-hashes --no-deps -r requirements/esper.lock.txt
"${pip[@]}" install --no-deps -e .
"$venv/bin/python" -m pip check
echo "$stamp" >"$venv/.esper-stamp"
echo "dev-env: $venv ready"
