#!/usr/bin/env bash
# Regenerates tests/golden/<id>.timeline, the planned timeline of every shipped program on the
# reference chair, tests/golden/chairs/<chair>/<id>.timeline, the same on each other reference
# chair the program fits, and tests/golden/replay/<id>.trace.csv, its replay on the chair model,
# through the same code the tests compare with. Run it after a deliberate
# change to a program, a technique or the planner, then review `git diff tests/golden` and
# commit the golden files with the change that explains them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
rm -f tests/golden/*.timeline tests/golden/replay/*.trace.csv tests/golden/chairs/*/*.timeline
CHAIRD_UPDATE_GOLDEN=1 build/default/bin/chaird_program_tests \
  --gtest_filter='Library/ShippedProgram.PlansToItsGoldenTimeline/*:Library/ShippedProgram.ReplaysToItsGoldenTrace*:Library/OnAReferenceChair.*' \
  | grep -E 'wrote|FAILED' || true
build/default/bin/chaird_program_tests --gtest_brief=1
git --no-pager diff --stat -- tests/golden || true
