#!/usr/bin/env bash
# Crash safety of what chaird keeps: chaird killed with SIGKILL at random moments while custom
# programs, a profile and session history are being saved, then started again on the same state
# directory, ROUNDS times (200 by default); prints what was acknowledged and every violation.
#   bench/crash.sh [ROUNDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh chaird_crash_bench >/dev/null
build/default/bin/chaird_crash_bench build/default/bin/chaird --rounds "${1:-200}" --seed "${2:-1}"
