#!/usr/bin/env bash
# chaird under a kiosk fleet's load, next to the machine's timing floor: the dispatch thread's
# lateness with a session running, idle and under 64 status streams and 500 unary calls a
# second; cyclictest (rt-tests) with the same scheduling policy, alone and beside chaird; and
# chaird's resident memory and time to SERVING.
#   bench/load.sh [SECONDS]            each phase SECONDS long (default 60): cyclictest alone,
#                                      chaird idle, then the load twice (a leak grows with each
#                                      round): about 4 x SECONDS. cyclictest runs beside chaird
#                                      twice: every 1 ms and at the dispatch thread's pace
#   CHAIRD_RT_PRIORITY=10 bench/load.sh   both under SCHED_FIFO 10 (when permitted)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
prio=${CHAIRD_RT_PRIORITY:-0}
scripts/build.sh chaird_load_bench >/dev/null
command -v cyclictest >/dev/null ||
  { echo "load.sh: cyclictest is missing (scripts/install-deps.sh installs rt-tests)" >&2; exit 1; }
if [[ $prio -gt 0 ]]; then policy=(--policy=fifo -p "$prio"); else policy=(--policy=other -p 0); fi
work=$(mktemp -d "${TMPDIR:-/tmp}/chaird-load.XXXXXX")
trap 'rm -rf "$work"' EXIT

# cyclictest: one thread waking every INTERVAL microseconds (default 1000), a histogram to
# 10 ms. Prints p50 p99 p99.9 max in microseconds.
#   cyclic SECONDS [INTERVAL_US]
cyclic() {
  cyclictest -q -t1 -i "${2:-1000}" -D "${1}s" -h 10000 "${policy[@]}" 2>/dev/null | awk '
    /^[0-9]/ { n[$1 + 0] = $2; total += $2; next }
    /# Max Latenc/ { max = $4 + 0 }
    /# Histogram Overflows:/ { over = $4 + 0 }
    END {
      total += over; split("0.5 0.99 0.999", q, " "); seen = 0; k = 1
      for (us = 0; us <= 10000 && k <= 3; us++) {
        seen += n[us]
        while (k <= 3 && seen >= q[k] * total) { p[k] = us; k++ }
      }
      for (; k <= 3; k++) p[k] = ">10000"
      printf "%s %s %s %s\n", p[1], p[2], p[3], max
    }'
}

# A thread that sleeps longer wakes later: the CPU has gone further into its idle states and its
# caches have cooled. Waking every millisecond, cyclictest measures the machine at its quickest;
# chaird's dispatch thread has a timer about every 60 ms (the bench prints its pace). So a second
# cyclictest runs beside chaird at that pace: the same wake-up the dispatch thread has, with
# nothing of chaird's in it. (cyclictest also holds /dev/cpu_dma_latency at 0 while it runs,
# which keeps the CPUs out of deep idle states for both.)
pace_us=60000
load_line=$(cut -d' ' -f1 /proc/loadavg)
floor=$(cyclic "$seconds")
# chaird: an idle phase, then the load phase; both cyclictests run beside it all along.
rounds=2
beside_seconds=$(((1 + rounds) * seconds + 2 * rounds + 5))
cyclic "$beside_seconds" >"$work/beside" &
beside_pid=$!
cyclic "$beside_seconds" "$pace_us" >"$work/paced" &
paced_pid=$!
build/default/bin/chaird_load_bench --seconds "$seconds" --streams 64 --rps 500 \
  --rounds "$rounds" --rt-priority "$prio" >"$work/bench"
wait "$beside_pid" "$paced_pid"
beside=$(cat "$work/beside")
paced=$(cat "$work/paced")
v() { sed -n "s/^$1=//p" "$work/bench"; }

echo "chaird under load: $(nproc) CPUs, $(uname -r), load $load_line before, policy ${policy[*]}"
echo "  start to SERVING: $(v time_to_serving_ms) ms"
echo "  resident memory: $(v rss_idle_MiB) MiB at SERVING, $(v rss_session_MiB) MiB with a session running before the load, after each round of it: $(v rss_after_each_round_MiB) MiB (peak $(v rss_peak_MiB) MiB)"
echo "  load: $(v rounds) rounds of $(v streams) WatchSession streams ($(v load_streams_served) served, $(v load_statuses_received) statuses) and $(v rps) unary calls/s for $(v seconds) s: $(v load_unary_ok) answered, $(v load_unary_failed) failed"
printf '  %-44s %8s %8s %8s %8s  (us)\n' "" p50 p99 p99.9 max
printf '  %-44s %8s %8s %8s %8s\n' "dispatch lateness, session running, idle:" "$(v idle_p50_us)" "$(v idle_p99_us)" "$(v idle_p999_us)" "$(v idle_max_us)"
printf '  %-44s %8s %8s %8s %8s\n' "dispatch lateness, session running, loaded:" "$(v load_p50_us)" "$(v load_p99_us)" "$(v load_p999_us)" "$(v load_max_us)"
read -r f50 f99 f999 fmax <<<"$floor"
read -r b50 b99 b999 bmax <<<"$beside"
read -r p50 p99 p999 pmax <<<"$paced"
printf '  %-44s %8s %8s %8s %8s\n' "cyclictest alone, every 1 ms:" "$f50" "$f99" "$f999" "$fmax"
printf '  %-44s %8s %8s %8s %8s\n' "cyclictest beside chaird, every 1 ms:" "$b50" "$b99" "$b999" "$bmax"
printf '  %-44s %8s %8s %8s %8s\n' "cyclictest beside chaird, every $((pace_us / 1000)) ms:" "$p50" "$p99" "$p999" "$pmax"
echo "  the dispatch thread's pace: a timer every $(v idle_mean_interval_ms) ms on average (idle)"
awk -v d="$(v load_p99_us)" -v c="$p99" -v b="$b99" -v pace=$((pace_us / 1000)) 'BEGIN {
  if (c + 0 > 0) printf "  loaded dispatch p99 / cyclictest p99 at its pace (%d ms): %.2f (goal <= 1.5)\n", pace, d / c
  if (b + 0 > 0) printf "  loaded dispatch p99 / cyclictest p99 every 1 ms: %.2f\n", d / b }'
