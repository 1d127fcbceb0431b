#!/usr/bin/env bash
# ThreadSanitizer over what it can see whole: the core (the session manager on its dispatch
# thread against planners and a kiosk on others, the status hub, the planner's guarded plugin
# calls), the simulator and its trace recorder, the board link (chaird's link and chair-simd's
# board on their own threads) and the store, through the unit tests, which use no gRPC. Debian's gRPC, absl and protobuf are not built with TSan, so a run through
# them reports races in code it cannot see; the gRPC-facing classes are held to the
# thread-safety analysis (docs/sanitizers.md) and to the interleaving tests instead.
# Suppressions: tests/tsan.supp, only frames inside uninstrumented libraries, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset tsan
cmake --build --preset tsan --parallel "$(nproc)" --target chaird_unit_tests

reports="$PWD/build/tsan/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
export TSAN_OPTIONS="log_path=$reports/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"
status=0
build/tsan/bin/chaird_unit_tests --gtest_brief=1 || status=$?
if compgen -G "$reports/*" >/dev/null; then
  echo "tsan.sh: ThreadSanitizer reports:" >&2
  for f in "$reports"/*; do echo "--- $f" >&2; head -60 "$f" >&2; done
  exit 1
fi
echo "tsan.sh: no ThreadSanitizer report"
exit "$status"
