#!/usr/bin/env bash
# The whole test suite again under clang's AddressSanitizer and UndefinedBehaviorSanitizer (the
# debug preset, which also runs clang's thread-safety analysis with -Werror), the integration
# tests' real chaird and chair-simd included. Any sanitizer report fails it, whether or not the
# test that caused it noticed: every process writes its reports under
# build/debug/sanitizer-reports/, which must stay empty. docs/sanitizers.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset debug
cmake --build --preset debug --parallel "$(nproc)"

reports="$PWD/build/debug/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
# Leaks too (LeakSanitizer, part of ASan); UBSan stops at the first report (the preset builds
# with -fno-sanitize-recover=undefined).
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="log_path=$reports/lsan"
status=0
ctest --preset debug --parallel "$(nproc)" || status=$?

if compgen -G "$reports/*" >/dev/null; then
  echo "sanitize.sh: sanitizer reports:" >&2
  for f in "$reports"/*; do echo "--- $f" >&2; head -40 "$f" >&2; done
  exit 1
fi
exit "$status"
