// safety/runtime_monitor: chaird's own monitors on telemetry, each tripping with its code and
// a reason, and staying quiet for a chair that does what it is told.
#include "safety/runtime_monitor.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;
using unit::ms;

class RunTimeMonitorTest : public ::testing::Test {
 protected:
  // A chair at home doing what it is told, at chair time t_ms.
  Telemetry sample(std::int64_t t_ms) const {
    Telemetry t;
    t.at = chair_time_from_ms(t_ms);
    t.measured = model_->home_values();
    t.commanded = model_->home_values();
    return t;
  }
  void set(Telemetry& t, std::string_view id, double commanded, double measured) const {
    const auto i = static_cast<std::size_t>(unit::idx(*model_, id));
    t.commanded[i] = commanded;
    t.measured[i] = measured;
  }
  std::optional<SafetyTrip> check(const Telemetry& t, bool moving = true) {
    return monitor_.check(t, t.at, moving);
  }

  std::shared_ptr<const ChairModel> model_ = unit::chair();
  RunTimeMonitor monitor_{*model_, {}};
};

TEST_F(RunTimeMonitorTest, AChairThatFollowsItsCommandsNeverTrips) {
  // Heating up towards a command, cooling after it, a bag filling and venting with lag.
  for (std::int64_t t = 0; t < 60000; t += 100) {
    Telemetry s = sample(t);
    const double x = static_cast<double>(t) / 60000.0;
    set(s, "heat.lumbar", t < 30000 ? 42.0 : 0.0, t < 30000 ? 25.0 + 17.0 * x * 2 : 42.0 - 10 * x);
    set(s, "airbag.waist", t % 20000 < 10000 ? 20.0 : 0.0,
        t % 20000 < 10000
            ? std::min(20.0, 4.0 * static_cast<double>(t % 20000) / 1000.0)
            : std::max(0.0, 20.0 - 8.0 * static_cast<double>(t % 20000 - 10000) / 1000.0));
    set(s, "roller.position", 300.0, 300.0);
    ASSERT_FALSE(check(s)) << "at " << t << " ms";
  }
}

TEST_F(RunTimeMonitorTest, AHeaterThatHeatsWhileSwitchedOffTrips) {
  std::optional<SafetyTrip> trip;
  double c = 30.0;
  for (std::int64_t t = 0; t < 20000 && !trip; t += 100) {
    Telemetry s = sample(t);
    set(s, "heat.lumbar", 0.0, c);
    c += 0.05;  // 0.5 °C/s
    trip = check(s);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::HEATER_FAULT);
  EXPECT_TRUE(Contains(trip->reason, "heat.lumbar keeps heating while switched off"));
  EXPECT_NEAR(c, 31.55, 0.11) << "it trips once the rise is clear, not at the first 0.1 °C";
}

TEST_F(RunTimeMonitorTest, ARunawayHeaterTripsAboveItsCommandBeforeTheLimit) {
  std::optional<SafetyTrip> trip;
  double c = 40.0;
  for (std::int64_t t = 0; t < 30000 && !trip; t += 100) {
    Telemetry s = sample(t);
    set(s, "heat.lumbar", 40.0, c);
    c += 0.03;
    trip = check(s);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::HEATER_FAULT);
  EXPECT_TRUE(Contains(trip->reason, "heats past its 40 °C command"));
  EXPECT_LT(c, 43.0) << "before the governor's limit margin";
}

TEST_F(RunTimeMonitorTest, AnAirbagThatDoesNotFillOrDoesNotVentTrips) {
  std::optional<SafetyTrip> trip;
  std::int64_t t = 0;
  for (; t < 20000 && !trip; t += 100) {
    Telemetry s = sample(t);
    set(s, "airbag.calf", 20.0, 4.0);  // a leak: it never gets near
    trip = check(s);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::VALVE_FAILURE);
  EXPECT_TRUE(Contains(trip->reason, "airbag.calf does not fill"));
  EXPECT_EQ(t, 3100) << "after a window without coming closer, not before";

  monitor_.reset();
  trip.reset();
  double held = 18.0;
  for (t = 0; t < 20000 && !trip; t += 100) {
    Telemetry s = sample(t);
    set(s, "airbag.waist", 0.0, held);  // commanded empty, the air stays in (a little seeps)
    held -= 0.02;
    trip = check(s);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::VALVE_FAILURE);
  EXPECT_TRUE(Contains(trip->reason, "airbag.waist does not vent"));
}

