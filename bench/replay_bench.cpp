// The replay bench's speed: a 30-minute session replayed with the chair model stepping at
// 1 kHz, and the size of the trace it writes. Figures, not pass/fail: bench/run.sh prints them.
#include <benchmark/benchmark.h>

#include <sstream>
#include <stdexcept>

#include "program_generator.hpp"
#include "reference_chair.hpp"
#include "replay/replay_runner.hpp"
#include "replay/trace_io.hpp"

namespace chaird::bench {
namespace {

struct Setup {
  ReferenceChair reference = load_reference_chair();
  std::shared_ptr<const ChairModel> chair = reference.chair;
  SafetyGovernor* governor = reference.governor.get();
  std::shared_ptr<const GovernedTimeline> governed;

  static const Setup& get() {
    static const Setup setup = [] {
      Setup s;
      auto program = parse_program_text(thirty_minute_program(), "bench.textproto");
      if (!program) throw std::runtime_error(program.error().to_string());
      auto checked = check_program(*program, s.reference.context);
      if (!checked) throw std::runtime_error(checked.error().to_string());
      s.governed = checked->governed;
      return s;
    }();
    return setup;
  }
};

// Planner output in hand (that is the plan bench's figure): executor, governor watch, the
// chair model at 1 kHz and the trace recorder, over 30 minutes of chair time plus the settling.
void BM_Replay_30min_1kHz(benchmark::State& state) {
  const Setup& s = Setup::get();
  sim::ReplayTrace trace;
  for (auto _ : state) {
    trace = sim::replay(s.chair, s.governed, *s.governor, {});
    benchmark::DoNotOptimize(trace);
  }
  std::ostringstream csv;
  sim::write_trace_csv(trace, csv);
  std::ostringstream jsonl;
  sim::write_trace_jsonl(trace, jsonl);
  state.counters["session_s"] = static_cast<double>(s.governed->timeline().duration_ms) / 1000.0;
  state.counters["model_steps"] = static_cast<double>(trace.end_ms);  // one per ms
  state.counters["rows"] = static_cast<double>(trace.samples.size());
  state.counters["csv_MB"] = static_cast<double>(csv.str().size()) / 1e6;
  state.counters["jsonl_MB"] = static_cast<double>(jsonl.str().size()) / 1e6;
}
BENCHMARK(BM_Replay_30min_1kHz)->Unit(benchmark::kMillisecond);

// Writing that trace as CSV (what `chairctl replay` adds on top of the replay).
void BM_WriteTraceCsv_30min(benchmark::State& state) {
  const Setup& s = Setup::get();
  const auto trace = sim::replay(s.chair, s.governed, *s.governor, {});
  for (auto _ : state) {
    std::ostringstream csv;
    sim::write_trace_csv(trace, csv);
    benchmark::DoNotOptimize(csv);
  }
}
BENCHMARK(BM_WriteTraceCsv_30min)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chaird::bench

BENCHMARK_MAIN();
