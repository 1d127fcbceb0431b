#!/usr/bin/env bash
# Builds and runs the benchmarks, then prints the performance table (medians of 15 runs).
#   bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh chaird_plan_bench chaird_stop_bench chaird_link_bench chaird_replay_bench chaird_monitor_bench chaird_status_fanout_bench >/dev/null
csv=$(build/default/bin/chaird_plan_bench --benchmark_repetitions=15 --benchmark_report_aggregates_only=true \
  --benchmark_format=csv 2>/dev/null)
echo "chaird benchmarks: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-52s %12s %10s %10s\n' "what" "median" "target" "peak RSS"
# CSV columns: name,iterations,real_time,cpu_time,time_unit,...,then the user counters by name.
echo "$csv" | awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; next }
  $1 !~ /_median"?$/ { next }
  {
    name = $1; gsub(/"/, "", name); sub(/_median$/, "", name)
    t = $col["real_time"]; unit = $col["time_unit"]; gsub(/"/, "", unit)
    ms = (unit == "us") ? t / 1000 : (unit == "ns") ? t / 1e6 : t
    rss = ("peak_rss_MiB" in col && $col["peak_rss_MiB"] != "") ? sprintf("%.0f MiB", $col["peak_rss_MiB"]) : ""
    label = name; target = ""
    if (name == "BM_ParsePlanGovern_30min_200steps") { label = "parse, plan and govern a 30-min, 200-step program"; target = "<= 2 ms" }
    if (name == "BM_Replan_Remaining_15of30min") { label = "re-plan the remaining 15 min of a session"; target = "<= 1 ms" }
    if (name == "BM_Refuse_10MB_File") label = "refuse a 10 MB program file"
    if (name == "BM_Refuse_MillionStepRepeat") label = "refuse a repeat expanding to a million steps"
    shown = (ms < 0.1) ? sprintf("%9.1f us", ms * 1000) : sprintf("%9.3f ms", ms)
    printf "%-52s %12s %10s %10s\n", label, shown, target, rss
  }'

# The emergency stop: 1000 stops per row, chaird in-process in real time, the client on its socket.
echo
echo "emergency stop (1000 stops each; load $(cut -d' ' -f1 /proc/loadavg))"
# One run per benchmark: Google Benchmark's CSV has one header, and each of these has its own counters.
stop_row() {
  build/default/bin/chaird_stop_bench --benchmark_format=csv --benchmark_filter="$1" 2>/dev/null |
    awk -F, -v what="$2" '
      NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; next }
      what == "roundtrip" {
        printf "  client round trip, EmergencyStop vs ListHealthConditions: p50 %.0f us vs %.0f us = %.2fx (goal <= 1.3x); p99 %.0f vs %.0f us\n", $col["estop_rtt_p50_us"], $col["empty_rtt_p50_us"], $col["ratio_p50"], $col["estop_rtt_p99_us"], $col["empty_rtt_p99_us"]
        next
      }
      { printf "  received -> every actuator commanded safe, %-8s p50 %6.1f us  p99 %6.1f us   (goal p99 <= 1 ms)\n", what ":", $col["received_to_safe_p50_us"], $col["received_to_safe_p99_us"] }'
}
stop_row 'ReceivedToSafe/0' idle
stop_row 'ReceivedToSafe/1' running
stop_row 'RoundTrip' roundtrip

# The run-time monitors: from the telemetry sample that shows a fault to the safe state.
echo
echo "run-time monitors (200 trips each; load $(cut -d' ' -f1 /proc/loadavg))"
build/default/bin/chaird_monitor_bench --benchmark_format=csv 2>/dev/null | awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; next }
  {
    label = $col["label"]; gsub(/"/, "", label)
    printf "  %-15s sample -> every actuator commanded safe: p50 %5.1f us, p99 %5.1f us (+ one 100 ms telemetry period <= 101 ms); fault -> tripping sample %5.0f ms of chair time\n", label ":", $col["sample_to_safe_p50_us"], $col["sample_to_safe_p99_us"], $col["onset_to_trip_ms"]
  }'

# The board link: chair-simd's protocol over a Unix socket against the in-process bus.
echo
echo "board link (1000 commands each; load $(cut -d' ' -f1 /proc/loadavg))"
# One run per benchmark (each has its own counters, and the CSV has one header).
link_value() {
  build/default/bin/chaird_link_bench --benchmark_format=csv --benchmark_filter="$1" 2>/dev/null |
    awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; next } { print $col[c] }'
}
lp=$(link_value CommandThroughLink link_p50_us); lq=$(link_value CommandThroughLink link_p99_us)
ip=$(link_value CommandInProcess inprocess_p50_us); iq=$(link_value CommandInProcess inprocess_p99_us)
rate=$(link_value LinkThroughput commands_per_s)
awk -v lp="$lp" -v lq="$lq" -v ip="$ip" -v iq="$iq" -v rate="$rate" 'BEGIN {
  printf "  a command until the board has it: link p50 %.1f us, p99 %.1f us; in-process p50 %.2f us, p99 %.2f us\n", lp, lq, ip, iq
  printf "  added by the link: p50 %.1f us, p99 %.1f us\n", lp - ip, lq - iq
  printf "  sustained: %.0f commands/s (frames of 64, 64 frames in flight)\n", rate
}'

# The replay bench: a 30-minute session on the chair model at 1 kHz, in virtual time.
echo
echo "replay (median of 5; load $(cut -d' ' -f1 /proc/loadavg))"
build/default/bin/chaird_replay_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=csv 2>/dev/null | awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; next }
  $1 ~ /BM_Replay_30min_1kHz_median/ {
    printf "  replay a 30-min session, model at 1 kHz: %.0f ms (goal <= 100 ms), %.0fx real time\n", $col["real_time"], 1800000 / $col["real_time"]
    printf "  its trace: %.0f rows, %.1f MB as CSV, %.1f MB as JSONL\n", $col["rows"], $col["csv_MB"], $col["jsonl_MB"]
  }
  $1 ~ /BM_WriteTraceCsv_30min_median/ { printf "  writing that trace as CSV: %.0f ms\n", $col["real_time"] }
  $1 ~ /BM_ReplayLibrary_OnChair\/[0-9]+_median/ {
    label = $col["label"]; gsub(/"/, "", label)
    printf "  the library on %s: %d of %d programs fit, %.0f min of sessions replayed in %.0f ms\n", label, $col["programs"], $col["library"], $col["session_min"], $col["real_time"]
  }'

# A status publish on the dispatch thread, by the number of open status streams.
echo
echo "status streams (median of 5; load $(cut -d' ' -f1 /proc/loadavg))"
build/default/bin/chaird_status_fanout_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=csv 2>/dev/null | awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); col[h] = i }; next }
  $1 ~ /_median"?$/ {
    name = $1; gsub(/"/, "", name); split(name, part, "/")
    how = (part[3] + 0 == 1) ? "fan-out thread" : "on the dispatch thread"
    printf "  publish with %4d streams open, %-22s %8.2f us\n", part[2], how ":", $col["real_time"]
  }'
