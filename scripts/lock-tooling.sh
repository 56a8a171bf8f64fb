#!/usr/bin/env bash
# Re-lock the control-node and test tooling (requirements/tooling.in) with hashes, constrained by
# the library's lock so that both install into one venv with the same versions.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-.venv/bin/uv}
"$uv" pip compile requirements/tooling.in \
  --constraint requirements/esper.lock.txt \
  --universal --python-version 3.12 --generate-hashes \
  --no-header --annotation-style line \
  --output-file requirements/tooling.lock.txt
