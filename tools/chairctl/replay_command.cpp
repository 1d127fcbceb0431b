#include "replay_command.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "replay/replay_runner.hpp"
#include "replay/trace_io.hpp"
#include "replay/trace_plot.hpp"
#include "replay_summary.hpp"

namespace chairctl {
namespace {

namespace fs = std::filesystem;
using namespace chaird;

// "shoulder_mm=420,height_cm=172" into the body input; false (saying why) on anything else.
bool parse_scan(const std::string& text, BodyInput& body, std::ostream& err) {
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    double value = 0.0;
    std::size_t used = 0;
    try {
      if (eq == std::string::npos) throw std::invalid_argument("no =");
      value = std::stod(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1 || !std::isfinite(value)) throw std::invalid_argument("");
    } catch (const std::exception&) {
      err << "--scan: '" << item << "' is not KEY=NUMBER (shoulder_mm=420,height_cm=172)\n";
      return false;
    }
    if (key == "shoulder_mm") {
      body.scanned_shoulder_mm = value;
    } else if (key == "height_cm") {
      body.height_cm = value;
    } else {
      err << "--scan: unknown '" << key << "'; expected shoulder_mm or height_cm\n";
      return false;
    }
  }
  return true;
}

// A program file, or a program id looked up in the library directories.
std::string program_path(const OfflineSetup& setup, const std::string& program) {
  std::error_code ec;
  if (fs::is_regular_file(program, ec)) return program;
  for (const auto& dir : setup.library_dirs) {
    const fs::path candidate = fs::path(dir) / (program + ".textproto");
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return {};
}

bool write_file(const fs::path& path, const std::string& text, std::ostream& err) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    err << "cannot write " << path.string() << '\n';
    return false;
  }
  return true;
}

}  // namespace

int run_replay(const OfflineSetup& setup, ReplayRequest request, std::ostream& out,
               std::ostream& err) {
  if (!request.scan.empty() && !parse_scan(request.scan, request.plan.body, err)) return 2;
  const std::string file = program_path(setup, request.program);
  if (file.empty()) {
    err << "no program file or library program '" << request.program << "'\n";
    return 2;
  }
  auto planned = plan_program_file(setup, file, request.plan, err);
  if (!planned) return 1;
  std::vector<sim::InjectedFault> faults;
  if (!request.faults.empty()) {
    auto loaded = sim::load_fault_scenario(request.faults, *planned->chair);
    if (!loaded) {
      err << loaded.error().to_string();
      return 1;
    }
    faults = std::move(*loaded);
  }
  auto body = BodyModel::resolve(*planned->chair, request.plan.body);
  if (!body) {
    err << "--scan: " << body.error() << '\n';
    return 2;
  }

  const sim::ReplayTrace trace =
      sim::replay(planned->chair, planned->governed, *planned->governor, faults);

  const fs::path dir =
      request.out_dir.empty() ? fs::path("replay-" + trace.program_id) : fs::path(request.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err << "cannot create " << dir.string() << ": " << ec.message() << '\n';
    return 2;
  }
  std::ostringstream csv;
  sim::write_trace_csv(trace, csv);
  std::ostringstream jsonl;
  sim::write_trace_jsonl(trace, jsonl);
  const std::string summary = summarize_replay(trace, *body);
  const std::string stem = trace.program_id;
  if (!write_file(dir / (stem + ".trace.csv"), csv.str(), err) ||
      !write_file(dir / (stem + ".trace.jsonl"), jsonl.str(), err) ||
      !write_file(dir / (stem + ".svg"), sim::render_trace_svg(trace), err) ||
      !write_file(dir / (stem + ".summary.txt"), summary, err)) {
    return 2;
  }
  out << summary;
  out << fmt::format("wrote {}/{}.{{trace.csv,trace.jsonl,svg,summary.txt}} ({} rows, {} events)\n",
                     dir.string(), stem, trace.samples.size(), trace.events.size());

  if (request.compare.empty()) return 0;
  auto golden = sim::read_trace(request.compare);
  if (!golden) {
    err << golden.error() << '\n';
    return 2;
  }
  if (auto difference = sim::compare_traces(trace, *golden, request.tolerances)) {
    out << fmt::format("DIFFERS from {} first at chair time {:.3f} s: {}\n", request.compare,
                       static_cast<double>(difference->chair_ms) / 1000.0, difference->what);
    return 1;
  }
  out << "matches " << request.compare << " within the tolerances\n";
  return 0;
}

}  // namespace chairctl
