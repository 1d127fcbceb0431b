#!/usr/bin/env bash
# Installs what is missing, then configures and builds chaird (preset "default").
#   scripts/build.sh [target...]     everything by default; the demo builds chaird_runtime only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build --preset default --parallel "$(nproc)" "${targets[@]}"
