// Helpers shared by the unit tests: text and file fixtures, assertions on diagnostics, located
// positions in test texts, hand-built timelines, and a simulated chair on manual virtual time.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "clock/virtual_scheduler.hpp"
#include "common/diagnostic.hpp"
#include "model/simulated_chair.hpp"
#include "planner/planner.hpp"
#include "profile/chair_model.hpp"
#include "program/program_source.hpp"
#include "test_support.hpp"
#include "timeline/timeline.hpp"

namespace chaird::unit {

inline ChairDuration ms(std::int64_t v) {
  return std::chrono::milliseconds(v);
}

// The reference chair, loaded once per test binary (it is immutable).
inline std::shared_ptr<const ChairModel> chair() {
  static const std::shared_ptr<const ChairModel> model = test::reference_chair();
  return model;
}

inline ActuatorIndex idx(const ChairModel& model, std::string_view id) {
  const auto i = model.find(id);
  if (!i) {
    ADD_FAILURE() << "the chair has no actuator " << id;
    return 0;
  }
  return *i;
}
inline ActuatorIndex idx(std::string_view id) {
  return idx(*chair(), id);
}

// --- text and files ---

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string write_file(const std::string& dir, const std::string& name,
                              const std::string& text) {
  const std::string path = (std::filesystem::path(dir) / name).string();
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

// 1-based line and column of the first occurrence of needle (0 when absent, which fails).
inline int line_of(const std::string& text, std::string_view needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "fixture text lacks '" << needle << "'";
    return 0;
  }
  return 1 + static_cast<int>(
                 std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}
inline int column_of(const std::string& text, std::string_view needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "fixture text lacks '" << needle << "'";
    return 0;
  }
  const auto line_start = text.rfind('\n', at);
  return static_cast<int>(line_start == std::string::npos ? at + 1 : at - line_start);
}

inline std::string replace_once(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "fixture text lacks '" << from << "'";
    return text;
  }
  return text.replace(at, from.size(), to);
}

inline std::string reference_profile_text() {
  return read_file(test::reference_chair_path());
}

// Writes a chair profile to a fresh directory and loads it.
inline Expected<std::shared_ptr<const ChairModel>, Diagnostics> load_chair_text(
    const std::string& text, std::string* path_out = nullptr) {
  const std::string path = write_file(test::make_temp_dir("chair"), "chair.textproto", text);
  if (path_out != nullptr) *path_out = path;
  return ChairModel::load(path);
}

// The reference chair with some text replaced (a chair maker's variant of it).
inline std::shared_ptr<const ChairModel> chair_variant(
    const std::vector<std::pair<std::string, std::string>>& replacements) {
  std::string text = reference_profile_text();
  for (const auto& [from, to] : replacements) text = replace_once(text, from, to);
  auto model = load_chair_text(text);
  if (!model) {
    ADD_FAILURE() << model.error().to_string();
    return nullptr;
  }
  return *model;
}

// --- assertions on diagnostics ---

inline const Diagnostic* find_error(const Diagnostics& d, std::string_view text) {
  for (const auto& item : d.items()) {
    if (item.severity == Severity::kError && item.message.find(text) != std::string::npos)
      return &item;
  }
  return nullptr;
}

inline ::testing::AssertionResult HasError(const Diagnostics& d, std::string_view text) {
  if (find_error(d, text) != nullptr) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no error containing '" << text << "' in:\n"
                                       << d.to_string();
}

inline ::testing::AssertionResult Contains(const std::string& haystack, std::string_view needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << haystack << "' does not contain '" << needle << "'";
}

// The error containing text sits at file:line (and column, when given).
inline ::testing::AssertionResult ErrorAt(const Diagnostics& d, std::string_view text,
                                          const std::string& file, int line, int column = 0) {
  const Diagnostic* e = find_error(d, text);
  if (e == nullptr) {
    return ::testing::AssertionFailure() << "no error containing '" << text << "' in:\n"
                                         << d.to_string();
  }
  if (e->where.file != file || e->where.line != line || (column > 0 && e->where.column != column)) {
    return ::testing::AssertionFailure()
           << "error '" << e->to_string() << "' is not at " << file << ":" << line
           << (column > 0 ? ":" + std::to_string(column) : std::string());
  }
  return ::testing::AssertionSuccess();
}

// --- programs ---

