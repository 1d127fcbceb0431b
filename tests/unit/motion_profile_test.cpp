// timeline/motion_profile: shortest travel times and trapezoidal moves within speed and
// acceleration limits.
#include "timeline/motion_profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace chaird {
namespace {

// The governor's tolerances for ms rounding (safety_governor.cpp): anything beyond is refused.
constexpr double kRateTolerance = 1.02;
constexpr double kAccelTolerance = 1.10;

TEST(MotionProfile, ATravelNoChairMakesIsBoundedNotOverflowed) {
  // A distance from a value no actuator reaches, or a speed limit of next to nothing: the time
  // is the longest move (a year), not whatever the cast of an enormous double makes of it.
  EXPECT_EQ(min_travel_ms(1e300, 120.0, 400.0), kLongestMoveMs);
  EXPECT_EQ(min_travel_ms(1e300, 120.0, 0.0), kLongestMoveMs);
  EXPECT_EQ(min_travel_ms(50.0, 1e-300, 0.0), kLongestMoveMs);
  EXPECT_EQ(min_travel_ms(50.0, 1e-300, 400.0), kLongestMoveMs);
}

TEST(MotionProfile, MinTravelMatchesHandComputedTimes) {
  // Nothing to do.
  EXPECT_EQ(min_travel_ms(0.0, 120.0, 400.0), 0);
  EXPECT_EQ(min_travel_ms(50.0, 0.0, 400.0), 0);  // no rate limit: instant
  // Unlimited acceleration: distance / speed.
  EXPECT_EQ(min_travel_ms(120.0, 120.0, 0.0), 1000);
  EXPECT_EQ(min_travel_ms(1.0, 3.0, 0.0), 334);  // 333.3 ms, rounded up
  // Trapezoid, the roller: 600 mm at 120 mm/s, 400 mm/s^2: 600/120 + 120/400 = 5.3 s.
  EXPECT_EQ(min_travel_ms(600.0, 120.0, 400.0), 5300);
  EXPECT_EQ(min_travel_ms(-600.0, 120.0, 400.0), 5300);  // either direction
  // The depth: 10 mm at 15 mm/s, 120 mm/s^2: 10/15 + 15/120 = 0.7917 s.
  EXPECT_EQ(min_travel_ms(10.0, 15.0, 120.0), 792);
  // Triangle (never reaches full speed): 2 * sqrt(16 / 400) = 0.4 s.
  EXPECT_EQ(min_travel_ms(16.0, 120.0, 400.0), 400);
  // The boundary between the two, v^2/a = 36 mm: both formulas give 0.6 s.
  EXPECT_EQ(min_travel_ms(36.0, 120.0, 400.0), 600);
  EXPECT_EQ(min_travel_ms(35.9, 120.0, 400.0), 600);  // 2*sqrt(35.9/400) = 0.59917 s
  // Recline: 55 deg at 4 deg/s, 10 deg/s^2: 55/4 + 4/10 = 14.15 s.
  EXPECT_EQ(min_travel_ms(55.0, 4.0, 10.0), 14150);
}

struct Move {
  double from;
  double to;
  double max_rate;
  double max_accel;
  std::int64_t duration_ms;
};

std::string describe(const Move& m, const std::vector<RampPoint>& points) {
  std::ostringstream out;
  out << m.from << " -> " << m.to << " in " << m.duration_ms << " ms (rate " << m.max_rate
      << ", accel " << m.max_accel << "):";
  for (const auto& p : points) out << " {" << p.at_ms << ", " << p.value << "}";
  return out.str();
}

// Checks a move the way the governor will: end point, speed, and change of speed between
// consecutive pieces (starting and ending at rest).
void check_move(const Move& m) {
  const auto points = trapezoid_move(m.from, m.to, m.duration_ms, m.max_accel);
  const std::string what = describe(m, points);
  ASSERT_FALSE(points.empty()) << what;
  EXPECT_EQ(points.back().at_ms, m.duration_ms) << what;
  EXPECT_EQ(points.back().value, m.to) << what;  // exactly, not nearly

  std::int64_t t = 0;
  double value = m.from;
  double last_slope = 0.0;
  double last_seconds = 0.0;
  const double low = std::min(m.from, m.to);
  const double high = std::max(m.from, m.to);
  for (const auto& p : points) {
    ASSERT_GT(p.at_ms, t) << "points must move forward in time: " << what;
    EXPECT_GE(p.value, low - 1e-9) << what;
    EXPECT_LE(p.value, high + 1e-9) << what;
    const double seconds = static_cast<double>(p.at_ms - t) / 1000.0;
    const double slope = (p.value - value) / seconds;
    EXPECT_LE(std::abs(slope), m.max_rate * kRateTolerance)
        << "too fast at " << p.at_ms << " ms: " << what;
    const double change = std::abs(slope - last_slope);
    EXPECT_LE(change, m.max_accel * std::max(seconds, last_seconds) * kAccelTolerance + 1e-9)
        << "speed changes too fast at " << t << " ms: " << what;
    last_slope = slope;
    last_seconds = seconds;
    value = p.value;
    t = p.at_ms;
  }
  // And it comes to rest at the end.
  EXPECT_LE(std::abs(last_slope), m.max_accel * last_seconds * kAccelTolerance + 1e-9)
      << "does not brake before the end: " << what;
}

TEST(MotionProfile, TrapezoidEndsExactlyAtTheTargetWithinSpeedAndAcceleration) {
  check_move({100.0, 700.0, 120.0, 400.0, min_travel_ms(600.0, 120.0, 400.0)});
  check_move({700.0, 100.0, 120.0, 400.0, min_travel_ms(600.0, 120.0, 400.0)});
  check_move({0.0, 12.0, 15.0, 120.0, min_travel_ms(12.0, 15.0, 120.0)});
  check_move({100.0, 116.0, 120.0, 400.0, min_travel_ms(16.0, 120.0, 400.0)});
  check_move({110.0, 165.0, 4.0, 10.0, min_travel_ms(55.0, 4.0, 10.0)});
  // Slower than the fastest possible.
  check_move({100.0, 700.0, 120.0, 400.0, 9000});
  check_move({12.0, 0.0, 15.0, 120.0, 5000});
}

TEST(MotionProfile, TrapezoidHoldsForEveryDistanceAndActuator) {
  struct Limits {
    double rate;
    double accel;
  };
  // The reference chair's travel motors: roller position, width, depth, recline, legrest.
  const Limits actuators[] = {{120, 400}, {40, 200}, {15, 120}, {4, 10}, {6, 15}, {15, 40}};
  int moves = 0;
  for (const auto& a : actuators) {
    for (double distance = 0.25; distance < 1200.0; distance *= 1.37) {
      const std::int64_t fastest = min_travel_ms(distance, a.rate, a.accel);
      for (std::int64_t duration :
           {fastest, fastest + 7, fastest * 3 / 2, (fastest + 9) / 10 * 10}) {
        check_move({50.0, 50.0 + distance, a.rate, a.accel, duration});
        check_move({50.0 + distance, 50.0, a.rate, a.accel, duration});
        ++moves;
        if (::testing::Test::HasFailure()) return;  // one clear failure, not hundreds
      }
    }
  }
  EXPECT_GT(moves, 100);
}

TEST(MotionProfile, DegenerateMoves) {
  // No distance: one point at the end.
  auto still = trapezoid_move(5.0, 5.0, 300, 100.0);
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].at_ms, 300);
  EXPECT_EQ(still[0].value, 5.0);
  // No time: a step.
  auto instant = trapezoid_move(0.0, 10.0, 0, 100.0);
  ASSERT_EQ(instant.size(), 1u);
  EXPECT_EQ(instant[0].at_ms, 0);
  EXPECT_EQ(instant[0].value, 10.0);
  // No acceleration limit: one linear ramp.
  auto linear = trapezoid_move(0.0, 10.0, 1000, 0.0);
  ASSERT_EQ(linear.size(), 1u);
  EXPECT_EQ(linear[0].at_ms, 1000);
  EXPECT_EQ(linear[0].value, 10.0);
  // Accelerating and braking are each split in several pieces.
  EXPECT_GE(trapezoid_move(100.0, 700.0, 5300, 400.0).size(), 8u);
}

}  // namespace
}  // namespace chaird
