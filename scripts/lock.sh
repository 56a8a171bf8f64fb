#!/usr/bin/env bash
# Regenerate requirements/esper.lock.txt: the hash-pinned lock of the esper library's
# dependencies plus its `dev` extra, for Python 3.12 and 3.13 on every platform (--universal),
# WITHOUT torch and without what only torch needs: torch is installed first, from the index the
# hardware calls for. Install recipe:
#   pip install torch==2.9.1            # from the CPU or CUDA index
#   pip install --require-hashes --no-deps -r requirements/esper.lock.txt
#   pip install --no-deps -e .
#   pip check
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

uv="${UV:-}"
if [[ -z "$uv" ]]; then
  if command -v uv >/dev/null 2>&1; then uv="$(command -v uv)"; else uv="$root/.venv/bin/uv"; fi
fi
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$root/.venv/bin/python" ]]; then python="$root/.venv/bin/python"; else python=python3; fi
fi

input="$(mktemp --suffix=.in)"
trap 'rm -f "$input"' EXIT

# The [project] dependencies minus torch, plus the dev extra, read from pyproject.toml.
"$python" - "$input" <<'PY'
import re
import sys
import tomllib

with open("pyproject.toml", "rb") as fh:
    project = tomllib.load(fh)["project"]
requirements = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
kept = [r for r in requirements if re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower() != "torch"]
with open(sys.argv[1], "w") as out:
    out.write("\n".join(kept) + "\n")
PY

"$uv" pip compile "$input" \
  --universal \
  --python-version 3.12 \
  --generate-hashes \
  --no-annotate \
  --custom-compile-command "scripts/lock.sh" \
  --output-file requirements/esper.lock.txt \
  "$@"

# The lock must never carry torch: it is installed separately, first.
if grep -qiE '^torch==' requirements/esper.lock.txt; then
  echo "lock.sh: torch leaked into requirements/esper.lock.txt" >&2
  exit 1
fi
echo "lock.sh: wrote requirements/esper.lock.txt"
