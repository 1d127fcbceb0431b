// The out-of-tree example technique (examples/out_of_tree_plugin/palm_press.cpp), compiled in
// tree from the same source and held to the properties every shipped technique is tested for:
// loaded from its .so through chaird's host, planned by the planner with the shipped plugins
// beside it, and reviewed by the safety governor against the reference chair.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

const std::string kName = "palm_press";

std::string example_plugin_dir() {
  return CHAIRD_EXAMPLE_PLUGIN_DIR;
}

// The shipped techniques and the example, as chaird loads them with two --plugins directories.
std::shared_ptr<const TechniqueCatalog> catalog() {
  static const std::shared_ptr<const TechniqueCatalog> loaded = [] {
    Diagnostics refusals;
    auto c = std::make_shared<const TechniqueCatalog>(
        TechniqueCatalog::load({plugin_dir(), example_plugin_dir()}, refusals));
    if (!refusals.empty()) ADD_FAILURE() << refusals.to_string();
    return c;
  }();
  return loaded;
}

std::optional<StepPlan> plan(const std::string& zone, std::int64_t duration_ms,
                             const std::string& extra = "",
                             std::shared_ptr<const ChairModel> chair = nullptr) {
  return plan_step(kName, zone, duration_ms, extra, std::move(chair), catalog());
}

std::string refusal_of(const std::string& zone, std::int64_t duration_ms,
                       const std::string& extra = "") {
  return refusal(kName, zone, duration_ms, extra, catalog());
}

std::optional<LoadedTechnique> load_example() {
  auto loaded = load_technique(example_plugin_dir() + "/" + kName + ".so");
  if (!loaded) {
    ADD_FAILURE() << loaded.error();
    return std::nullopt;
  }
  return std::move(*loaded);
}

// The largest move between two corners of the roller's path after the start pose.
double largest_move(const StepPlan& s) {
  const auto path = technique_path(s, "roller.position");
  double largest = 0.0;
  for (std::size_t i = 1; i < path.size(); ++i)
    largest = std::max(largest, std::abs(path[i].value - path[i - 1].value));
  return largest;
}

TEST(PalmPress, LoadsAndDescribesItself) {
  auto t = load_example();
  ASSERT_TRUE(t.has_value());
  const auto& d = t->description;
  EXPECT_EQ(t->name, kName);
  EXPECT_EQ(d.name, kName);
  EXPECT_EQ(t->version, "1.0.0");
  EXPECT_EQ(d.version, "1.0.0");
  EXPECT_EQ(t->abi_version, sdk::kAbiVersion);
  EXPECT_FALSE(d.summary.empty());
  EXPECT_EQ(check_description(d), "");
  for (const auto& p : d.params) EXPECT_FALSE(p.summary.empty()) << p.name;
  for (const auto& a : d.actuators) EXPECT_FALSE(a.purpose.empty()) << a.id;
  expect_number(d, "spacing", sdk::ParamType::kNumber, "mm", 40.0, 120.0, 70.0);
  expect_number(d, "rock", sdk::ParamType::kNumber, "mm", 0.0, 25.0, 10.0);
  expect_number(d, "presses", sdk::ParamType::kInteger, "", 1, 3, 1);
  expect_choice(d, "travel", {"walk", "fixed"}, "walk");
  expect_flag(d, "brace", false);
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", true);
  expect_requirement(d, "roller.width", false);
  expect_requirement(d, "airbag.*", false);
  expect_tempo_range(d, 3.0, 15.0, 6.0);
  EXPECT_NE(std::find(d.zones.begin(), d.zones.end(), "back"), d.zones.end());
  EXPECT_EQ(std::find(d.zones.begin(), d.zones.end(), "neck"), d.zones.end());
  EXPECT_NE(catalog()->find(kName), nullptr);
}

