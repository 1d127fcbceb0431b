#!/usr/bin/env bash
# Builds and runs the benchmarks, then prints the performance table (medians of 15 runs).
#   bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
out=$(mktemp)
build/default/bin/chaird_plan_bench --benchmark_repetitions=15 --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$out"
python3 - "$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
targets = {
    "BM_ParsePlanGovern_30min_200steps": ("parse, plan and govern a 30-min, 200-step program", 2.0),
    "BM_Replan_Remaining_15of30min": ("re-plan the remaining 15 min of a running session", 1.0),
    "BM_Refuse_10MB_File": ("refuse a 10 MB program file", None),
    "BM_Refuse_MillionStepRepeat": ("refuse a repeat expanding to a million steps", None),
}
ctx = data["context"]
print(f"chaird benchmarks on {ctx.get('host_name','?')}: {ctx['num_cpus']} CPUs, {ctx.get('library_build_type','?')} benchmark library")
print(f"{'what':<52} {'median':>10} {'target':>8} {'peak RSS':>9}")
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    label, target = targets.get(name, (name, None))
    unit = b["time_unit"]
    t = b["real_time"]
    ms = t / 1000.0 if unit == "us" else t
    rss = b.get("peak_rss_MiB")
    print(f"{label:<52} {ms:>7.3f} ms {(f'<= {target:g} ms' if target else ''):>8} "
          f"{(f'{rss:.0f} MiB' if rss else ''):>9}")
PY
rm -f "$out"