// Every cause of a sample, each naming its part: a bag that fails on every sample (it is
// already latched) must not hide a second bag that fails later; the chair's own causes come
// first and name no part.
TEST_F(RunTimeMonitorTest, APartThatFailsOnEverySampleDoesNotHideAnother) {
  std::vector<SafetyTrip> trips;
  for (std::int64_t t = 0; t <= 12000; t += 100) {
    Telemetry s = sample(t);
    set(s, "airbag.waist", 0.0, 15.0);                  // never vents
    set(s, "airbag.calf", 0.0, t < 6000 ? 0.0 : 15.0);  // stuck from 6 s
    trips = monitor_.check_all(s, s.at, false);
    if (t == 3000) {
      ASSERT_EQ(trips.size(), 1U);
      EXPECT_EQ(trips[0].part, "airbag.waist");
    }
  }
  ASSERT_EQ(trips.size(), 2U);
  for (const auto& trip : trips) EXPECT_EQ(trip.code, chair::v1::VALVE_FAILURE);
  EXPECT_TRUE((trips[0].part == "airbag.calf" && trips[1].part == "airbag.waist") ||
              (trips[0].part == "airbag.waist" && trips[1].part == "airbag.calf"));
  for (const auto& trip : trips) EXPECT_TRUE(Contains(trip.reason, trip.part)) << trip.reason;

  Telemetry pinched = sample(12100);
  pinched.pinch_detected = true;
  set(pinched, "airbag.waist", 0.0, 15.0);
  trips = monitor_.check_all(pinched, pinched.at, false);
  ASSERT_FALSE(trips.empty());
  EXPECT_EQ(trips.front().code, chair::v1::PINCH_DETECTED) << "the chair's own causes first";
  EXPECT_TRUE(trips.front().part.empty());
  ASSERT_TRUE(check(pinched, false));
  EXPECT_EQ(check(pinched, false)->code, chair::v1::PINCH_DETECTED);
}

TEST_F(RunTimeMonitorTest, ATravelMotorThatStopsShortOfItsCommandIsStalledOrAtAnEndStop) {
  // Moving towards its command, however far behind: no trip.
  for (std::int64_t t = 0; t < 5000; t += 100) {
    Telemetry s = sample(t);
    set(s, "roller.position", 600.0, 100.0 + 0.08 * static_cast<double>(t));
    ASSERT_FALSE(check(s)) << t;
  }
  monitor_.reset();
  std::optional<SafetyTrip> trip;
  std::int64_t t = 0;
  for (; t < 5000 && !trip; t += 100) {
    Telemetry s = sample(t);
    set(s, "roller.position", 600.0, 450.0);  // stuck 150 mm short, mid-track
    trip = check(s);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::OBSTRUCTION);
  EXPECT_TRUE(Contains(trip->reason, "roller.position has stopped 150 mm from where it should be"));
  EXPECT_EQ(t, 1100);
  monitor_.reset();
  trip.reset();
  for (t = 0; t < 5000 && !trip; t += 100) {
    Telemetry s = sample(t);
    set(s, "roller.position", 0.0, 40.0);  // told to the end, held 40 mm short by the end stop
    trip = check(s);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::LIMIT_SWITCH);
  EXPECT_TRUE(Contains(trip->reason, "short of the end of its travel"));
}

TEST_F(RunTimeMonitorTest, ATravelMotorPastItsEndOfTravelIsAMissedLimitSwitch) {
  Telemetry s = sample(0);
  const auto& a = model_->actuator(unit::idx(*model_, "roller.position"));
  set(s, "roller.position", a.max, a.max + 0.05 * (a.max - a.min));
  const auto trip = check(s);
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->code, chair::v1::LIMIT_SWITCH);
  EXPECT_TRUE(Contains(trip->reason, "past its end of travel"));
}

TEST_F(RunTimeMonitorTest, PinchPresenceSupplySensorAndStaleSamplesEachTripWithTheirCode) {
  Telemetry pinch = sample(0);
  pinch.pinch_detected = true;
  ASSERT_TRUE(check(pinch, false));
  EXPECT_EQ(check(pinch, false)->code, chair::v1::PINCH_DETECTED) << "in every state";
  EXPECT_TRUE(monitor_.still_present(pinch));

  Telemetry empty = sample(0);
  empty.seat_occupied = false;
  EXPECT_FALSE(check(empty, false)) << "standing up from an idle or paused chair is fine";
  ASSERT_TRUE(check(empty, true));
  EXPECT_EQ(check(empty, true)->code, chair::v1::SEAT_EMPTY);

  Telemetry low = sample(0);
  low.supply_v = 20.4;
  ASSERT_TRUE(check(low));
  EXPECT_EQ(check(low)->code, chair::v1::SUPPLY_VOLTAGE);
  EXPECT_TRUE(Contains(check(low)->reason, "20.4 V"));
  low.supply_v = 21.0;
  EXPECT_FALSE(check(low)) << "a sag the motors can run on is shown, not tripped on";

  Telemetry silent = sample(0);
  set(silent, "airbag.seat", 0.0, NAN);
  ASSERT_TRUE(check(silent));
  EXPECT_EQ(check(silent)->code, chair::v1::SENSOR_FAILURE);

  const Telemetry old = sample(1000);
  EXPECT_FALSE(monitor_.check(old, chair_time_from_ms(2000), true));
  const auto stale = monitor_.check(old, chair_time_from_ms(2001), true);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->code, chair::v1::TELEMETRY_STALE);
  EXPECT_TRUE(Contains(stale->reason, "1001 ms old"));
}

}  // namespace
}  // namespace chaird
