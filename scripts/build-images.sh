#!/usr/bin/env bash
# Build (or pull) the container images the Molecule scenarios run on.
#
#   scripts/build-images.sh [--force] [TARGET...]
#
# TARGETs: debian12 debian13 ubuntu2404 mint22.1 services (default: all of them).
# Each platform image is esper-test/<scenario>, the name the molecule scenario of that platform
# runs (.config/molecule/config.yml); esper-test/laptop (the Mint image) and esper-test/crash
# (the Debian 13 image) name the scenarios that run another platform's image.
#
# ESPER_TEST_IMAGES=build (default): no registry needed. Platform images are built from a
#   distribution archive with debootstrap + `docker import` (systemd as PID 1); the service
#   stand-ins (esper-test/redis:7.2, esper-test/postgres:16, esper-test/minio:local) are
#   built from Debian packages on top of esper-test/debian13 and saved as tarballs in
#   ${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation}/images/ for the inner Docker engine.
# ESPER_TEST_IMAGES=pull: where a registry is reachable. The platform images named by
#   MOLECULE_DEBIAN12_IMAGE / MOLECULE_DEBIAN13_IMAGE / MOLECULE_UBUNTU2404_IMAGE are
#   pulled and tagged esper-test/<scenario>, Mint 22.1 is built on top of the pulled Ubuntu
#   image, and no service stand-ins are built (the services role pulls the real images inside
#   the test container).
#
# Environment:
#   ESPER_DEBIAN_MIRROR   Debian archive (default http://deb.debian.org/debian)
#   ESPER_UBUNTU_MIRROR   Ubuntu archive, e.g. http://archive.ubuntu.com/ubuntu; UNSET means
#                         the Ubuntu 24.04 and Mint 22.1 images are skipped (loudly).
#   ESPER_UBUNTU_KEYRING  keyring to verify the Ubuntu archive (default: the host's
#                         ubuntu-keyring file, else the one Debian 13's ubuntu-keyring package
#                         ships, fetched through esper-test/debian13; only without any does
#                         debootstrap run with --no-check-gpg, and says so loudly)
#   ESPER_CACHE_DIR       cache root (default $HOME/.cache/esper-workstation)
#   DOCKER                docker client (default: docker)
#
# Caching: every image carries the label org.esper-workstation.recipe = sha256 of its
# recipe (the files under images/ it is built from, the suite, the mirror, the build function
# of this script, and its base image); an image whose label matches is not rebuilt.
# --force rebuilds anyway.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES_DIR="$ROOT/images"
CACHE_DIR=${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation}
MODE=${ESPER_TEST_IMAGES:-build}
DEBIAN_MIRROR=${ESPER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
UBUNTU_MIRROR=${ESPER_UBUNTU_MIRROR:-}
DOCKER=${DOCKER:-docker}
LABEL=org.esper-workstation.recipe
FORCE=0

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { printf '[build-images] ERROR: %s\n' "$*" >&2; exit 1; }
loud() {
    printf '\n' >&2
    printf '[build-images] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
    for line in "$@"; do printf '[build-images] !!! %s\n' "$line" >&2; done
    printf '[build-images] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
}

# Timings of this run, printed at the end.
declare -a TIMINGS=()
timed() {  # timed LABEL CMD...
    local label=$1 start end
    shift
    start=$(date +%s)
    "$@"
    end=$(date +%s)
    TIMINGS+=("$label: $((end - start)) s")
}

# sha256 over strings and files (files by path relative to images/, then content).
recipe_hash() {
    local item
    {
        for item in "$@"; do
            if [ -f "$item" ]; then
                printf 'file %s\n' "${item#"$IMAGES_DIR"/}"
                cat "$item"
            elif [ -d "$item" ]; then
                find "$item" -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
                    printf 'file %s\n' "${f#"$IMAGES_DIR"/}"
                    cat "$f"
                done
            else
                printf 'str %s\n' "$item"
            fi
        done
    } | sha256sum | cut -d' ' -f1
}

image_recipe() {  # the recipe label of an image, empty when absent
    "$DOCKER" image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true
}

is_current() {  # is_current IMAGE HASH
    [ "$FORCE" = 0 ] && [ "$(image_recipe "$1")" = "$2" ]
}

# --- platform images from a distribution archive -------------------------------------------

# build_rootfs_image NAME SUITE MIRROR COMPONENTS [debootstrap args...]
build_rootfs_image() {
    local name=$1 suite=$2 mirror=$3 components=$4
    shift 4
    local -a extra=() script=()
    local arg include hash dir
    for arg in "$@"; do  # --script=FILE is debootstrap's 4th positional argument
        case "$arg" in --script=*) script=("${arg#--script=}") ;; *) extra+=("$arg") ;; esac
    done
    include=$(grep -v '^\s*#' "$IMAGES_DIR/base/packages.txt" | xargs | tr ' ' ',')
    hash=$(recipe_hash "$IMAGES_DIR/base" "suite=$suite" "mirror=$mirror" \
        "components=$components" "extra=${extra[*]:-}" "script=${script[*]:-}" \
        "$(declare -f build_rootfs_image)")
    if is_current "$name" "$hash"; then
        log "$name: up to date (recipe ${hash:0:12}), not rebuilt"
        return 0
    fi
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    dir="$CACHE_DIR/build/rootfs-${name##*/}"
    # Up to three attempts, each into an empty directory: one cut-off download from the archive
    # fails an attempt, not the test run.
    local attempt
    for attempt in 1 2 3; do
        rm -rf "$dir"
        mkdir -p "$dir"
        log "$name: debootstrap $suite from $mirror (recipe ${hash:0:12}, attempt $attempt of 3) ..."
        if debootstrap --variant=minbase --components="$components" --include="$include" \
            "${extra[@]}" "$suite" "$dir" "$mirror" "${script[@]}" >"$dir.log" 2>&1; then
            break
        fi
        tail -n 30 "$dir.log" >&2
        [ "$attempt" -lt 3 ] || die "$name: debootstrap failed 3 times (log: $dir.log)"
        log "$name: debootstrap failed (above); trying again in 10 s"
        sleep 10
    done

    # apt sources: the suite and its -updates, same mirror and components.
    local c=${components//,/ }
    printf 'deb %s %s %s\ndeb %s %s-updates %s\n' "$mirror" "$suite" "$c" "$mirror" "$suite" "$c" \
        >"$dir/etc/apt/sources.list"
    # Mask what an unprivileged container cannot run.
    local unit
    while read -r unit; do
        case "$unit" in '' | \#*) continue ;; esac
        ln -sf /dev/null "$dir/etc/systemd/system/$unit"
    done <"$IMAGES_DIR/base/masks.txt"
    # No machine-id (systemd makes one per container), no package caches, and an EMPTY apt
    # list directory with an old mtime so `apt: cache_valid_time` does refresh it.
    : >"$dir/etc/machine-id"
    rm -f "$dir/var/lib/dbus/machine-id"
    rm -rf "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    mkdir -p "$dir/var/lib/apt/lists/partial"
    touch -d '2000-01-01 00:00:00' "$dir/var/lib/apt/lists/partial" "$dir/var/lib/apt/lists"
    rm -f "$dir/etc/hostname"

    log "$name: docker import ..."
    tar --numeric-owner -C "$dir" -c . |
        "$DOCKER" import \
            --change 'CMD ["/lib/systemd/systemd"]' \
            --change 'ENV container=docker' \
            - "$name:rootfs" >/dev/null
    # `docker import --change STOPSIGNAL` is rejected: a two-line build adds it (and the label).
    printf 'FROM %s:rootfs\nSTOPSIGNAL SIGRTMIN+3\nLABEL %s=%s\n' "$name" "$LABEL" "$hash" |
        "$DOCKER" build -q -t "$name:latest" - >/dev/null
    "$DOCKER" rmi "$name:rootfs" >/dev/null
    rm -rf "$dir" "$dir.log"
    log "$name: built"
}

