#!/usr/bin/env bash
# The main job, for a newcomer: build, start chaird on the simulated chair, and run one shipped
# program through chairctl at an accelerated time scale, printing live progress.
#   scripts/demo.sh [program-id]        (CHAIRD_DEMO_SCALE=20 by default: 20 chair seconds per second)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh chaird_runtime

program=${1:-quick_relief}
scale=${CHAIRD_DEMO_SCALE:-20}
bin=build/default/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/chaird-demo.XXXXXX")
socket="$work/chaird.sock"

"$bin/chaird" --socket "$socket" --clock scaled --time-scale "$scale" --trace "$work/trace.csv" \
  --state-dir "$work/state" &
chaird_pid=$!
stop_chaird() {
  # SIGTERM: chaird brings the chair to its safe state, then exits. Nothing is left running.
  if kill -0 "$chaird_pid" 2>/dev/null; then
    kill -TERM "$chaird_pid"
    wait "$chaird_pid" || true
  fi
}
trap stop_chaird EXIT

"$bin/chairctl" --socket "$socket" --wait 30 programs
echo
echo "== running '$program' on the simulated chair at ${scale}x =="
"$bin/chairctl" --socket "$socket" start "$program" --watch
stop_chaird
trap - EXIT
echo
echo "The simulated chair's trace (every actuator, every 100 ms of chair time): $work/trace.csv"
