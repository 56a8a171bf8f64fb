# shellcheck shell=bash
# Retry a download step that a cut-off transfer can fail once.
#
# retry_fresh COMMAND... runs COMMAND up to ESPER_RETRY_ATTEMPTS (default 3) times, waiting
# ESPER_RETRY_DELAY_S (default 10) seconds between attempts, and returns the last exit status.
# Seen in CI: PyPI's 6.9 MB index page of pydantic-core arrived cut off at 6.2 MB, pip failed
# with "JSONDecodeError", and the whole run with it. pip and uv keep index pages in their HTTP
# caches (PyPI allows ten minutes), so a page cut off without a transport error could be served
# again from there: attempts after the first run without those caches (PIP_NO_CACHE_DIR=1,
# UV_NO_CACHE=1), costing a fresh download only when the first attempt failed.
# What the command checks (hashes in the locks) is never relaxed: only the transfer is repeated.
retry_fresh() {
  local attempts=${ESPER_RETRY_ATTEMPTS:-3} delay=${ESPER_RETRY_DELAY_S:-10} attempt=1 rc=0
  "$@" && return 0 || rc=$?
  while [ "$attempt" -lt "$attempts" ]; do
    attempt=$((attempt + 1))
    echo "retry: '$*' failed (exit $rc); attempt $attempt of $attempts in ${delay} s, without the download caches" >&2
    sleep "$delay"
    rc=0
    PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1 "$@" && return 0 || rc=$?
  done
  echo "retry: '$*' failed $attempts times (last exit $rc)" >&2
  return "$rc"
}
