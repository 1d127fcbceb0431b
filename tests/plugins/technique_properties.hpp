// Property checks shared by the test_load_<name> tests of the shipped techniques.
//
// Every technique is loaded from its real .so through chaird's host, and its output is judged
// the way chaird judges it: one-step programs planned by the planner and reviewed by the safety
// governor against the reference chair (or a reduced copy of it). A plan that passes both is in
// range and continuous; the helpers here measure what they cannot: tempo, duration, intensity,
// start pose, and what a technique does when an actuator is missing.
#pragma once

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "chair/v1/chair_profile.pb.h"
#include "planner/body_model.hpp"
#include "planner/step_context.hpp"
#include "plugin_host/plugin_library.hpp"
#include "test_support.hpp"

namespace chaird::test {

// ---------------------------------------------------------------------------------------------
// Loading and description.

// One shipped plugin, loaded from the build tree exactly as chaird loads it.
inline std::optional<LoadedTechnique> load_shipped(const std::string& name) {
  auto loaded = load_technique(plugin_dir() + "/" + name + ".so");
  if (!loaded) {
    ADD_FAILURE() << loaded.error();
    return std::nullopt;
  }
  return std::move(*loaded);
}

inline const sdk::ParamSpec* find_param(const sdk::TechniqueDescription& d, std::string_view name) {
  for (const auto& p : d.params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

inline const sdk::ActuatorRequirement* find_requirement(const sdk::TechniqueDescription& d,
                                                        std::string_view id) {
  for (const auto& a : d.actuators) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

// What every technique must say about itself, whatever it does.
inline void expect_sound_description(const LoadedTechnique& t, const std::string& name) {
  const auto& d = t.description;
  EXPECT_EQ(t.name, name);
  EXPECT_EQ(d.name, name);
  EXPECT_EQ(t.version, "1.0.0");
  EXPECT_EQ(d.version, "1.0.0");
  EXPECT_FALSE(d.summary.empty());
  EXPECT_EQ(check_description(d), "");
  for (const auto& p : d.params) EXPECT_FALSE(p.summary.empty()) << p.name;
  for (const auto& a : d.actuators) EXPECT_FALSE(a.purpose.empty()) << a.id;
  EXPECT_NE(shipped_techniques()->find(name), nullptr) << name << " is not in the catalog";
}

inline void expect_requirement(const sdk::TechniqueDescription& d, std::string_view id,
                               bool required) {
  const auto* a = find_requirement(d, id);
  ASSERT_NE(a, nullptr) << "no actuator " << id;
  EXPECT_EQ(a->required, required) << id;
}

inline void expect_choice(const sdk::TechniqueDescription& d, std::string_view name,
                          const std::vector<std::string>& choices, const std::string& def) {
  const auto* p = find_param(d, name);
  ASSERT_NE(p, nullptr) << "no parameter " << name;
  EXPECT_EQ(p->type, sdk::ParamType::kChoice);
  EXPECT_EQ(p->choices, choices);
  EXPECT_EQ(p->default_choice, def);
}

inline void expect_number(const sdk::TechniqueDescription& d, std::string_view name,
                          sdk::ParamType type, const std::string& unit, double min, double max,
                          double def) {
  const auto* p = find_param(d, name);
  ASSERT_NE(p, nullptr) << "no parameter " << name;
  EXPECT_EQ(p->type, type);
  EXPECT_EQ(p->unit, unit);
  EXPECT_DOUBLE_EQ(p->min, min);
  EXPECT_DOUBLE_EQ(p->max, max);
  EXPECT_DOUBLE_EQ(p->default_number, def);
}

inline void expect_flag(const sdk::TechniqueDescription& d, std::string_view name, bool def) {
  const auto* p = find_param(d, name);
  ASSERT_NE(p, nullptr) << "no parameter " << name;
  EXPECT_EQ(p->type, sdk::ParamType::kBoolean);
  EXPECT_EQ(p->default_flag, def);
}

inline void expect_tempo_range(const sdk::TechniqueDescription& d, double min, double max,
                               double def) {
  EXPECT_DOUBLE_EQ(d.tempo.min_cpm, min);
  EXPECT_DOUBLE_EQ(d.tempo.max_cpm, max);
  EXPECT_DOUBLE_EQ(d.tempo.default_cpm, def);
}

// ---------------------------------------------------------------------------------------------
// Step text.

inline std::string intensity(double v) {
  return "intensity: " + std::to_string(v) + "\n";
}
inline std::string tempo(double cpm) {
  return "tempo_cpm: " + std::to_string(cpm) + "\n";
}
inline std::string choice_param(const std::string& name, const std::string& value) {
  return "params { name: \"" + name + "\" choice: \"" + value + "\" }\n";
}
inline std::string number_param(const std::string& name, double value) {
  return "params { name: \"" + name + "\" number: " + std::to_string(value) + " }\n";
}
inline std::string flag_param(const std::string& name, bool value) {
  return "params { name: \"" + name + "\" flag: " + (value ? "true" : "false") + " }\n";
}

// ---------------------------------------------------------------------------------------------
// Chairs.

// The reference profile, edited: for chairs that lack an actuator or have other limits.
inline std::shared_ptr<const ChairModel> edited_chair(
    const std::function<void(chair::v1::ChairProfile&)>& edit) {
  std::ifstream in(reference_chair_path());
  std::stringstream text;
  text << in.rdbuf();
  chair::v1::ChairProfile profile;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &profile)) {
    ADD_FAILURE() << "cannot parse " << reference_chair_path();
    return nullptr;
  }
  edit(profile);
  auto chair =
      ChairModel::build(std::move(profile), TextFileSource{"edited_chair.textproto", nullptr});
  if (!chair) {
    ADD_FAILURE() << chair.error().to_string();
    return nullptr;
  }
  return *chair;
}

// Removes an actuator and every zone's mention of it.
inline void remove_actuator(chair::v1::ChairProfile& profile, const std::string& id) {
  auto* actuators = profile.mutable_actuators();
  actuators->erase(std::remove_if(actuators->begin(), actuators->end(),
                                  [&](const chair::v1::Actuator& a) { return a.id() == id; }),
                   actuators->end());
  auto drop = [&](google::protobuf::RepeatedPtrField<std::string>* ids) {
    ids->erase(std::remove(ids->begin(), ids->end(), id), ids->end());
  };
  for (auto& z : *profile.mutable_zones()) {
    drop(z.mutable_airbags());
    drop(z.mutable_heaters());
    drop(z.mutable_vibration());
    drop(z.mutable_foot_rollers());
  }
  // The limits that name it go with it.
  if (id == "roller.depth") profile.mutable_limits()->clear_roller_depth();
  if (id == "roller.width") profile.mutable_limits()->clear_midline_width_mm();
}

// The reference chair without its per-region roller depth limits: these tests pin what a
// technique does over an actuator's whole range (full depth at full intensity). The depth
// limits are the governor's, pinned in safety_governor_test and on every shipped program.
inline std::shared_ptr<const ChairModel> technique_chair() {
  static const std::shared_ptr<const ChairModel> chair =
      edited_chair([](chair::v1::ChairProfile& p) { p.mutable_limits()->clear_roller_depth(); });
  return chair;
}

inline std::shared_ptr<const ChairModel> chair_without(const std::string& id) {
  return edited_chair([&](chair::v1::ChairProfile& p) {
    p.mutable_limits()->clear_roller_depth();
    remove_actuator(p, id);
  });
}

// ---------------------------------------------------------------------------------------------
// Planning one step through the planner and the governor.

struct StepPlan {
  std::shared_ptr<const ChairModel> chair;
  PlannedProgram planned;

  const Timeline& timeline() const { return planned.governed->timeline(); }
  const TimelineStep& step() const { return timeline().steps.at(0); }
  // When the technique itself starts: after the travel to its start pose.
  std::int64_t technique_start_ms() const { return step().start_ms + step().transition_ms; }
  std::int64_t technique_ms() const { return step().end_ms - technique_start_ms(); }
  const std::vector<std::string>& notes() const { return step().notes; }
};

// nullopt (and a test failure with chaird's diagnostics) when the plan or the governor refuses.
// The reference chair and the shipped techniques unless others are given.
inline std::optional<StepPlan> plan_step(
    const std::string& technique, const std::string& zone, std::int64_t duration_ms,
    const std::string& extra = "", std::shared_ptr<const ChairModel> chair = nullptr,
    std::shared_ptr<const TechniqueCatalog> catalog = nullptr) {
  if (!chair) chair = technique_chair();
  auto planned = plan_text(single_step_program(technique, zone, duration_ms, extra), {}, {}, chair,
                           std::move(catalog));
  if (!planned) {
    ADD_FAILURE() << planned.error().to_string();
    return std::nullopt;
  }
  return StepPlan{chair, std::move(*planned)};
}

// The planner's refusal of a step, or "" when it plans.
inline std::string refusal(const std::string& technique, const std::string& zone,
                           std::int64_t duration_ms, const std::string& extra = "",
                           std::shared_ptr<const TechniqueCatalog> catalog = nullptr) {
  if (!catalog) catalog = shipped_techniques();
  auto program = parse_program_text(single_step_program(technique, zone, duration_ms, extra), "t");
  if (!program) return program.error().to_string();
  auto plan = Planner().plan(*program, {}, reference_chair(), catalog, {});
  return plan ? "" : plan.error().to_string();
}

// ---------------------------------------------------------------------------------------------
// Reading a planned timeline.

struct Corner {
  std::int64_t t_ms = 0;
  double value = 0.0;
};

// The planned path of one actuator: the corners of its linear ramps, in time order.
inline std::vector<Corner> path_of(const StepPlan& s, const std::string& actuator) {
  const auto index = s.chair->find(actuator);
  if (!index) {
    ADD_FAILURE() << "the chair has no " << actuator;
    return {};
  }
  const Timeline& tl = s.timeline();
  std::vector<Corner> out{{0, tl.initial_values.at(static_cast<std::size_t>(*index))}};
  for (const auto& c : tl.commands) {
    if (c.actuator != *index) continue;
    if (c.start_ms > out.back().t_ms) out.push_back({c.start_ms, out.back().value});
    out.push_back({c.reach_ms, c.value});
  }
  return out;
}

// The path from the moment the technique starts (after the travel to its start pose).
inline std::vector<Corner> technique_path(const StepPlan& s, const std::string& actuator) {
  const std::int64_t t0 = s.technique_start_ms();
  std::vector<Corner> out{{t0, value_at(s.timeline(), *s.chair, actuator, t0)}};
  for (const auto& c : path_of(s, actuator)) {
    if (c.t_ms > t0) out.push_back(c);
  }
  return out;
}

// How long the actuator rests, doing nothing, between the technique's last move and its final
// lift-off (the last command) at the end of the step.
inline std::int64_t idle_before_lift_ms(const StepPlan& s, const std::string& actuator) {
  const auto index = s.chair->find(actuator);
  std::vector<const TimelineCommand*> mine;
  for (const auto& c : s.timeline().commands) {
    if (index && c.actuator == *index && c.source == CommandSource::kTechnique) mine.push_back(&c);
  }
  if (mine.size() < 2) {
    ADD_FAILURE() << "the technique hardly drives " << actuator;
    return 0;
  }
  return mine.back()->start_ms - mine[mine.size() - 2]->reach_ms;
}

inline double peak_of(const StepPlan& s, const std::string& actuator) {
  double peak = -INFINITY;
  for (const auto& c : technique_path(s, actuator)) peak = std::max(peak, c.value);
  return peak;
}

inline double lowest_of(const StepPlan& s, const std::string& actuator) {
  double low = INFINITY;
  for (const auto& c : technique_path(s, actuator)) low = std::min(low, c.value);
  return low;
}

// When the path rises through threshold; with both_ways also when it falls through -threshold
// (a signed speed that reverses: a swell in either direction counts).
inline std::vector<std::int64_t> crossing_times(const std::vector<Corner>& path, double threshold,
                                                bool both_ways = false) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 1; i < path.size(); ++i) {
    const double a = path[i - 1].value;
    const double b = path[i].value;
    if (a <= threshold && b > threshold) out.push_back(path[i].t_ms);
    if (both_ways && a >= -threshold && b < -threshold) out.push_back(path[i].t_ms);
  }
  return out;
}

