// sim/simulated_chair: the simulated board's timing rules and physics, on manual virtual time.
#include "model/simulated_chair.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "safety/safe_state.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;

// Tests of how the board moves use run_ms (a living host refreshing the lease every 100 ms);
// advance_ms is a silent host, which the watchdog sends to the safe state once it matters.
class SimulatedChairTest : public ::testing::Test {
 protected:
  unit::SimRig rig_;
};

TEST_F(SimulatedChairTest, StartsAtHomeWithHeatersAtRoomTemperature) {
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultNone);
  EXPECT_EQ(t.commanded, rig_.model->home_values());
  EXPECT_DOUBLE_EQ(rig_.measured("roller.position"), 100.0);
  EXPECT_DOUBLE_EQ(rig_.measured("heat.lumbar"), 22.0);
  EXPECT_DOUBLE_EQ(rig_.commanded("heat.lumbar"), 0.0);
}

TEST_F(SimulatedChairTest, ACommandStartsAtItsDueTimeAndRampsLinearly) {
  rig_.command("roller.depth", 1000, 3000, 10.0);
  rig_.run_ms(500);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 0.0);
  rig_.run_ms(500);  // due now
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 0.0);
  rig_.run_ms(500);
  EXPECT_NEAR(rig_.commanded("roller.depth"), 2.5, 1e-9);
  rig_.run_ms(1000);
  EXPECT_NEAR(rig_.commanded("roller.depth"), 7.5, 1e-9);
  rig_.run_ms(500);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 10.0);
  rig_.run_ms(2000);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 10.0);
  EXPECT_NEAR(rig_.measured("roller.depth"), 10.0, 0.01);

  // The next ramp starts from where the previous one ended.
  rig_.command("roller.depth", 6000, 8000, 2.0);
  rig_.run_ms(1000);
  EXPECT_NEAR(rig_.commanded("roller.depth"), 10.0, 1e-9);
  rig_.run_ms(1000);
  EXPECT_NEAR(rig_.commanded("roller.depth"), 6.0, 1e-9);
  // A step (reach_by == due) jumps.
  rig_.command("roller.width", 8000, 8000, 60.0);
  rig_.run_ms(1000);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.width"), 60.0);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
}

TEST_F(SimulatedChairTest, TheRollerTravelsAtFiniteSpeedAndCatchesUp) {
  rig_.command("roller.position", 0, 0, 1000.0);  // a jump of the target: the motor cannot
  rig_.run_ms(1000);
  const double after_one_second = rig_.measured("roller.position");
  EXPECT_GT(after_one_second, 100.0);
  // At most 125 % of the 120 mm/s rating, less while it accelerates.
  EXPECT_LE(after_one_second, 100.0 + 150.0);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.position"), 1000.0);
  rig_.run_ms(1000);
  EXPECT_GT(rig_.measured("roller.position"), after_one_second + 100.0);  // still going
  rig_.run_ms(10000);
  EXPECT_NEAR(rig_.measured("roller.position"), 1000.0, 0.5);
  // A ramp within the rating is followed closely.
  rig_.command("roller.position", 13000, 18000, 500.0);  // 100 mm/s
  rig_.run_ms(3500);
  EXPECT_NEAR(rig_.measured("roller.position"), rig_.commanded("roller.position"), 10.0);
  rig_.run_ms(5000);
  EXPECT_NEAR(rig_.measured("roller.position"), 500.0, 0.5);
}

TEST_F(SimulatedChairTest, AirbagsFillAndVentAtTheirRates) {
  rig_.command("airbag.calf", 0, 0, 30.0);
  rig_.run_ms(1000);
  EXPECT_NEAR(rig_.measured("airbag.calf"), 9.0, 0.01);  // fill_rate 9 kPa/s
  rig_.run_ms(1000);
  EXPECT_NEAR(rig_.measured("airbag.calf"), 18.0, 0.01);
  rig_.run_ms(3000);
  EXPECT_NEAR(rig_.measured("airbag.calf"), 30.0, 0.01);  // and stops at the target
  rig_.command("airbag.calf", rig_.now_ms(), rig_.now_ms(), 0.0);
  rig_.run_ms(1000);
  EXPECT_NEAR(rig_.measured("airbag.calf"), 18.0, 0.01);  // vent_rate 12 kPa/s
  rig_.run_ms(2000);
  EXPECT_NEAR(rig_.measured("airbag.calf"), 0.0, 0.01);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
}

