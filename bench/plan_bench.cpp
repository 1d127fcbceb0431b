// How fast a program becomes a governed timeline, and how fast a running session is re-planned
// (what a live adjustment needs). Figures, not pass/fail: bench/run.sh prints the table.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "library/program_checker.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "program_generator.hpp"
#include "reference_chair.hpp"

namespace chaird::bench {
namespace {

struct Setup {
  ReferenceChair reference = load_reference_chair();
  const std::shared_ptr<const ChairModel>& chair = reference.chair;
  const ProgramCheckContext& context = reference.context;
  const SafetyGovernor* governor = reference.governor.get();
  std::string text = thirty_minute_program();

  static const Setup& get() {
    static const Setup setup;
    return setup;
  }
};

void report_peak_rss(benchmark::State& state) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// The production path of StartSession and `chairctl lint`: parse, check metadata, plan on the
// guarded plugin thread, govern.
void BM_ParsePlanGovern_30min_200steps(benchmark::State& state) {
  const Setup& s = Setup::get();
  std::size_t commands = 0;
  for (auto _ : state) {
    auto program = parse_program_text(s.text, "bench.textproto");
    auto checked = check_program(*program, s.context);
    if (!checked) throw std::runtime_error(checked.error().to_string());
    commands = checked->governed->timeline().commands.size();
    benchmark::DoNotOptimize(checked);
  }
  state.counters["steps"] = 200;
  state.counters["commands"] = static_cast<double>(commands);
  report_peak_rss(state);
}
BENCHMARK(BM_ParsePlanGovern_30min_200steps)->Unit(benchmark::kMillisecond);

// A live adjustment 15 minutes in: the remaining half planned again at a new intensity, then
// governed (every re-plan passes the governor).
void BM_Replan_Remaining_15of30min(benchmark::State& state) {
  const Setup& s = Setup::get();
  auto program = parse_program_text(s.text, "bench.textproto");
  auto checked = check_program(*program, s.context);
  if (!checked) throw std::runtime_error(checked.error().to_string());
  const Planner planner;
  PlanOptions options = checked->plan->options;
  bool softer = true;
  for (auto _ : state) {
    options.scaling.intensity_scale = softer ? 0.7 : 1.2;
    softer = !softer;
    auto replanned = planner.replan(*checked->plan, 15 * 60 * 1000, options);
    if (!replanned) throw std::runtime_error(replanned.error().to_string());
    auto governed = s.governor->review((*replanned)->timeline);
    if (!governed) throw std::runtime_error(governed.error().to_string());
    benchmark::DoNotOptimize(governed);
  }
  report_peak_rss(state);
}
BENCHMARK(BM_Replan_Remaining_15of30min)->Unit(benchmark::kMillisecond);

// Bad input is refused in bounded time: a 10 MB file (refused by size before parsing) and a
// repeat that would expand to a million steps (refused before expanding).
void BM_Refuse_10MB_File(benchmark::State& state) {
  // A real 10 MB file on disk: refused by its size before a byte is read.
  char dir[] = "/tmp/chaird-bench.XXXXXX";
  if (mkdtemp(dir) == nullptr) throw std::runtime_error("cannot make a temporary directory");
  const std::string path = std::string(dir) + "/big.textproto";
  std::ofstream(path) << std::string(10u << 20, '#');
  for (auto _ : state) {
    auto program = read_program_file(path);
    if (program) throw std::runtime_error("a 10 MB program was accepted");
    benchmark::DoNotOptimize(program);
  }
  report_peak_rss(state);
  std::remove(path.c_str());
  std::remove(dir);
}
BENCHMARK(BM_Refuse_10MB_File)->Unit(benchmark::kMicrosecond);

void BM_Refuse_MillionStepRepeat(benchmark::State& state) {
  const Setup& s = Setup::get();
  const std::string text =
      "metadata { id: \"m\" name: \"M\" }\nphases { kind: MAIN tracks { items { repeat { count: "
      "1000 "
      "items { repeat { count: 1000 items { step { technique: \"shiatsu\" zone: \"lumbar\" "
      "duration_ms: 1000 "
      "} } } } } } } }\n";
  for (auto _ : state) {
    auto program = parse_program_text(text, "million.textproto");
    auto checked = check_program(*program, s.context);
    if (checked) throw std::runtime_error("a million-step program was accepted");
    benchmark::DoNotOptimize(checked);
  }
  report_peak_rss(state);
}
BENCHMARK(BM_Refuse_MillionStepRepeat)->Unit(benchmark::kMicrosecond);

// A megabyte of unknown fields, as ValidateProgram may be sent: refused with the first errors
// and a count of the rest (the parse goes on to the end; only the first are placed and
// explained). Listing all 96,334 took a minute (62 s) on the one planning thread.
void BM_Refuse_1MB_OfUnknownFields(benchmark::State& state) {
  std::string text;
  int fields = 0;
  while (text.size() < (1u << 20) - 16) text += "zz" + std::to_string(fields++) + ": 1\n";
  std::size_t diagnostics = 0;
  std::size_t errors = 0;
  for (auto _ : state) {
    auto program = parse_program_text(text, "upload.textproto");
    if (program) throw std::runtime_error("a megabyte of unknown fields was accepted");
    diagnostics = program.error().items().size();
    errors = program.error().error_count();
    benchmark::DoNotOptimize(program);
  }
  state.counters["unknown_fields"] = fields;
  // 20 listed and one that counts the rest; the errors counted are every field.
  state.counters["diagnostics"] = static_cast<double>(diagnostics);
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["bytes"] = static_cast<double>(text.size());
  report_peak_rss(state);
}
BENCHMARK(BM_Refuse_1MB_OfUnknownFields)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chaird::bench

BENCHMARK_MAIN();