build_debian() {  # build_debian NAME SUITE
    build_rootfs_image "$1" "$2" "$DEBIAN_MIRROR" main \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg
}

build_ubuntu() {
    local keyring=${ESPER_UBUNTU_KEYRING:-/usr/share/keyrings/ubuntu-archive-keyring.gpg}
    local -a gpg
    command -v zstd >/dev/null || die "Ubuntu's packages are zstd-compressed: apt-get install -y zstd"
    if [ ! -r "$keyring" ] && [ -z "${ESPER_UBUNTU_KEYRING:-}" ]; then
        # Debian 13 packages Ubuntu's archive keyring (ubuntu-keyring): take it from there.
        keyring="$CACHE_DIR/build/ubuntu-archive-keyring.gpg"
        if [ ! -s "$keyring" ] && "$DOCKER" image inspect esper-test/debian13 >/dev/null 2>&1; then
            log "fetching Ubuntu's archive keyring from Debian's ubuntu-keyring package ..."
            "$DOCKER" run --rm -v "$CACHE_DIR/build:/out" --entrypoint /bin/sh esper-test/debian13 -c \
                'cd /var/tmp && apt-get update -qq && apt-get download -qq ubuntu-keyring &&
                 dpkg-deb -x ubuntu-keyring_*.deb /var/tmp/k &&
                 cp /var/tmp/k/usr/share/keyrings/ubuntu-archive-keyring.gpg /out/' >/dev/null 2>&1 ||
                log "could not fetch ubuntu-keyring"
        fi
    fi
    if [ -r "$keyring" ]; then
        gpg=(--keyring="$keyring")
    else
        loud "No Ubuntu archive keyring at $keyring (package ubuntu-keyring, or set ESPER_UBUNTU_KEYRING)." \
            "Bootstrapping Ubuntu 24.04 WITHOUT signature checks (--no-check-gpg)."
        gpg=(--no-check-gpg)
    fi
    # bookworm's debootstrap has no `noble` script: Ubuntu's releases all use `gutsy`.
    local script=/usr/share/debootstrap/scripts/noble
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/gutsy
    build_rootfs_image esper-test/ubuntu2404 noble "$UBUNTU_MIRROR" main,universe "${gpg[@]}" \
        --script="$script"
}