TEST_F(SimulatedChairTest, HeatersWarmAndCoolAsFirstOrderSystems) {
  // Element at 48 C when on, 22 C room, 90 s time constant.
  rig_.command("heat.lumbar", 0, 0, 40.0);
  rig_.run_ms(10000);
  const double warm = 22.0 + 26.0 * (1.0 - std::exp(-10.0 / 90.0));
  EXPECT_NEAR(rig_.measured("heat.lumbar"), warm, 0.01);
  rig_.run_ms(10000);
  const double warmer = 22.0 + 26.0 * (1.0 - std::exp(-20.0 / 90.0));
  EXPECT_NEAR(rig_.measured("heat.lumbar"), warmer, 0.01);
  // The thermostat holds the target once reached.
  rig_.run_ms(300000);
  EXPECT_NEAR(rig_.measured("heat.lumbar"), 40.0, 0.5);
  EXPECT_LE(rig_.measured("heat.lumbar"), 40.3);
  // Off: it cools towards the room.
  const double hot = rig_.measured("heat.lumbar");
  rig_.command("heat.lumbar", rig_.now_ms(), rig_.now_ms(), 0.0);
  rig_.run_ms(30000);
  EXPECT_NEAR(rig_.measured("heat.lumbar"), 22.0 + (hot - 22.0) * std::exp(-30.0 / 90.0), 0.01);
  // The other heater was never switched on.
  EXPECT_DOUBLE_EQ(rig_.measured("heat.calf"), 22.0);
}

TEST_F(SimulatedChairTest, ALateCommandFaultsAndGoesSafe) {
  rig_.command("airbag.waist", 0, 2000, 16.0);
  rig_.command("roller.knead", 0, 500, 30.0);
  rig_.run_ms(1000);
  rig_.command("roller.depth", 900, 1500, 5.0);  // due 100 ms ago
  const Telemetry t = rig_.telemetry();
  EXPECT_NE(t.faults & kFaultLateCommand, 0u);
  EXPECT_TRUE(Contains(t.fault_text, "command for roller.depth due at 900 ms arrived 100 ms late"));
  // Safe at once: every target at its safe value, nothing more queued.
  EXPECT_TRUE(is_safe(*rig_.model, t.commanded));
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 0.0);
  rig_.run_ms(3000);
  EXPECT_NEAR(rig_.measured("airbag.waist"), 0.0, 1e-9);
  EXPECT_NEAR(rig_.measured("roller.knead"), 0.0, 0.01);
  // Latched: the fault stays, and a command that is on time is refused too while it does.
  EXPECT_NE(rig_.telemetry().faults & kFaultLateCommand, 0u);
  rig_.command("airbag.waist", 4500, 6500, 16.0);
  rig_.run_ms(3000);
  EXPECT_NEAR(rig_.measured("airbag.waist"), 0.0, 1e-9) << "a faulted board filled a bag";
  EXPECT_DOUBLE_EQ(rig_.commanded("airbag.waist"), 0.0);
  // Once a person clears the fault, the board obeys again.
  rig_.board.clear_faults();
  rig_.command("airbag.waist", 7000, 9000, 16.0);
  rig_.run_ms(3000);
  EXPECT_GT(rig_.measured("airbag.waist"), 15.0);
}

