# shellcheck shell=bash
# One user of the test containers at a time on this machine's Docker engine.
#
# The molecule scenarios and scripts/bench.sh use fixed container names (esper-crash,
# esper-laptop, ...): two test.sh runs from two checkouts on one engine would destroy and
# converge each other's containers. hold_engine_lock waits for the other run (its pid and
# checkout are printed) up to ESPER_TEST_LOCK_WAIT seconds (default 5400), then fails. The lock
# is released when the holding shell exits; a killed run leaves nothing to clean up.
hold_engine_lock() {
  local dir=${ESPER_CACHE_DIR:-$HOME/.cache/esper-workstation} wait=${ESPER_TEST_LOCK_WAIT:-5400}
  mkdir -p "$dir"
  exec {ESPER_ENGINE_LOCK_FD}>>"$dir/test-engine.lock"
  if ! flock -n "$ESPER_ENGINE_LOCK_FD"; then
    echo "$(basename "$0"): the test containers are in use by $(cat "$dir/test-engine.holder" 2>/dev/null || echo 'another run'); waiting up to $wait s for it"
    flock -w "$wait" "$ESPER_ENGINE_LOCK_FD" || {
      echo "$(basename "$0"): the test containers were still in use after $wait s (ESPER_TEST_LOCK_WAIT)" >&2
      return 1
    }
  fi
  echo "pid $$ ($(basename "$0") in $PWD)" >"$dir/test-engine.holder"
}
