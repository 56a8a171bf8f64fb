#!/usr/bin/env bash
# Install what the selected test stages need and this machine lacks, from its distribution's
# archive, saying in one line what it installs (scripts/test.sh runs this first).
#
#   pytest    redis-server, postgresql   the live `esper doctor` tests start their own servers
#                                        from these binaries (own ports, own data directories)
#   molecule  docker.io, debootstrap,    an engine for the test containers, the local image
#             zstd, rsync                builds where no registry answers, and rsync for the
#                                        fleet's wheelhouse sync (ansible.posix.synchronize)
#
# Debian's redis-server and postgresql packages start system daemons on 6379/5432, the ports the
# Esper stack publishes: they are installed with daemons held back (policy-rc.d) and their units
# disabled, so a workstation is left with the binaries only. An engine that is installed here is
# started (the tests need it); one that is installed but stopped is started too, and said so.
#
# Root installs directly; another user is asked for the sudo password once. Without sudo it
# prints what to install and leaves it to the stages, which skip loudly.
set -euo pipefail

stages=${ESPER_TEST_STAGES:-lint pytest molecule}
say() { printf 'test-deps: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    return 1
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

want=()
daemons=()
case " $stages " in *" pytest "*)
  command -v redis-server >/dev/null 2>&1 || installed redis-server || { want+=(redis-server) && daemons+=(redis-server); }
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { want+=(postgresql) && daemons+=(postgresql); }
  ;;
esac
case " $stages " in *" molecule "*)
  # The engine, not the client: a machine may carry a docker CLI without dockerd.
  command -v dockerd >/dev/null 2>&1 || want+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || want+=(debootstrap)
  command -v zstd >/dev/null 2>&1 || want+=(zstd) # Ubuntu's packages are zstd-compressed
  command -v rsync >/dev/null 2>&1 || want+=(rsync)
  ;;
esac

if [ "${#want[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${want[*]}: install them with your package manager (the stages that need them skip loudly)"
    exit 0
  fi
  say "installing ${want[*]} from your distribution's archive$([ "$(id -u)" -eq 0 ] || echo ' (sudo)')"
  # Hold every daemon back while the packages install (policy-rc.d 101), unless one is in place.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy" && own_policy=true
  fi
  rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
  [ "$rc" -ne 0 ] || as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null || rc=$?
  if "$own_policy"; then as_root rm -f "$policy"; fi
  if [ "$rc" -ne 0 ]; then
    say "could not install ${want[*]} (apt-get exit $rc); the stages that need them skip loudly"
    exit 0
  fi
  if [ "${#daemons[@]}" -gt 0 ] && [ -d /run/systemd/system ]; then
    for unit in "${daemons[@]}"; do
      as_root systemctl disable --quiet "$unit.service" 2>/dev/null || true
    done
  fi
fi

case " $stages " in *" molecule "*)
  if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
      say "starting the Docker engine (systemctl start docker)"
      as_root systemctl start docker || true
    elif command -v dockerd >/dev/null 2>&1; then
      say "starting dockerd (no systemd here; log: /var/log/esper-test-dockerd.log)"
      as_root sh -c 'nohup dockerd >/var/log/esper-test-dockerd.log 2>&1 &' || true
    fi
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
    docker info >/dev/null 2>&1 || say "no Docker engine answers yet; the molecule stage will skip loudly"
  fi
  ;;
esac
exit 0