TEST_F(SimulatedChairTest, ACommandTimedMoreThanADayFromNowIsRefused) {
  // From a host, times are hostile: one at the start of time made the lateness overflow, and one
  // reached by the end of time ramped for ever.
  rig_.run_ms(1000);
  const ActuatorIndex depth = unit::idx(*rig_.model, "roller.depth");
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  const BusCommand ancient{depth, ChairTime(ChairDuration(kMin)), ChairTime(ChairDuration(kMin)),
                           5.0};
  rig_.board.submit(std::span(&ancient, 1));
  Telemetry t = rig_.telemetry();
  EXPECT_NE(t.faults & kFaultInvalidCommand, 0u) << t.fault_text;
  EXPECT_TRUE(Contains(t.fault_text,
                       "command for roller.depth timed more than a day from the board's 1000 ms"))
      << t.fault_text;
  EXPECT_TRUE(is_safe(*rig_.model, t.commanded));

  rig_.board.clear_faults();
  const BusCommand endless{depth, chair_time_from_ms(1100), ChairTime(ChairDuration(kMax)), 5.0};
  rig_.board.submit(std::span(&endless, 1));
  t = rig_.telemetry();
  EXPECT_NE(t.faults & kFaultInvalidCommand, 0u) << "a ramp to the end of time was taken";
  EXPECT_TRUE(Contains(t.fault_text, "timed more than a day from the board's")) << t.fault_text;
  // A day ahead exactly is still a command.
  rig_.board.clear_faults();
  const BusCommand slow{depth, chair_time_from_ms(1100), chair_time_from_ms(1000 + 86'400'000),
                        5.0};
  rig_.board.submit(std::span(&slow, 1));
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone) << rig_.telemetry().fault_text;
}

TEST_F(SimulatedChairTest, ALostLeaseVentsTheAirbagsAndLatches) {
  rig_.command("airbag.seat", 0, 0, 20.0);
  rig_.command("heat.calf", 0, 0, 40.0);
  rig_.run_ms(2000);  // refreshed: fine
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  const double inflated = rig_.measured("airbag.seat");
  EXPECT_GT(inflated, 15.0);
  // The host falls silent.
  rig_.advance_ms(1000);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone) << "exactly the lease is still fine";
  rig_.advance_ms(10);
  const Telemetry t = rig_.telemetry();
  EXPECT_NE(t.faults & kFaultLeaseExpired, 0u);
  EXPECT_TRUE(Contains(t.fault_text, "did not refresh the board"));
  EXPECT_DOUBLE_EQ(rig_.commanded("airbag.seat"), 0.0);
  EXPECT_DOUBLE_EQ(rig_.commanded("heat.calf"), 0.0);
  rig_.advance_ms(3000);
  EXPECT_NEAR(rig_.measured("airbag.seat"), 0.0, 1e-9);
  // Refreshing again does not undo a latched fault.
  rig_.run_ms(1000);
  EXPECT_NE(rig_.telemetry().faults & kFaultLeaseExpired, 0u);
}

// With chair time running 20 times faster than real time (chaird --clock scaled, the demo),
// the watchdog watches the host in real time: a host silent for a second of real time trips it,
// not one silent for 50 ms (a second of chair time), which a busy machine's hiccup can be.
TEST(SimulatedChairScaled, TheWatchdogCountsTheLeaseInRealTime) {
  unit::VirtualRig rig;
  const auto model = unit::chair();
  sim::SimulatedChair board{model, rig.clock, sim::SimOptions{5000, 20.0}};
  EXPECT_EQ(board.watchdog_ms(), 20 * model->limits().board_lease_ms());
  const BusCommand c{unit::idx(*model, "airbag.seat"), chair_time_from_ms(0), chair_time_from_ms(0),
                     20.0};
  board.submit(std::span<const BusCommand>(&c, 1));
  board.refresh_lease(rig.clock.now());
  rig.advance_ms(1500);  // 75 ms of real time without a lease
  EXPECT_EQ(board.read_telemetry().faults, kFaultNone);
  rig.advance_ms(18510);  // past 20 s of chair time, one real second
  EXPECT_NE(board.read_telemetry().faults & kFaultLeaseExpired, 0u);
  // A board may still be made stricter than that.
  sim::SimulatedChair strict{model, rig.clock, sim::SimOptions{5000, 20.0}};
  strict.shorten_watchdog(500);
  EXPECT_EQ(strict.watchdog_ms(), 500);
}