TEST(PalmPress, PlansWithinLimitsAndEndsCleanly) {
  auto s = plan("back", 90000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
  // The palms: rollers at their widest for the whole technique.
  EXPECT_DOUBLE_EQ(lowest_of(*s, "roller.width"), 140.0);
  EXPECT_TRUE(s->notes().empty()) << s->notes().front();
}

TEST(PalmPress, KeepsTheTempo) {
  for (double cpm : {3.0, 6.0, 10.0, 15.0}) {
    auto s = plan("full_back", 600000, tempo(cpm));
    ASSERT_TRUE(s.has_value());
    expect_tempo_kept(*s, path_of(*s, "roller.depth"), 0.5 * peak_of(*s, "roller.depth"));
    expect_ends_cleanly(*s);
    expect_rollers_in_zone(*s);
  }
}

TEST(PalmPress, DepthFollowsIntensity) {
  double previous = -INFINITY;
  double first = 0.0;
  for (double i : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    auto s = plan("lumbar", 120000, intensity(i));
    ASSERT_TRUE(s.has_value()) << "intensity " << i;
    const double peak = peak_of(*s, "roller.depth");
    EXPECT_GE(peak, previous - 1e-9) << "at intensity " << i;
    if (i == 0.0) first = peak;
    previous = peak;
  }
  EXPECT_GT(previous, first);
  EXPECT_DOUBLE_EQ(previous, 12.0);  // the full depth range at full intensity
}

TEST(PalmPress, WalksTheZoneWithoutJumping) {
  auto s = plan("full_back", 300000, number_param("spacing", 60.0));
  ASSERT_TRUE(s.has_value());
  const auto span = s->planned.plan->body->span("full_back");
  ASSERT_TRUE(span.has_value());
  // Down to the bottom placement and back up, in steps no longer than the spacing.
  const double margin = 0.1 * (span->to_mm - span->from_mm);
  EXPECT_NEAR(lowest_of(*s, "roller.position"), span->from_mm + margin - 10.0, 1.0);
  EXPECT_NEAR(peak_of(*s, "roller.position"), span->to_mm - margin + 10.0, 1.0);
  EXPECT_LE(largest_move(*s), 60.0 + 1e-6);
  const auto fixed = plan("lumbar", 60000, choice_param("travel", "fixed"));
  ASSERT_TRUE(fixed.has_value());
  EXPECT_NEAR(peak_of(*fixed, "roller.position") - lowest_of(*fixed, "roller.position"), 20.0,
              1e-6);
}

TEST(PalmPress, RocksWhileItHolds) {
  const auto still =
      plan("lumbar", 60000, choice_param("travel", "fixed") + number_param("rock", 0));
  const auto rocking =
      plan("lumbar", 60000, choice_param("travel", "fixed") + number_param("rock", 15));
  ASSERT_TRUE(still && rocking);
  EXPECT_EQ(peak_of(*still, "roller.position"), lowest_of(*still, "roller.position"));
  EXPECT_NEAR(peak_of(*rocking, "roller.position") - lowest_of(*rocking, "roller.position"), 30.0,
              1e-6);
  // The sways come while the press holds, two per 10 s press at the default tempo.
  const auto position = technique_path(*rocking, "roller.position");
  const double middle =
      0.5 * (peak_of(*rocking, "roller.position") + lowest_of(*rocking, "roller.position"));
  const int sways = crossings(position, middle + 7.5);
  const int presses =
      crossings(path_of(*rocking, "roller.depth"), 0.5 * peak_of(*rocking, "roller.depth"));
  EXPECT_EQ(sways, 2 * presses);
  const double pressed = peak_of(*rocking, "roller.depth");
  for (std::int64_t t : crossing_times(position, middle + 7.5)) {
    EXPECT_DOUBLE_EQ(value_at(rocking->timeline(), *rocking->chair, "roller.depth", t), pressed)
        << "the palms rock at " << t << " ms without pressing";
  }
  expect_ends_cleanly(*rocking);
  expect_rollers_in_zone(*rocking);
}

TEST(PalmPress, FastTempoShrinksTheWalkAndTheRocking) {
  auto s = plan("full_back", 120000,
                tempo(15.0) + number_param("spacing", 120.0) + number_param("rock", 25.0));
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "spacing 120 mm is reduced"));
  EXPECT_TRUE(has_note(*s, "leaves time to rock only"));
  EXPECT_LT(largest_move(*s), 120.0);
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
}

