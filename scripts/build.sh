#!/usr/bin/env bash
# Installs what is missing, then configures and builds chaird (preset "default").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default
cmake --build --preset default --parallel "$(nproc)"