// The watchdog covers every output that is not at its safe value, motors included: a host that
// dies mid-move must not leave a roller travelling or a motor kneading.
TEST_F(SimulatedChairTest, TheWatchdogCoversMotorsToo) {
  rig_.command("roller.knead", 0, 500, 30.0);
  rig_.command("roller.position", 0, 4000, 500.0);
  rig_.run_ms(1500);  // refreshed: fine
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  const double travelling = rig_.measured("roller.position");
  EXPECT_GT(travelling, 150.0);
  // The host falls silent, mid-move.
  rig_.advance_ms(1010);
  const Telemetry t = rig_.telemetry();
  EXPECT_NE(t.faults & kFaultLeaseExpired, 0u);
  EXPECT_TRUE(Contains(t.fault_text, "every output went safe"));
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.knead"), 0.0);
  rig_.advance_ms(3000);
  EXPECT_NEAR(rig_.measured("roller.knead"), 0.0, 0.5);
  EXPECT_LT(rig_.measured("roller.position"), 450.0) << "the roller halted instead of finishing";
}

TEST_F(SimulatedChairTest, SilenceIsFineWhileEverythingIsSafe) {
  rig_.advance_ms(60000);  // an idle chair
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  // A travel motor at rest is safe where it is (it halts in place).
  const std::int64_t now_ms = to_ms(rig_.clock.now());
  rig_.board.refresh_lease(rig_.clock.now());  // the host says it is alive before it commands
  rig_.command("roller.position", now_ms, now_ms + 2000, 300.0);
  rig_.run_ms(4000);
  rig_.advance_ms(60000);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  EXPECT_NEAR(rig_.measured("roller.position"), 300.0, 0.5);
}

TEST_F(SimulatedChairTest, EnterSafeStateVentsHeatOffRetractsAndHalts) {
  rig_.command("airbag.arm", 0, 0, 20.0);
  rig_.command("heat.lumbar", 0, 0, 40.0);
  rig_.command("roller.depth", 0, 1000, 8.0);
  rig_.command("roller.tap", 0, 1000, 6.0);
  rig_.command("roller.position", 0, 5000, 700.0);
  rig_.command("roller.depth", 8000, 9000, 12.0);  // queued, never to happen
  rig_.run_ms(2500);
  const double moving = rig_.measured("roller.position");
  ASSERT_GT(moving, 200.0);
  ASSERT_LT(moving, 650.0);
  rig_.board.enter_safe_state();
  const Telemetry t = rig_.telemetry();
  EXPECT_TRUE(is_safe(*rig_.model, t.commanded));
  EXPECT_DOUBLE_EQ(rig_.commanded("airbag.arm"), 0.0);
  EXPECT_DOUBLE_EQ(rig_.commanded("heat.lumbar"), 0.0);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 0.0);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.tap"), 0.0);
  // Halted where braking at full deceleration brings it: a little further on, never back.
  const double halted = rig_.commanded("roller.position");
  EXPECT_GE(halted, moving);
  EXPECT_LE(halted, moving + 20.0);  // at most 150 mm/s, braking at 600 mm/s^2: under 19 mm
  EXPECT_EQ(t.faults, kFaultNone);   // a requested safe state is not a fault
  rig_.run_ms(10000);
  EXPECT_NEAR(rig_.measured("airbag.arm"), 0.0, 1e-9);
  EXPECT_NEAR(rig_.measured("roller.depth"), 0.0, 0.01);
  EXPECT_NEAR(rig_.measured("roller.tap"), 0.0, 0.01);
  EXPECT_LT(rig_.measured("heat.lumbar"), 40.0);
  EXPECT_NEAR(rig_.measured("roller.position"), halted, 0.5);  // it brakes, it does not go on
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 0.0) << "the queued press was dropped";
}

