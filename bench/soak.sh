#!/usr/bin/env bash
# chaird soaked: sessions started, adjusted, paused, resumed and stopped back to back under 64
# status streams and 500 unary calls a second, in real time; prints the dispatch thread's
# lateness, chaird's memory, descriptors and threads for each tenth of the run, and every error
# the clients saw.
#   bench/soak.sh [SECONDS]     600 (ten minutes) by default
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
scripts/build.sh chaird_soak_bench >/dev/null
build/default/bin/chaird_soak_bench --seconds "$seconds" --streams 64 --rps 500
