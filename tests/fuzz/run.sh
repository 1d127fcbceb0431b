#!/usr/bin/env bash
# Builds the fuzz targets (the debug preset: clang, libFuzzer, ASan and UBSan) and runs each on
# its seeds, then prints a table: executions, coverage, corpus and findings per target.
#
#   tests/fuzz/run.sh                     10 million executions per target (docs/fuzzing.md)
#   tests/fuzz/run.sh --seconds 60 --seed 1   a minute per target, the same inputs each time (CI)
#   tests/fuzz/run.sh --runs N --only program_fuzzer,config_fuzzer
#   tests/fuzz/run.sh --campaign --seconds 3600 --only rules_fuzzer
#                                         a campaign: its corpus and executions are kept in the
#                                         repo (tests/fuzz/corpus/, tests/fuzz/campaigns.tsv);
#                                         without --runs, each target runs to what the goal lacks
#   tests/fuzz/run.sh --tally             executions each target has had in campaigns so far
#
# Every run also reads the corpus the campaigns grew (tests/fuzz/corpus/<target>/), so CI's
# minute replays everything they found worth keeping.
# Exits 1 when a target finds anything: its input is kept under build/debug/findings/<target>/,
# and `build/debug/bin/<target> <file>` replays it.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=0
seconds=0
only=""
seed=0
campaign=0
goal=10000000
jobs=$(( $(nproc) > 1 ? 2 : 1 ))
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --campaign) campaign=1; shift ;;
    --tally) tally_only=1; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

tally_file=tests/fuzz/campaigns.tsv
# Executions per target over every campaign row, against the goal (docs/fuzzing.md); "found in":
# how many of its runs found anything.
tally() {
  awk -F'\t' -v goal="$goal" 'NR > 1 { n[$3] += $4; s[$3] += $5; f[$3] += ($10 == "0" ? 0 : 1)
                                         runs[$3]++ }
    END { for (t in n) printf "%-24s %14d %6d %9d %9d  %s\n", t, n[t], runs[t], s[t], f[t],
                              (n[t] >= goal ? "reached" : sprintf("%.1f%%", 100 * n[t] / goal)) }' \
    "$tally_file" | sort
}
# Executions one target has had in campaigns so far.
tallied() {
  [[ -f "$tally_file" ]] || { echo 0; return; }
  awk -F'\t' -v t="$1" 'NR > 1 && $3 == t { n += $4 } END { print n + 0 }' "$tally_file"
}
tally_header() {
  printf '%-24s %14s %6s %9s %9s  %s\n' target executions runs seconds "found in" goal
}
if [[ "${tally_only:-0}" -eq 1 ]]; then tally_header; tally; exit 0; fi

scripts/install-deps.sh
cmake --preset debug >/dev/null
cmake --build --preset debug --target chaird_fuzzers --parallel "$(nproc)"
# The commit the targets were built from, taken now: a campaign runs for hours, and commits that
# land meanwhile are not what it fuzzed. "+changes": sources differed from that commit. Only a
# campaign records it, so that other runs need no git work tree.
if [[ $campaign -eq 1 ]]; then
  built_from=$(git rev-parse --short HEAD)
  git diff --quiet HEAD -- . ':!tests/fuzz/corpus' ':!tests/fuzz/campaigns.tsv' || built_from+="+changes"
fi

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
# The longest input each target is given: room for the largest shipped file of its kind (9 KB)
# or a board stream of dozens of frames, and no more, since libFuzzer lets inputs grow to the
# bound and a longer input is a slower one (chair profiles grow to 10 KB in an hour). A longer
# input is cut to the bound.
declare -A max_len=(
  [program_fuzzer]=16384
  [chair_profile_fuzzer]=16384
  [rules_fuzzer]=16384
  [config_fuzzer]=4096
  [fault_scenario_fuzzer]=4096
  [board_frames_fuzzer]=4096
  [board_side_fuzzer]=4096
  [host_side_fuzzer]=4096
  [api_request_fuzzer]=8192
)
# The three socket targets run chaird's threads (a board's, the link's, gRPC's), which free
# what an input allocated after the input returns: libFuzzer's leak check after each new input
# (it runs LeakSanitizer whenever an input left more allocations than frees) then stops the
# world on nearly every one, and board_side_fuzzer ran at a fifth of its speed (53 against 260
# executions a second). Leaks are still found: LeakSanitizer checks the whole run when the
# fuzzer exits, and a leak per input grows to -rss_limit_mb.
declare -A per_input_leak_check=(
  [board_side_fuzzer]=0
  [host_side_fuzzer]=0
  [api_request_fuzzer]=0
)
targets=(program_fuzzer chair_profile_fuzzer config_fuzzer rules_fuzzer fault_scenario_fuzzer
         board_frames_fuzzer board_side_fuzzer host_side_fuzzer api_request_fuzzer)
if [[ -n "$only" ]]; then IFS=, read -r -a targets <<<"$only"; fi

out=build/debug/runs
rm -rf "$out"
# A fuzzer that stopped on a finding leaves its scratch directory in memory (fuzz_support.cpp).
for d in /dev/shm/chaird-fuzz-*; do
  if [[ -d "$d" ]] && ! kill -0 "${d##*-}" 2>/dev/null; then rm -rf "$d"; fi