TEST_F(SimulatedChairTest, CancelPendingDropsTheQueueAndStopsRampsWhereTheyAre) {
  rig_.command("roller.depth", 0, 2000, 8.0);
  rig_.command("roller.depth", 3000, 4000, 12.0);
  rig_.run_ms(1000);
  rig_.board.cancel_pending();
  EXPECT_NEAR(rig_.commanded("roller.depth"), 4.0, 1e-9);
  rig_.run_ms(5000);
  EXPECT_NEAR(rig_.commanded("roller.depth"), 4.0, 1e-9);
  EXPECT_NEAR(rig_.measured("roller.depth"), 4.0, 0.01);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  // New commands are accepted afterwards.
  rig_.command("roller.depth", 7000, 8000, 0.0);
  rig_.run_ms(3000);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 0.0);
}

TEST_F(SimulatedChairTest, AnObstructionBlocksATravelMotor) {
  rig_.board.obstruct(rig_.a("roller.position"), 250.0);
  rig_.command("roller.position", 0, 5000, 600.0);
  rig_.run_ms(8000);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.position"), 600.0);
  EXPECT_LE(rig_.measured("roller.position"), 250.0);
  EXPECT_GT(rig_.measured("roller.position"), 240.0);
  // It can still move away from the obstruction.
  rig_.command("roller.position", 8000, 10000, 150.0);
  rig_.run_ms(4000);
  EXPECT_NEAR(rig_.measured("roller.position"), 150.0, 0.5);
  // Cleared, it passes.
  rig_.board.clear_obstructions();
  rig_.command("roller.position", 12000, 17000, 600.0);
  rig_.run_ms(7000);
  EXPECT_NEAR(rig_.measured("roller.position"), 600.0, 0.5);
}

TEST_F(SimulatedChairTest, ClearFaultsAcceptsCommandsAgain) {
  rig_.advance_ms(1000);
  rig_.command("roller.depth", 500, 600, 3.0);  // late
  ASSERT_NE(rig_.telemetry().faults, kFaultNone);
  rig_.board.clear_faults();
  Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultNone);
  EXPECT_TRUE(t.fault_text.empty());
  rig_.command("roller.depth", 1100, 1600, 3.0);
  rig_.advance_ms(1000);
  EXPECT_DOUBLE_EQ(rig_.commanded("roller.depth"), 3.0);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  // After a lost lease, a reset starts the lease afresh.
  rig_.command("airbag.foot", 2000, 2000, 10.0);
  rig_.advance_ms(1500);  // a silent host
  ASSERT_NE(rig_.telemetry().faults & kFaultLeaseExpired, 0u);
  rig_.board.clear_faults();
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  rig_.command("airbag.foot", rig_.now_ms(), rig_.now_ms(), 10.0);
  rig_.run_ms(2000);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone) << rig_.telemetry().fault_text;
  EXPECT_NEAR(rig_.measured("airbag.foot"), 10.0, 0.01);
}

TEST_F(SimulatedChairTest, InvalidCommandsFault) {
  rig_.command("roller.depth", 100, 200, 50.0);  // the depth goes to 12 mm
  Telemetry t = rig_.telemetry();
  EXPECT_NE(t.faults & kFaultInvalidCommand, 0u);
  EXPECT_TRUE(Contains(t.fault_text, "invalid command for roller.depth"));
  rig_.board.clear_faults();
  const BusCommand unknown{99, chair_time_from_ms(100), chair_time_from_ms(100), 0.0};
  rig_.board.submit(std::span<const BusCommand>(&unknown, 1));
  EXPECT_NE(rig_.telemetry().faults & kFaultInvalidCommand, 0u);
  rig_.board.clear_faults();
  rig_.command("roller.depth", 500, 400, 1.0);  // reaches before it starts
  EXPECT_NE(rig_.telemetry().faults & kFaultInvalidCommand, 0u);
}

}  // namespace
}  // namespace chaird
