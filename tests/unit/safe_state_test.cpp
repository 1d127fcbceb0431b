// safety/safe_state: the one definition of the safe state, and a stop's cool-down.
#include "safety/safe_state.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "safety/safety_governor.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::idx;

double& at(std::vector<double>& values, const char* id) {
  return values[static_cast<std::size_t>(idx(id))];
}

// A chair in the middle of a session: everything working, nothing at home.
std::vector<double> busy_state() {
  std::vector<double> v = unit::chair()->home_values();
  at(v, "roller.position") = 520.0;
  at(v, "roller.width") = 130.0;
  at(v, "roller.depth") = 9.0;
  at(v, "roller.knead") = -35.0;
  at(v, "roller.tap") = 6.0;
  at(v, "airbag.calf") = 28.0;
  at(v, "airbag.shoulder") = 12.0;
  at(v, "heat.lumbar") = 39.0;
  at(v, "recline") = 150.0;
  at(v, "legrest.angle") = 60.0;
  at(v, "foot_roller") = 25.0;
  at(v, "vibration.seat") = 0.7;
  return v;
}

TEST(SafeState, SafeValuesVentHeatOffRetractAndHaltTravelMotors) {
  const auto c = unit::chair();
  std::vector<double> busy = busy_state();
  const std::vector<double> safe = safe_values(*c, busy);
  ASSERT_EQ(safe.size(), busy.size());
  for (const auto& a : c->actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (a.goes_to_safe_value()) {
      EXPECT_EQ(safe[i], a.safe_value) << a.id;
    } else {
      EXPECT_EQ(safe[i], busy[i]) << a.id << " halts where it is";
    }
  }
  EXPECT_EQ(safe[static_cast<std::size_t>(idx("roller.depth"))], 0.0);
  EXPECT_EQ(safe[static_cast<std::size_t>(idx("heat.lumbar"))], 0.0);
  EXPECT_EQ(safe[static_cast<std::size_t>(idx("recline"))], 150.0);
}

TEST(SafeState, IsSafeLooksAtEverythingThatHasASafeValue) {
  const auto c = unit::chair();
  EXPECT_TRUE(is_safe(*c, c->home_values()));
  EXPECT_FALSE(is_safe(*c, busy_state()));
  std::vector<double> busy = busy_state();
  EXPECT_TRUE(is_safe(*c, safe_values(*c, busy)));
  // Travel motors may be anywhere.
  std::vector<double> reclined = c->home_values();
  at(reclined, "recline") = 160.0;
  at(reclined, "roller.position") = 1200.0;
  EXPECT_TRUE(is_safe(*c, reclined));
  // One output left on is enough to be unsafe; within 1 % of the range is safe.
  for (const char* id :
       {"airbag.foot", "heat.calf", "roller.depth", "roller.knead", "vibration.seat"}) {
    std::vector<double> v = c->home_values();
    const ActuatorSpec& a = c->actuator(idx(id));
    at(v, id) = a.safe_value + 0.02 * (a.max - a.min);
    EXPECT_FALSE(is_safe(*c, v)) << id;
    at(v, id) = a.safe_value + 0.005 * (a.max - a.min);
    EXPECT_TRUE(is_safe(*c, v)) << id;
  }
}

TEST(SafeState, CooldownFromABusyChairPassesTheGovernorAndEndsSafe) {
  const auto c = unit::chair();
  const std::vector<double> busy = busy_state();
  const Timeline tl = cooldown_timeline(*c, busy, 3000);
  EXPECT_EQ(tl.initial_values, busy);
  EXPECT_GE(tl.duration_ms, 3000);
  // The slowest: the calf bag vents 28 kPa at 8 kPa/s (3.5 s).
  EXPECT_EQ(tl.duration_ms, 3500);
  for (const auto& cmd : tl.commands) {
    EXPECT_EQ(cmd.source, CommandSource::kSafety);
    EXPECT_EQ(cmd.step, -1);
  }

  const std::vector<double> end = tl.targets_at(tl.duration_ms);
  for (const auto& a : c->actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (a.goes_to_safe_value()) {
      EXPECT_EQ(end[i], a.safe_value) << a.id;
    } else {
      EXPECT_EQ(end[i], busy[i]) << a.id << " is left where it was";
      // No command at all: the Cancel before the cool-down halted it where it can brake, which
      // may be past the value the cool-down starts from (a report taken before the Cancel).
      EXPECT_TRUE(std::none_of(tl.commands.begin(), tl.commands.end(),
                               [&](const TimelineCommand& cmd) { return cmd.actuator == a.index; }))
          << a.id;
    }
  }
  EXPECT_TRUE(is_safe(*c, end));

  const SafetyGovernor governor(c, {});
  auto governed = governor.review(tl);
  ASSERT_TRUE(governed) << governed.error().to_string();
  EXPECT_TRUE((*governed)->adaptations().empty()) << "the cool-down already ends safe";

  // Motors spin down over at least half the cool-down rather than at once.
  EXPECT_GE(test::value_at(tl, *c, "roller.knead", 1000), -35.0);
  EXPECT_LT(test::value_at(tl, *c, "roller.knead", 1000), -5.0);
  EXPECT_EQ(test::value_at(tl, *c, "roller.knead", 1500), 0.0);
}

TEST(SafeState, CooldownOfAChairAtRestCommandsNothing) {
  const auto c = unit::chair();
  const Timeline tl = cooldown_timeline(*c, c->home_values(), 3000);
  EXPECT_EQ(tl.duration_ms, 3000);
  EXPECT_TRUE(tl.commands.empty());
}

}  // namespace
}  // namespace chaird