inline int crossings(const std::vector<Corner>& path, double threshold, bool both_ways = false) {
  return static_cast<int>(crossing_times(path, threshold, both_ways).size());
}

// For recline stretches: halfway between the most upright and the most reclined, and how many
// times the back tilts past it.
inline double half_tilt(const StepPlan& s) {
  return 0.5 * (lowest_of(s, "recline") + peak_of(s, "recline"));
}
inline int stretches(const StepPlan& s) {
  return crossings(path_of(s, "recline"), half_tilt(s));
}

// Commands the step itself asked for (travel and technique), not the governor's.
inline std::vector<TimelineCommand> step_commands(const StepPlan& s) {
  std::vector<TimelineCommand> out;
  for (const auto& c : s.timeline().commands) {
    if (c.step == 0) out.push_back(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Properties.

// As many cycles as whole cycles of the tempo fit in the time the technique had, give or take
// one (the last may be cut short to wind down before the step ends).
inline void expect_tempo_kept(int cycles, const StepPlan& s) {
  const double whole =
      std::floor(s.step().tempo_cpm * static_cast<double>(s.technique_ms()) / 60000.0);
  EXPECT_NEAR(cycles, whole, 1.0) << "at " << s.step().tempo_cpm << " cpm over " << s.technique_ms()
                                  << " ms";
}

// The cycles are those of the tempo: counted as above, and most of them exactly one period
// apart (a technique may stretch the odd cycle, never the rhythm).
inline void expect_tempo_kept(const StepPlan& s, const std::vector<Corner>& path, double threshold,
                              bool both_ways = false) {
  const auto times = crossing_times(path, threshold, both_ways);
  expect_tempo_kept(static_cast<int>(times.size()), s);
  ASSERT_GE(times.size(), 3u) << "too few cycles to measure a rhythm";
  std::vector<std::int64_t> gaps;
  for (std::size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2),
                   gaps.end());
  const double median = static_cast<double>(gaps[gaps.size() / 2]);
  EXPECT_NEAR(median, 60000.0 / s.step().tempo_cpm, 0.02 * 60000.0 / s.step().tempo_cpm)
      << "at " << s.step().tempo_cpm << " cpm";
}

// The step ends when the program says, with every energised or spinning actuator at rest and
// nothing left for the governor to put right.
inline void expect_ends_cleanly(const StepPlan& s) {
  const Timeline& tl = s.timeline();
  EXPECT_EQ(tl.duration_ms, s.step().end_ms);
  EXPECT_TRUE(s.planned.governed->adaptations().empty())
      << s.planned.governed->adaptations().front();
  for (const auto& c : step_commands(s)) {
    EXPECT_LE(c.reach_ms, s.step().end_ms) << s.chair->actuator(c.actuator).id;
  }
  const auto end = tl.targets_at(tl.duration_ms);
  for (const auto& a : s.chair->actuators()) {
    if (a.must_rest()) {
      EXPECT_EQ(end[static_cast<std::size_t>(a.index)], a.safe_value) << a.id;
    }
  }
}

// The rollers stay on the step's zone (the planner allows 30 mm either side).
inline void expect_rollers_in_zone(const StepPlan& s) {
  const auto span = s.planned.plan->body->span(s.step().zone);
  ASSERT_TRUE(span.has_value());
  const std::int64_t from = s.technique_start_ms();
  for (const auto& c : path_of(s, "roller.position")) {
    if (c.t_ms < from) continue;
    EXPECT_GE(c.value, span->from_mm - 30.0) << "at " << c.t_ms << " ms";
    EXPECT_LE(c.value, span->to_mm + 30.0) << "at " << c.t_ms << " ms";
  }
}

// The largest value of actuator never falls as the intensity rises, and the highest intensity
// gives clearly more than the lowest.
inline void expect_intensity_monotonic(const std::string& technique, const std::string& zone,
                                       const std::string& actuator, const std::string& extra = "") {
  double previous = -INFINITY;
  double first = 0.0;
  for (double i : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    auto s = plan_step(technique, zone, 120000, intensity(i) + extra);
    ASSERT_TRUE(s.has_value()) << "intensity " << i;
    const double peak = peak_of(*s, actuator);
    EXPECT_GE(peak, previous - 1e-9) << actuator << " at intensity " << i;
    if (i == 0.0) first = peak;
    previous = peak;
  }
  EXPECT_GT(previous, first) << actuator << " does not follow the intensity";
}

// Steps of awkward lengths (shorter than a cycle, not a whole number of cycles, exactly a whole
// number of cycles after the travel) all plan, pass the governor and end cleanly.
inline void expect_plans_at_any_length(const std::string& technique, const std::string& zone,
                                       const std::string& extra = "",
                                       const std::vector<std::int64_t>& lengths = {
                                           9000, 20000, 45678, 60000, 61250, 183333}) {
  for (std::int64_t ms : lengths) {
    auto s = plan_step(technique, zone, ms, extra);
    ASSERT_TRUE(s.has_value()) << technique << " on " << zone << " for " << ms << " ms";
    expect_ends_cleanly(*s);
  }
}

// A live change part-way through the step (the sitter turns the intensity or the speed up or
// down) re-plans the rest of it from where the chair is; every such re-plan must pass the
// governor too (no bag kept firm across the two plans, no motor left running, no jump). The
// last few seconds are left out: there the planner refuses a re-plan whose travel to the new
// start pose does not fit, whatever the technique does.
inline void expect_replans(const std::string& technique, const std::string& zone,
                           const std::string& extra = "") {
  auto s = plan_step(technique, zone, 240000, extra);
  ASSERT_TRUE(s.has_value());
  for (std::int64_t at = 1000; at < s->step().end_ms - 5000; at += 2345) {
    for (double scale : {0.5, 1.4}) {
      PlanOptions options;
      options.scaling.intensity_scale = scale;
      options.scaling.speed_scale = scale < 1.0 ? 1.3 : 0.7;
      auto again = Planner().replan(*s->planned.plan, at, options);
      ASSERT_TRUE(again) << "re-plan at " << at << " ms: " << again.error().to_string();
      auto governed = SafetyGovernor(s->chair, {}).review((*again)->timeline);
      ASSERT_TRUE(governed) << "re-plan at " << at << " ms: " << governed.error().to_string();
      EXPECT_EQ(governed.value()->timeline().duration_ms, s->step().end_ms) << "re-plan at " << at;
    }
  }
}

inline bool has_note(const StepPlan& s, std::string_view words) {
  for (const auto& n : s.notes()) {
    if (n.find(words) != std::string::npos) return true;
  }
  return false;
}

// A press technique on a 2D chair (no roller.depth): it presses by closing the rollers' width,
// says so, presses harder with the intensity, never closes onto the spine's midline, and ends
// cleanly. On a chair without roller.width as well it refuses the step, saying why.
inline void expect_presses_by_width_on_a_2d_chair(const std::string& technique,
                                                  const std::string& zone,
                                                  const std::string& extra = "") {
  auto flat = chair_without("roller.depth");
  ASSERT_NE(flat, nullptr);
  const sdk::ActuatorInfo& width =
      flat->plugin_view().at(static_cast<std::size_t>(*flat->find("roller.width")));
  const double range = width.max - width.min;
  double previous_lowest = INFINITY;
  for (double i : {0.0, 0.5, 1.0}) {
    auto s = plan_step(technique, zone, 120000, intensity(i) + extra, flat);
    ASSERT_TRUE(s.has_value()) << "intensity " << i;
    EXPECT_TRUE(has_note(*s, "this chair has no roller.depth: " + technique + " presses"));
    const double lowest = lowest_of(*s, "roller.width");
    // Closed at least a fifth of the range for a press, never to within a tenth of its
    // narrowest end (the spine's midline).
    EXPECT_LE(lowest, width.max - 0.2 * range) << "intensity " << i;
    EXPECT_GE(lowest, width.min + 0.1 * range - 1e-9) << "intensity " << i;
    EXPECT_LT(lowest, previous_lowest) << "the pinch does not follow the intensity at " << i;
    previous_lowest = lowest;
    EXPECT_GE(crossings(path_of(*s, "roller.width"), width.max - 0.1 * range), 2)
        << "fewer than two presses at intensity " << i;
    expect_ends_cleanly(*s);
  }
  // A 2D chair whose midline lies wider: the pinch stays wider than it too.
  auto wide_midline = edited_chair([](chair::v1::ChairProfile& p) {
    p.mutable_limits()->clear_roller_depth();
    remove_actuator(p, "roller.depth");
    p.mutable_limits()->set_midline_width_mm(90);
  });
  ASSERT_NE(wide_midline, nullptr);
  auto wide = plan_step(technique, zone, 120000, intensity(1.0) + extra, wide_midline);
  ASSERT_TRUE(wide.has_value());
  EXPECT_GT(lowest_of(*wide, "roller.width"), 90.0) << "the pinch reached the spine's midline";
  expect_ends_cleanly(*wide);

  auto bare = edited_chair([](chair::v1::ChairProfile& p) {
    p.mutable_limits()->clear_roller_depth();
    remove_actuator(p, "roller.depth");
    remove_actuator(p, "roller.width");
  });
  ASSERT_NE(bare, nullptr);
  auto refused = plan_text(single_step_program(technique, zone, 60000, extra), {}, {}, bare);
  ASSERT_FALSE(refused) << technique << " planned on a chair with neither depth nor width";
  EXPECT_NE(refused.error().to_string().find(
                technique + " presses with roller.depth, or on a 2D chair by closing "
                            "roller.width; this chair has neither"),
            std::string::npos)
      << refused.error().to_string();
}

// ---------------------------------------------------------------------------------------------
// Calling a technique directly, with the context the planner would build.

class DirectCall {
 public:
  DirectCall(const LoadedTechnique& t, const std::string& zone) : chair_(reference_chair()) {
    auto body = BodyModel::resolve(*chair_, {});
    if (!body) throw std::runtime_error(body.error());
    body_ = *body;
    entry_ = chair_->home_values();
    Diagnostics d;
    catalog_ = TechniqueCatalog::from({t}, d);
    step_.set_technique(t.name);
    step_.set_zone(zone);
    step_.set_duration_ms(1000);
    ExpandedStep expanded;
    expanded.step = &step_;
    expanded.name = "direct";
    auto bound = StepBinder(*chair_, catalog_, body_).bind(expanded, {}, d);
    if (!bound) throw std::runtime_error(d.to_string());
    bound_ = std::move(*bound);
  }

  sdk::StepOutput generate(std::int64_t duration_ms, double intensity = 0.5) {
    bound_.intensity = intensity;
    return bound_.technique->technique->generate(
        step_context(bound_, *chair_, body_, entry_, duration_ms));
  }

 private:
  std::shared_ptr<const ChairModel> chair_;
  BodyModel body_;
  std::vector<double> entry_;
  TechniqueCatalog catalog_;
  chair::v1::Step step_;
  BoundStep bound_;
};

// The start pose (what is set at 0 ms) does not depend on the step's length, the technique is
// pure, and its last setpoints land exactly at the end of the step.
inline void expect_start_pose_and_end(const LoadedTechnique& t, const std::string& zone) {
  DirectCall call(t, zone);
  auto pose = [](const sdk::StepOutput& out) {
    std::vector<std::pair<int, double>> p;
    for (const auto& sp : out.setpoints) {
      if (sp.at_ms == 0) p.emplace_back(sp.actuator, sp.value);
    }
    return p;
  };
  const auto reference = call.generate(300000);
  for (std::int64_t d : {20000, 61234, 300000, 900000}) {
    const auto out = call.generate(d);
    EXPECT_EQ(pose(out), pose(reference)) << "start pose changed for a " << d << " ms step";
    std::int64_t last = 0;
    for (const auto& sp : out.setpoints) {
      EXPECT_GE(sp.at_ms, 0);
      EXPECT_LE(sp.at_ms, d);
      last = std::max(last, sp.at_ms);
    }
    EXPECT_EQ(last, d) << "the last setpoints do not land at the end of a " << d << " ms step";
  }
  const auto again = call.generate(300000);
  ASSERT_EQ(again.setpoints.size(), reference.setpoints.size()) << "not deterministic";
  for (std::size_t i = 0; i < again.setpoints.size(); ++i) {
    EXPECT_EQ(again.setpoints[i].actuator, reference.setpoints[i].actuator);
    EXPECT_EQ(again.setpoints[i].at_ms, reference.setpoints[i].at_ms);
    EXPECT_EQ(again.setpoints[i].value, reference.setpoints[i].value);
  }
}

}  // namespace chaird::test
