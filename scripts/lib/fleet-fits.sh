# shellcheck shell=bash
# Whether the fleet scenario may start: scripts/test.sh runs it last and alone.
#
# fleet_fits FREE_GB ELAPSED_S prints why and returns 0 when the fleet fits, 1 when it does not:
# Docker's disk needs ESPER_FLEET_MIN_FREE_GB (default 50) GB free (four hosts of ~10 GB with
# PyPI's CUDA torch, the shared wheelhouse, the inner engines: 46 GB measured), and a run with a
# time limit (ESPER_TEST_TIME_LIMIT_S; .ci/run sets CI's goal, 45 minutes) needs the time used, plus
# ESPER_FLEET_ESTIMATE_S (default 2900 s: the longest whole fleet measured, 2858 s, in
# molecule/README.md), plus 300 s for the digest and cleanup after it, to stay within the limit.
fleet_fits() {
  local free_gb=$1 elapsed=$2 min_gb=${ESPER_FLEET_MIN_FREE_GB:-50} estimate=${ESPER_FLEET_ESTIMATE_S:-2900}
  local limit=${ESPER_TEST_TIME_LIMIT_S:-}
  if [ "$free_gb" -lt "$min_gb" ]; then
    echo "molecule test -s fleet: ${free_gb} GB free on Docker's disk, the fleet needs ${min_gb} GB (ESPER_FLEET_MIN_FREE_GB: four hosts of ~10 GB, the shared wheelhouse, the inner engines)"
    return 1
  fi
  if [ -n "$limit" ] && [ $((elapsed + estimate + 300)) -gt "$limit" ]; then
    echo "molecule test -s fleet: ${elapsed} s used of the ${limit} s limit (ESPER_TEST_TIME_LIMIT_S), the fleet takes up to ${estimate} s (ESPER_FLEET_ESTIMATE_S) and 300 s more to finish"
    return 1
  fi
  echo "molecule test -s fleet fits: ${free_gb} GB free, ${elapsed} s used${limit:+ of the ${limit} s limit}, up to ${estimate} s needed"
}
