// The replay bench's speed: a 30-minute session replayed with the chair model stepping at
// 1 kHz, and the size of the trace it writes. Figures, not pass/fail: bench/run.sh prints them.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
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

// The shipped library on each reference chair: every program that fits the chair (its
// required_capabilities hold) planned, governed and replayed at 1 kHz. What a chair maker's
// replay bench run costs per chair, and how much of the library each chair runs.
const std::vector<std::string> kChairs = {"generic_4d_sl", "generic_2d_s", "generic_compact",
                                          "generic_premium"};

void BM_ReplayLibrary_OnChair(benchmark::State& state) {
  const std::string chair_id = kChairs.at(static_cast<std::size_t>(state.range(0)));
  ReferenceChair chair = load_chair(chair_id);
  auto programs = std::make_shared<std::map<std::string, ProgramRef>>();
  const std::string dir = CHAIRD_SOURCE_DIR "/sequences/programs";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".textproto") continue;
    auto p = read_program_file(e.path().string());
    if (!p) throw std::runtime_error(p.error().to_string());
    programs->emplace((*p)->id(), *p);
  }
  chair.context.resolver = [programs](std::string_view id) -> ProgramRef {
    const auto it = programs->find(std::string(id));
    return it == programs->end() ? nullptr : it->second;
  };
  std::vector<std::shared_ptr<const GovernedTimeline>> runs;
  for (const auto& [id, program] : *programs) {
    if (check_metadata(*program, *chair.chair).has_errors()) continue;  // not for this chair
    auto checked = check_program(program, chair.context);
    if (!checked) throw std::runtime_error(id + " on " + chair_id + ": " + checked.error().to_string());
    runs.push_back(checked->governed);
  }
  double session_min = 0.0;
  for (const auto& r : runs) session_min += static_cast<double>(r->timeline().duration_ms) / 60000.0;
  std::size_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    for (const auto& r : runs) rows += sim::replay(chair.chair, r, *chair.governor, {}).samples.size();
    benchmark::DoNotOptimize(rows);
  }
  state.SetLabel(chair_id);
  state.counters["programs"] = static_cast<double>(runs.size());
  state.counters["library"] = static_cast<double>(programs->size());
  state.counters["session_min"] = session_min;
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_ReplayLibrary_OnChair)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chaird::bench

BENCHMARK_MAIN();