# build_on_base NAME CONTEXT_DIR BASE_IMAGE — a Dockerfile build FROM another image.
build_on_base() {
    local name=$1 context=$2 base=$3 hash
    hash=$(recipe_hash "$context" "base=$base" "base-recipe=$(image_recipe "$base")" \
        "$(declare -f build_on_base)" \
        "base-id=$("$DOCKER" image inspect -f '{{.Id}}' "$base" 2>/dev/null || true)")
    if is_current "$name" "$hash"; then
        log "$name: up to date (recipe ${hash:0:12}), not rebuilt"
        return 0
    fi
    log "$name: building from $base (recipe ${hash:0:12}) ..."
    if ! "$DOCKER" build --build-arg "BASE=$base" --label "$LABEL=$hash" -t "$name" \
        "$context" >"$CACHE_DIR/build/${name//[\/:]/_}.log" 2>&1; then
        tail -n 30 "$CACHE_DIR/build/${name//[\/:]/_}.log" >&2
        die "$name: docker build failed"
    fi
    log "$name: built"
}

# save_archive IMAGE — $CACHE_DIR/images/<name>.tar, re-saved when the image changed.
save_archive() {
    local image=$1 file id
    file="$CACHE_DIR/images/$(echo "${image%%:*}" | tr '/' '-').tar"
    id=$("$DOCKER" image inspect -f '{{.Id}}' "$image")
    if [ -s "$file" ] && [ "$(cat "$file.id" 2>/dev/null)" = "$id" ]; then
        log "$image: archive $file up to date"
        return 0
    fi
    log "$image: saving to $file ..."
    "$DOCKER" save -o "$file.part" "$image"
    mv "$file.part" "$file"
    echo "$id" >"$file.id"
}

build_services() {
    local base=esper-test/debian13
    "$DOCKER" image inspect "$base" >/dev/null 2>&1 || die "services need $base: build target debian13 first"
    timed "esper-test/redis:7.2" build_on_base esper-test/redis:7.2 "$IMAGES_DIR/services/redis" "$base"
    timed "esper-test/postgres:16" build_on_base esper-test/postgres:16 "$IMAGES_DIR/services/postgres" "$base"
    timed "esper-test/minio:local" build_on_base esper-test/minio:local "$IMAGES_DIR/services/minio" "$base"
    local image
    for image in esper-test/redis:7.2 esper-test/postgres:16 esper-test/minio:local; do
        timed "save $image" save_archive "$image"
    done
}