TEST(PalmPress, BracesWithTheZoneAirbags) {
  auto s = plan("lumbar", 120000, flag_param("brace", true) + intensity(1.0));
  ASSERT_TRUE(s.has_value());
  const double firm = peak_of(*s, "airbag.waist");
  EXPECT_GT(firm, 10.0);
  // A hug, never a squeeze: below half the chair's 35 kPa airbag limit, the pressure the
  // governor allows for at most a minute.
  EXPECT_LT(firm, 0.5 * 35.0);
  // Each press vents its bags: as many squeezes as presses.
  EXPECT_EQ(crossings(path_of(*s, "airbag.waist"), 0.5 * firm),
            crossings(path_of(*s, "roller.depth"), 0.5 * peak_of(*s, "roller.depth")));
  expect_ends_cleanly(*s);
  auto unbraced = plan("lumbar", 120000);
  ASSERT_TRUE(unbraced.has_value());
  EXPECT_EQ(peak_of(*unbraced, "airbag.waist"), 0.0);
  auto no_bags = plan("thoracic", 60000, flag_param("brace", true));
  ASSERT_TRUE(no_bags.has_value());
  EXPECT_TRUE(has_note(*no_bags, "has no airbags on this chair"));
}

TEST(PalmPress, AnyStepLengthPlans) {
  for (const auto& [zone, extra] : std::vector<std::pair<std::string, std::string>>{
           {"back", ""},
           {"full_back", tempo(15.0) + number_param("rock", 25.0) + flag_param("brace", true)},
           {"shoulders", tempo(3.0) + choice_param("travel", "fixed")},
           {"hips", number_param("spacing", 40.0) + flag_param("brace", true)}}) {
    for (std::int64_t ms : {9000, 20000, 45678, 60000, 61250, 183333}) {
      auto s = plan(zone, ms, extra);
      ASSERT_TRUE(s.has_value()) << zone << " for " << ms << " ms";
      expect_ends_cleanly(*s);
      expect_rollers_in_zone(*s);
    }
  }
}

TEST(PalmPress, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_example();
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "back");
  expect_start_pose_and_end(*t, "shoulders");
}

TEST(PalmPress, ChairWithoutWidthStillPresses) {
  auto chair = chair_without("roller.width");
  ASSERT_NE(chair, nullptr);
  auto s = plan("back", 60000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "cannot spread its rollers"));
  EXPECT_GT(peak_of(*s, "roller.depth"), 3.0);
  expect_ends_cleanly(*s);
}

TEST(PalmPress, RefusesZonesItIsNotMeantFor) {
  EXPECT_NE(refusal_of("neck", 60000).find("does not work on zone 'neck'"), std::string::npos);
  EXPECT_NE(refusal_of("calves", 60000).find("does not work on zone 'calves'"), std::string::npos);
  EXPECT_NE(refusal_of("back", 60000, "params { name: \"presses\" integer: 9 }")
                .find("presses 9 is outside 1..3"),
            std::string::npos);
}

// A live change (intensity or speed) re-plans the rest of the step from where the chair is;
// every re-plan passes the governor and keeps the step's end.
TEST(PalmPress, LiveChangesReplanCleanly) {
  for (const std::string& extra : {std::string(), flag_param("brace", true) + tempo(12.0)}) {
    auto s = plan("back", 240000, extra);
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
        EXPECT_EQ(governed.value()->timeline().duration_ms, s->step().end_ms)
            << "re-plan at " << at;
      }
    }
  }
}

}  // namespace
}  // namespace chaird::test
