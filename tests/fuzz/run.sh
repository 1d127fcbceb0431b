#!/usr/bin/env bash
# Builds the fuzz targets (the debug preset: clang, libFuzzer, ASan and UBSan) and runs each on
# its seeds, then prints a table: executions, coverage, corpus and findings per target.
#
#   tests/fuzz/run.sh                     10 million executions per target (docs/fuzzing.md)
#   tests/fuzz/run.sh --seconds 60 --seed 1   a minute per target, the same inputs each time (CI)
#   tests/fuzz/run.sh --runs N --only program_fuzzer,config_fuzzer
#
# Exits 1 when a target finds anything: its input is kept under build/debug/findings/<target>/,
# and `build/debug/bin/<target> <file>` replays it.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=10000000
seconds=0
only=""
seed=0
jobs=$(( $(nproc) > 1 ? 2 : 1 ))
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
cmake --preset debug >/dev/null
cmake --build --preset debug --target chaird_fuzzers --parallel "$(nproc)"

# Each target's seeds in the repo, and the shipped files of its kind.
declare -A shipped=(
  [program_fuzzer]="sequences/programs"
  [chair_profile_fuzzer]="sequences/chairs"
  [config_fuzzer]=""
  [rules_fuzzer]="sequences/safety"
  [fault_scenario_fuzzer]="sequences/faults"
  [board_frames_fuzzer]=""
  [board_side_fuzzer]=""
  [host_side_fuzzer]=""
  [api_request_fuzzer]=""
)
# The three board targets read the same records (tests/fuzz/board_wire.hpp).
declare -A seed_dir=([board_side_fuzzer]=board_frames [host_side_fuzzer]=board_frames)
targets=(program_fuzzer chair_profile_fuzzer config_fuzzer rules_fuzzer fault_scenario_fuzzer
         board_frames_fuzzer board_side_fuzzer host_side_fuzzer api_request_fuzzer)
if [[ -n "$only" ]]; then IFS=, read -r -a targets <<<"$only"; fi

out=build/debug/runs
rm -rf "$out"
mkdir -p "$out"

run_one() {
  local target="$1"
  local seeds="tests/fuzz/seeds/${seed_dir[$target]:-${target%_fuzzer}}"
  local corpus="build/debug/corpus/$target"
  local findings="build/debug/findings/$target"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings"
  local limit=(-runs="$runs")
  [[ "$seconds" -gt 0 ]] && limit=(-max_total_time="$seconds")
  # A fixed seed makes libFuzzer draw the same inputs in the same order from the same corpus, so
  # that a finding in CI is found again by the same command (0: a new seed each run, as the long
  # campaigns want).
  [[ "$seed" -gt 0 ]] && limit+=(-seed="$seed")
  # -timeout: an input that takes longer is a hang; -rss_limit_mb: the memory bound.
  local rc=0
  "build/debug/bin/$target" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$findings/" \
    "$corpus" "$seeds" ${shipped[$target]} >"$out/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$out/$target.rc"
}

running=0
for t in "${targets[@]}"; do
  [[ -x "build/debug/bin/$t" ]] || { echo "run.sh: no target $t" >&2; exit 2; }
  run_one "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

found=0
printf '%-24s %14s %10s %8s %8s %9s  %s\n' target executions exec/s cov features corpus findings
for t in "${targets[@]}"; do
  log="$out/$t.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  cov=$(grep -o ' cov: [0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  ft=$(grep -o ' ft: [0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  corp=$(grep -o ' corp: [0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  n=$(find "build/debug/findings/$t" -type f | wc -l)
  rc=$(cat "$out/$t.rc")
  [[ "$rc" -ne 0 && "$n" -eq 0 ]] && n="exit $rc"
  [[ "$n" != 0 ]] && found=1
  printf '%-24s %14s %10s %8s %8s %9s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$n"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); logs in $out/"
if [[ $found -ne 0 ]]; then
  echo "run.sh: findings; see build/debug/findings/ and the logs" >&2
  for t in "${targets[@]}"; do
    if [[ -n "$(find "build/debug/findings/$t" -type f)" || "$(cat "$out/$t.rc")" -ne 0 ]]; then
      echo "--- $t" >&2; grep -E 'ERROR|finding|SUMMARY|==[0-9]+==' "$out/$t.log" | head -20 >&2
    fi
  done
  exit 1
fi