ubuntu_skipped() {
    loud "SKIPPED: Ubuntu 24.04 and Linux Mint 22.1 test images." \
        "Why: ESPER_UBUNTU_MIRROR is not set (no Ubuntu archive is reachable from here)." \
        "To build them: ESPER_UBUNTU_MIRROR=http://archive.ubuntu.com/ubuntu $0 ubuntu2404 mint22.1"
}

# --- pull mode ---------------------------------------------------------------------------------
pull_image() {  # pull_image IMAGE TAG
    log "pulling $1 as $2 ..."
    "$DOCKER" pull -q "$1" >/dev/null || die "docker pull $1 failed (no registry? use ESPER_TEST_IMAGES=build)"
    "$DOCKER" tag "$1" "$2"
}

tag_as() {  # tag_as IMAGE SCENARIO: a scenario that runs another platform's image
    "$DOCKER" tag "$1" "esper-test/$2"
    log "esper-test/$2: tagged $1"
}

# --- main ------------------------------------------------------------------------------------------
targets=()
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h | --help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        debian12 | debian13 | ubuntu2404 | mint22.1 | services) targets+=("$arg") ;;
        *) die "unknown target or option: $arg" ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(debian12 debian13 ubuntu2404 mint22.1 services)
want() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers ($DOCKER info failed)"
mkdir -p "$CACHE_DIR/build" "$CACHE_DIR/images"
# The scenarios mount the cache through this link (molecule.yml cannot spell $HOME/... defaults).
mkdir -p "$ROOT/.cache" && ln -sfn "$CACHE_DIR" "$ROOT/.cache/esper-test"

case "$MODE" in
    build)
        want debian12 && timed esper-test/debian12 build_debian esper-test/debian12 bookworm
        if want debian13; then
            timed esper-test/debian13 build_debian esper-test/debian13 trixie
            tag_as esper-test/debian13 crash
        fi
        if want ubuntu2404 || want mint22.1; then
            if [ -n "$UBUNTU_MIRROR" ]; then
                timed esper-test/ubuntu2404 build_ubuntu
                if want mint22.1; then
                    timed esper-test/mint22.1 \
                        build_on_base esper-test/mint22.1 "$IMAGES_DIR/mint22.1" esper-test/ubuntu2404
                    tag_as esper-test/mint22.1 laptop
                fi
            else
                ubuntu_skipped
            fi
        fi
        want services && build_services
        ;;
    pull)
        want debian12 && timed "${MOLECULE_DEBIAN12_IMAGE:?set MOLECULE_DEBIAN12_IMAGE}" \
            pull_image "$MOLECULE_DEBIAN12_IMAGE" esper-test/debian12
        if want debian13; then
            timed "${MOLECULE_DEBIAN13_IMAGE:?set MOLECULE_DEBIAN13_IMAGE}" \
                pull_image "$MOLECULE_DEBIAN13_IMAGE" esper-test/debian13
            tag_as esper-test/debian13 crash
        fi
        if want ubuntu2404 || want mint22.1; then
            timed "${MOLECULE_UBUNTU2404_IMAGE:?set MOLECULE_UBUNTU2404_IMAGE}" \
                pull_image "$MOLECULE_UBUNTU2404_IMAGE" esper-test/ubuntu2404
            if want mint22.1; then
                timed esper-test/mint22.1 \
                    build_on_base esper-test/mint22.1 "$IMAGES_DIR/mint22.1" esper-test/ubuntu2404
                tag_as esper-test/mint22.1 laptop
            fi
        fi
        want services && log "pull mode: no service stand-ins (the inner engine pulls the real images)"
        ;;
    *) die "ESPER_TEST_IMAGES must be build or pull, not '$MODE'" ;;
esac

# Images replaced by a rebuild stay behind untagged: drop those (ours only, by label).
"$DOCKER" image prune -f --filter "label=$LABEL" >/dev/null 2>&1 || true

log "timings:"
for t in "${TIMINGS[@]}"; do log "  $t"; done