done
mkdir -p "$out"

run_one() {
  local target="$1"
  local seeds="tests/fuzz/seeds/${seed_dir[$target]:-${target%_fuzzer}}"
  local corpus="build/debug/corpus/$target"
  local kept="tests/fuzz/corpus/$target"
  local findings="build/debug/findings/$target"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings" "$kept"
  # --runs and --seconds together: whichever comes first ends the run.
  local limit=()
  local want="$runs"
  # A campaign without --runs goes on to the goal: what the tally still lacks.
  if [[ $campaign -eq 1 && "$want" -eq 0 ]]; then want=$((goal - $(tallied "$target"))); fi
  [[ "$want" -gt 0 ]] && limit+=(-runs="$want")
  [[ "$seconds" -gt 0 ]] && limit+=(-max_total_time="$seconds")
  [[ ${#limit[@]} -eq 0 ]] && limit=(-runs="$goal")
  # A fixed seed makes libFuzzer draw the same inputs in the same order from the same corpus, so
  # that a finding in CI is found again by the same command (0: a new seed each run, as the long
  # campaigns want).
  [[ "$seed" -gt 0 ]] && limit+=(-seed="$seed")
  # -timeout: an input that takes longer is a hang; -rss_limit_mb: the memory bound.
  local rc=0 began=$SECONDS
  "build/debug/bin/$target" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$target]}" \
    -detect_leaks="${per_input_leak_check[$target]:-1}" -print_final_stats=1 -artifact_prefix="$findings/" \
    "$corpus" "$kept" "$seeds" ${shipped[$target]} >"$out/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$out/$target.rc"
  echo $((SECONDS - began)) >"$out/$target.seconds"
  if [[ $campaign -eq 1 ]]; then keep_corpus "$target"; fi
}

# A campaign keeps the smallest set of inputs that reaches everything the kept corpus and this
# run's corpus reach (libFuzzer's -merge=1 into an empty directory), so the repo holds what was
# learned and not every input that once looked new.
keep_corpus() {
  local target="$1" kept="tests/fuzz/corpus/$1" merged="build/debug/merged/$1"
  rm -rf "$merged"
  mkdir -p "$merged"
  # An input that fails while merging (a binary rebuilt since the run) is a finding like any
  # other: kept with the findings, not dropped in the working directory and forgotten.
  if "build/debug/bin/$target" -merge=1 -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$1]}" \
       -artifact_prefix="build/debug/findings/$target/" \
       "$merged" "$kept" "build/debug/corpus/$target" >"$out/$target.merge.log" 2>&1; then
    rm -rf "$kept"
    mv "$merged" "$kept"
  else
    echo "run.sh: merging $target's corpus failed; see $out/$target.merge.log" >&2
  fi
}

if [[ $campaign -eq 1 && "$runs" -eq 0 ]]; then
  left=()
  for t in "${targets[@]}"; do
    if [[ $(tallied "$t") -lt $goal ]]; then left+=("$t"); else echo "run.sh: $t has reached the goal"; fi
  done
  targets=("${left[@]}")
  [[ ${#targets[@]} -gt 0 ]] || exit 0
fi

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
  if [[ $campaign -eq 1 ]]; then
    # A run a finding stopped has no final stats: its last status line counts.
    [[ -z "$execs" ]] && execs=$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -1 || true)
    [[ -f "$tally_file" ]] ||
      printf 'date\tcommit\ttarget\texecutions\tseconds\texec_per_s\tcov\tfeatures\tcorpus\tfindings\tload\n' \
        >"$tally_file"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" \
      "$built_from" "$t" "${execs:-0}" "$(cat "$out/$t.seconds")" "${rate:-0}" \
      "${cov:-0}" "${ft:-0}" "$(find "tests/fuzz/corpus/$t" -type f | wc -l)" "$n" \
      "$(cut -d' ' -f1 /proc/loadavg)" >>"$tally_file"
  fi
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); logs in $out/"
if [[ $campaign -eq 1 ]]; then echo "campaigns so far ($tally_file):"; tally_header; tally; fi
if [[ $found -ne 0 ]]; then
  echo "run.sh: findings; see build/debug/findings/ and the logs" >&2
  for t in "${targets[@]}"; do
    if [[ -n "$(find "build/debug/findings/$t" -type f)" || "$(cat "$out/$t.rc")" -ne 0 ]]; then
      echo "--- $t" >&2
      grep -E 'ERROR|finding|runtime error|SUMMARY|==[0-9]+==' "$out/$t.log" | head -20 >&2
      # CI's work tree goes with its machine, and the socket targets follow thread timing, so the
      # same seed need not find it again: the input itself goes into the log (at most 16 KiB).
      find "build/debug/findings/$t" -type f | head -3 | while read -r f; do
        echo "input $f, $(stat -c %s "$f") bytes; to replay: base64 -d >in <<<'...'; build/debug/bin/$t in" >&2
        base64 -w 0 "$f" >&2
        echo >&2
      done
    fi
  done
  exit 1
fi