// One step item of a program text: technique on zone for duration_ms, with extra fields.
inline std::string step_item(const std::string& name, const std::string& zone,
                             std::int64_t duration_ms, const std::string& extra = "",
                             const std::string& technique = "shiatsu") {
  return "    items { step { name: \"" + name + "\" technique: \"" + technique + "\" zone: \"" +
         zone + "\" duration_ms: " + std::to_string(duration_ms) +
         (extra.empty() ? "" : " " + extra) + " } }\n";
}

// A program with one phase holding one track per entry (each entry: the track's items).
inline std::string program_text(const std::vector<std::string>& tracks,
                                const std::string& id = "t") {
  std::string text = "metadata { id: \"" + id + "\" name: \"test\" }\nphases { kind: MAIN\n";
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    text += "  tracks { kind: BACK_ROLLERS name: \"track" + std::to_string(i + 1) + "\"\n" +
            tracks[i] + "  }\n";
  }
  return text + "}\n";
}

// Plans program text on a given chair with the shipped techniques (no governor).
inline Expected<std::shared_ptr<const Plan>, Diagnostics> plan_on(
    std::shared_ptr<const ChairModel> model, const std::string& text,
    const PlanOptions& options = {}) {
  auto program = parse_program_text(text, "test.textproto");
  if (!program) return Unexpected{program.error()};
  return Planner().plan(*program, {}, std::move(model), test::shipped_techniques(), options);
}

// The diagnostics of a program that must not plan.
inline Diagnostics plan_errors(const std::string& text, const PlanOptions& options = {}) {
  auto planned = test::plan_text(text, options);
  if (planned) {
    ADD_FAILURE() << "the program was accepted:\n" << text;
    return {};
  }
  return planned.error();
}

// --- hand-built timelines ---

// A timeline on the reference chair starting with every actuator at home.
inline Timeline blank_timeline(const ChairModel& model, std::int64_t duration_ms) {
  Timeline tl;
  tl.program_id = "hand-built";
  tl.duration_ms = duration_ms;
  tl.initial_values = model.home_values();
  // The chair's depth-limited regions, placed for its default body, as the planner would.
  if (auto body = BodyModel::resolve(model, {})) tl.regions = body->depth_regions(model);
  return tl;
}

inline void add_command(Timeline& tl, const ChairModel& model, std::int64_t start_ms,
                        std::int64_t reach_ms, std::string_view actuator, double value) {
  tl.commands.push_back(
      {start_ms, reach_ms, idx(model, actuator), -1, value, CommandSource::kTechnique});
}

// Sorts commands the way the planner does (by start, then actuator).
inline void sort_commands(Timeline& tl) {
  std::stable_sort(tl.commands.begin(), tl.commands.end(),
                   [](const TimelineCommand& a, const TimelineCommand& b) {
                     return a.start_ms != b.start_ms ? a.start_ms < b.start_ms
                                                     : a.actuator < b.actuator;
                   });
}

// --- virtual time and the simulated chair ---

struct VirtualRig {
  boost::asio::io_context io;
  VirtualScheduler clock{io, VirtualScheduler::Mode::kManual};

  void advance_ms(std::int64_t v) { clock.advance(ms(v)); }
  std::int64_t now_ms() const { return to_ms(clock.now()); }
};

struct SimRig : VirtualRig {
  std::shared_ptr<const ChairModel> model = chair();
  sim::SimulatedChair board{model, clock};

  ActuatorIndex a(std::string_view id) const { return idx(*model, id); }
  // Moves time on in steps, refreshing the board's lease as a live host does.
  void run_ms(std::int64_t total, std::int64_t step = 100) {
    for (std::int64_t done = 0; done < total; done += step) {
      advance_ms(std::min(step, total - done));
      board.refresh_lease(clock.now());
    }
  }
  // A command due at due_ms (chair time) reaching value at reach_ms.
  void command(std::string_view id, std::int64_t due_ms, std::int64_t reach_ms, double value) {
    const BusCommand c{a(id), chair_time_from_ms(due_ms), chair_time_from_ms(reach_ms), value};
    board.submit(std::span<const BusCommand>(&c, 1));
  }
  Telemetry telemetry() { return board.read_telemetry(); }
  double measured(std::string_view id) {
    return telemetry().measured[static_cast<std::size_t>(a(id))];
  }
  double commanded(std::string_view id) {
    return telemetry().commanded[static_cast<std::size_t>(a(id))];
  }
};

}  // namespace chaird::unit
