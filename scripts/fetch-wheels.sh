#!/usr/bin/env bash
# Fill the host-side wheel cache that the Molecule test containers use as a wheelhouse.
#
#   scripts/fetch-wheels.sh [--force]
#
# Downloads, for each test container's Python (ESPER_WHEELS_PYTHON, default "3.13" = Debian 13,
# plus "3.12" = Ubuntu 24.04 / Mint 22.1 when ESPER_UBUNTU_MIRROR is set; x86_64):
#   - torch==$ESPER_TORCH_VERSION (default: the pin in requirements/torch.txt) and
#     its dependencies from $ESPER_TORCH_INDEX_URL (default https://pypi.org/simple; PyPI's
#     Linux torch is the CUDA build: ~900 MB + ~2.5 GB of nvidia-* wheels),
#   - every pin of requirements/esper.lock.txt (when it exists), hash-checked,
# into ${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation}/wheels/cpXY.
#
# The scenarios mount that directory read-only at /var/cache/esper-wheels/cpXY and pass it to
# the esper_venv role as esper_venv_wheelhouse (pip --find-links, the index still on): pip
# resolves the same pinned versions with or without it, so the cache only saves downloads and
# never changes what is tested. A stamp (hash of the inputs) skips the whole run when nothing
# changed; --force downloads again.
#
# Environment: ESPER_CACHE_DIR, ESPER_WHEELS_PYTHON (space-separated versions), ESPER_TORCH_VERSION,
# ESPER_TORCH_INDEX_URL, PYTHON (the interpreter whose pip runs; default: the project venv's).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation}
if [ -n "${ESPER_WHEELS_PYTHON:-}" ]; then
    VERSIONS=$ESPER_WHEELS_PYTHON
elif [ -n "${ESPER_UBUNTU_MIRROR:-}" ]; then
    VERSIONS="3.13 3.12"
else
    VERSIONS="3.13"
fi
LOCK="$ROOT/requirements/esper.lock.txt"
INDEX=${ESPER_TORCH_INDEX_URL:-https://pypi.org/simple}
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

log() { printf '[fetch-wheels] %s\n' "$*" >&2; }

if [ -n "${ESPER_TORCH_VERSION:-}" ]; then
    TORCH=$ESPER_TORCH_VERSION
else
    TORCH=$(sed -n 's/^torch==\([^ ]*\).*$/\1/p' "$ROOT/requirements/torch.txt" | head -n1)
fi

if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
"$PYTHON" -m pip --version >/dev/null 2>&1 || { log "ERROR: $PYTHON has no pip"; exit 1; }

fetch() {  # fetch PYTHON_VERSION
    local PYVER=$1 TAG DEST stamp start
    TAG=cp${PYVER//./}
    DEST="$CACHE_DIR/wheels/$TAG"
    # Debian 13 has glibc 2.41: accept every manylinux tag up to that (pip does not expand
    # --platform for us), plus pure-Python wheels.
    local -a platforms common
    platforms=(--platform manylinux2014_x86_64 --platform linux_x86_64)
    for minor in $(seq 17 41); do platforms+=(--platform "manylinux_2_${minor}_x86_64"); done
    common=(--disable-pip-version-check --no-input --progress-bar off --dest "$DEST"
        --only-binary=:all: --python-version "$PYVER" --implementation cp --abi "$TAG"
        --abi abi3 --abi none "${platforms[@]}")

    stamp_input() {
        printf 'python=%s torch=%s index=%s\n' "$PYVER" "$TORCH" "$INDEX"
        [ -f "$LOCK" ] && cat "$LOCK"
        return 0
    }
    stamp=$(stamp_input | sha256sum | cut -d' ' -f1)
    if [ "$FORCE" = 0 ] && [ "$(cat "$DEST/.stamp" 2>/dev/null)" = "$stamp" ]; then
        log "$DEST is up to date ($(du -sh "$DEST" | cut -f1)), nothing to download"
        return 0
    fi

    mkdir -p "$DEST"
    rm -f "$DEST/.stamp"
    start=$(date +%s)
    log "torch==$TORCH + dependencies for $TAG from $INDEX -> $DEST"
    "$PYTHON" -m pip download "${common[@]}" --index-url "$INDEX" "torch==$TORCH"
    if [ -f "$LOCK" ]; then
        log "the library's lock ($LOCK) for $TAG -> $DEST"
        "$PYTHON" -m pip download "${common[@]}" --no-deps --require-hashes -r "$LOCK"
    else
        log "no $LOCK yet: only torch cached"
    fi
    echo "$stamp" >"$DEST/.stamp"
    log "done in $(($(date +%s) - start)) s: $(find "$DEST" -name '*.whl' | wc -l) wheels, $(du -sh "$DEST" | cut -f1)"
}

# The scenarios mount the cache through this link (molecule.yml cannot spell $HOME/... defaults).
mkdir -p "$CACHE_DIR/wheels" "$ROOT/.cache" && ln -sfn "$CACHE_DIR" "$ROOT/.cache/esper-test"

for version in $VERSIONS; do
    fetch "$version"
done
