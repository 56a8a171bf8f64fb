#!/usr/bin/env bash
# Fill the host-side wheel cache that the Molecule test containers use as a wheelhouse.
#
#   scripts/fetch-wheels.sh [--force]
#
# The control node's part of playbooks/wheelhouse.yml (its `download` tag: the same pip
# arguments a fleet's wheelhouse gets) for each test container's Python (ESPER_WHEELS_PYTHON,
# default "3.13" = Debian 13, plus "3.12" = Ubuntu 24.04 / Mint 22.1 when ESPER_UBUNTU_MIRROR is
# set; x86_64): torch (requirements/torch.txt) and its dependencies from $ESPER_TORCH_INDEX_URL
# (default https://pypi.org/simple; PyPI's Linux torch is the CUDA build: ~900 MB + ~2.5 GB of
# nvidia-* wheels), every pin of requirements/esper.lock.txt and uv (requirements/uv.lock.txt),
# hash-checked, into ${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation}/wheels/cpXY.
#
# The scenarios mount that directory read-only at /var/cache/esper-wheels/cpXY and pass it to
# the esper_venv role as esper_venv_wheelhouse (pip --find-links, the index still on): pip
# resolves the same pinned versions with or without it, so the cache only saves downloads and
# never changes what is tested. A stamp (hash of the inputs) skips the whole run when nothing
# changed; --force downloads again.
#
# Environment: ESPER_CACHE_DIR, ESPER_WHEELS_PYTHON (space-separated versions),
# ESPER_TORCH_INDEX_URL.
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

ANSIBLE_PLAYBOOK="$ROOT/.venv/bin/ansible-playbook"
[ -x "$ANSIBLE_PLAYBOOK" ] || { log "ERROR: no $ANSIBLE_PLAYBOOK: run scripts/dev-env.sh first"; exit 1; }

fetch() {  # fetch PYTHON_VERSION
    local PYVER=$1 TAG DEST stamp start
    TAG=cp${PYVER//./}
    DEST="$CACHE_DIR/wheels/$TAG"
    stamp=$({
        printf 'python=%s index=%s\n' "$PYVER" "$INDEX"
        cat "$ROOT/requirements/torch.txt" "$ROOT/playbooks/wheelhouse.yml"
        [ -f "$LOCK" ] && cat "$LOCK"
        cat "$ROOT/requirements/uv.lock.txt"
        true
    } | sha256sum | cut -d' ' -f1)
    if [ "$FORCE" = 0 ] && [ "$(cat "$DEST/.stamp" 2>/dev/null)" = "$stamp" ]; then
        log "$DEST is up to date ($(du -sh "$DEST" | cut -f1)), nothing to download"
        return 0
    fi

    mkdir -p "$DEST"
    rm -f "$DEST/.stamp"
    start=$(date +%s)
    log "playbooks/wheelhouse.yml --tags download for $TAG from $INDEX -> $DEST"
    ANSIBLE_CONFIG="$ROOT/ansible.cfg" "$ANSIBLE_PLAYBOOK" -i localhost, --tags download \
        -e "ansible_python_interpreter=$ROOT/.venv/bin/python" \
        -e "{\"esper_wheelhouse_pythons\": [\"$PYVER\"], \"esper_wheelhouse_controller_dir\": \"$CACHE_DIR/wheels\", \"esper_wheelhouse_torch_index_url\": \"$INDEX\"}" \
        "$ROOT/playbooks/wheelhouse.yml"
    echo "$stamp" >"$DEST/.stamp"
    log "done in $(($(date +%s) - start)) s: $(find "$DEST" -name '*.whl' | wc -l) wheels, $(du -sh "$DEST" | cut -f1)"
}

# The scenarios mount the cache through this link (molecule.yml cannot spell $HOME/... defaults).
mkdir -p "$CACHE_DIR/wheels" "$ROOT/.cache" && ln -sfn "$CACHE_DIR" "$ROOT/.cache/esper-test"

for version in $VERSIONS; do
    fetch "$version"
done
