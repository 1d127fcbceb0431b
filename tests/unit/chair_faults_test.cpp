// sim/simulated_chair: injected faults, what the board does about each, and what shows in its
// telemetry; and the board's own limits (pressure, heat, motor current, supply), each reached
// by a fault on the reference chair.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/injected_fault.hpp"
#include "model/simulated_chair.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;

class ChairFaultsTest : public ::testing::Test {
 protected:
  ChairFaultsTest() { rig_.board.record_events(true); }

  // A fault from its proto form, as a scenario file or SimBench gives it.
  void inject(chair::v1::InjectedFaultKind kind, std::int64_t at_ms, std::string actuator = {},
              double amount = 0.0, std::int64_t duration_ms = 0) {
    chair::v1::InjectedFault f;
    f.set_kind(kind);
    f.set_at_ms(at_ms);
    f.set_actuator(actuator);
    f.set_amount(amount);
    f.set_duration_ms(duration_ms);
    auto resolved = sim::resolve_fault(f, *rig_.model);
    ASSERT_TRUE(resolved) << resolved.error().message;
    ASSERT_TRUE(rig_.board.schedule_fault(*resolved));
  }
  bool has_event(std::string_view kind, std::string_view text = {}) {
    for (auto& e : rig_.board.take_events()) events_.push_back(std::move(e));
    return std::any_of(events_.begin(), events_.end(), [&](const sim::ChairEvent& e) {
      return e.kind == kind && e.text.find(text) != std::string::npos;
    });
  }
  std::size_t i(std::string_view id) const { return static_cast<std::size_t>(rig_.a(id)); }

  unit::SimRig rig_;
  std::vector<sim::ChairEvent> events_;
};

TEST_F(ChairFaultsTest, HeaterRunawayTripsTheBoardsOverTemperatureLimitAndTheSupplyIsCut) {
  rig_.command("heat.lumbar", 0, 0, 40.0);
  inject(chair::v1::HEATER_RUNAWAY, 1000, "heat.lumbar", 90.0);
  Telemetry t;
  for (int s = 0; s < 600 && t.faults == kFaultNone; ++s) {
    rig_.run_ms(1000);
    t = rig_.telemetry();
  }
  EXPECT_EQ(t.faults, kFaultOverTemperature) << t.fault_text;
  EXPECT_TRUE(Contains(t.fault_text, "heat.lumbar over-temperature"));
  EXPECT_TRUE(has_event("fault_injected", "heater runaway"));
  EXPECT_TRUE(has_event("safe_state"));
  // The welded switch no longer heats: the board opened the heaters' supply.
  const double at_trip = t.measured[i("heat.lumbar")];
  rig_.run_ms(60000);
  EXPECT_LT(rig_.measured("heat.lumbar"), at_trip - 5.0);
}

TEST_F(ChairFaultsTest, APressureSensorThatReadsLowOverfillsTheBagAndTheBoardsSwitchTrips) {
  rig_.command("airbag.calf", 0, 3000, 20.0);
  rig_.run_ms(4000);
  inject(chair::v1::SENSOR_DRIFT, rig_.now_ms(), "airbag.calf", -4.0);
  rig_.run_ms(8000);
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults & kFaultOverPressure, kFaultOverPressure) << t.fault_text;
  // The switch tripped in the first step past the board's limit (43.75 kPa), not a coarse
  // idle step later (it once read 44.0 kPa: a chair at rest was stepped 100 ms at a time).
  EXPECT_TRUE(Contains(t.fault_text, "airbag.calf over-pressure: 43.8 kPa")) << t.fault_text;
  const auto trace = rig_.board.take_events();
  EXPECT_FALSE(trace.empty());
}

TEST_F(ChairFaultsTest, AStalledRollerDrawsStallCurrentAndTheBoardStopsIt) {
  inject(chair::v1::ROLLER_STALL, 0);  // roller.position by default
  rig_.command("roller.position", 100, 3000, 300.0);
  rig_.run_ms(2000);
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultMotorCurrent) << t.fault_text;
  EXPECT_TRUE(Contains(t.fault_text, "roller.position motor drew 4.0 A"));
  EXPECT_NEAR(t.measured[i("roller.position")], 100.0, 1e-9);
}

TEST_F(ChairFaultsTest, AMissedLimitSwitchDrivesTheRollerIntoItsEndStop) {
  // The board believes the roller is 120 mm lower than it is; going to 60 mm drives the
  // carriage into its top end stop.
  inject(chair::v1::MISSED_LIMIT_SWITCH, 0, "roller.position", 120.0);
  rig_.run_ms(100);
  rig_.command("roller.position", 200, 3000, 60.0);
  rig_.run_ms(6000);
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults & kFaultMotorCurrent, kFaultMotorCurrent) << t.fault_text;
  EXPECT_TRUE(Contains(t.fault_text, "end stop"));
  EXPECT_DOUBLE_EQ(rig_.board.true_value(rig_.a("roller.position")), 0.0);
}

TEST_F(ChairFaultsTest, NormalMotionStaysUnderTheCurrentLimit) {
  rig_.command("roller.position", 100, 100, 1300.0);  // a step: full acceleration
  rig_.command("recline", 100, 100, 165.0);           // into its end position
  rig_.run_ms(20000);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone) << rig_.telemetry().fault_text;
}

TEST_F(ChairFaultsTest, LowSupplySlowsTheMotorsAndBelowBrownOutTheBoardGoesSafe) {
  inject(chair::v1::LOW_SUPPLY_VOLTAGE, 0, "", 21.0, 5000);
  rig_.command("roller.position", 100, 100, 700.0);
  rig_.run_ms(2000);
  Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultNone) << t.fault_text;
  EXPECT_DOUBLE_EQ(t.supply_v, 21.0);
  // 2 s at most 120*1.25*21/24 = 131 mm/s (less accelerating): short of a full-voltage run.
  EXPECT_LT(t.measured[i("roller.position")], 100.0 + 2.0 * 131.3);

  inject(chair::v1::LOW_SUPPLY_VOLTAGE, rig_.now_ms() + 100, "", 18.5);
  rig_.run_ms(500);
  t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultSupplyVoltage) << t.fault_text;
  EXPECT_TRUE(Contains(t.fault_text, "18.5 V"));
  // The cause is still there: clearing the fault latches it again.
  rig_.board.clear_faults();
  EXPECT_EQ(rig_.telemetry().faults, kFaultSupplyVoltage);
}

TEST_F(ChairFaultsTest, AStuckValveKeepsTheBagInflatedAndTheBoardSaysSo) {
  rig_.command("airbag.foot", 0, 3000, 25.0);
  rig_.run_ms(4000);
  inject(chair::v1::STUCK_VALVE, rig_.now_ms(), "airbag.foot");
  rig_.command("airbag.foot", rig_.now_ms() + 200, rig_.now_ms() + 1200, 0.0);
  rig_.run_ms(4000);
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultValve) << t.fault_text;
  EXPECT_TRUE(Contains(t.fault_text, "airbag.foot does not follow its valve"));
  // The foot is still held: that is what the kiosk must be told.
  EXPECT_NEAR(t.measured[i("airbag.foot")], 25.0, 0.1);
}

TEST_F(ChairFaultsTest, ALeakingBagSagsAndIsToppedUpWithoutAFault) {
  rig_.command("airbag.calf", 0, 3000, 20.0);
  rig_.run_ms(4000);
  inject(chair::v1::LEAKING_AIRBAG, rig_.now_ms(), "airbag.calf", 2.0);
  double low = 100.0;
  for (int s = 0; s < 40; ++s) {
    rig_.run_ms(50);
    low = std::min(low, rig_.measured("airbag.calf"));
  }
  EXPECT_LT(low, 19.5);
  EXPECT_GT(low, 18.5);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
}

TEST_F(ChairFaultsTest, ASilentSensorFaultsTheBoardUntilItAnswersAgain) {
  inject(chair::v1::SENSOR_DROPOUT, 500, "heat.calf", 0.0, 2000);
  rig_.run_ms(1000);
  EXPECT_EQ(rig_.telemetry().faults, kFaultSensor);
  rig_.board.clear_faults();
  EXPECT_EQ(rig_.telemetry().faults, kFaultSensor) << "refused while still silent";
  rig_.run_ms(2000);
  rig_.board.clear_faults();
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  EXPECT_TRUE(has_event("fault_ended", "sensor dropout"));
}

TEST_F(ChairFaultsTest, PinchAndAnEmptySeatStopTheChairButAnEmptyIdleChairIsNoFault) {
  inject(chair::v1::PRESENCE_LOST, 0);
  rig_.run_ms(1000);
  Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultNone) << "nobody sits in an idle chair: that is normal";
  EXPECT_FALSE(t.seat_occupied);
  rig_.command("legrest.angle", rig_.now_ms() + 100, rig_.now_ms() + 5000, 40.0);
  rig_.run_ms(500);
  EXPECT_EQ(rig_.telemetry().faults, kFaultSeatEmpty);

  unit::SimRig other;
  chair::v1::InjectedFault f;
  f.set_kind(chair::v1::PINCH);
  f.set_at_ms(1000);
  ASSERT_TRUE(other.board.schedule_fault(*sim::resolve_fault(f, *other.model)));
  other.command("legrest.angle", 100, 5000, 60.0);
  other.run_ms(1500);
  t = other.telemetry();
  EXPECT_EQ(t.faults, kFaultPinch) << t.fault_text;
  EXPECT_TRUE(t.pinch_detected);
  EXPECT_TRUE(Contains(t.fault_text, "legrest.angle"));
}

TEST_F(ChairFaultsTest, ACorruptedOrLostFrameIsNeverPlayedAndFaultsTheBoard) {
  inject(chair::v1::CORRUPTED_FRAMES, 0, "", 0.0, 1000);
  rig_.command("roller.position", 500, 2000, 300.0);
  rig_.run_ms(3000);
  Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultLinkLost);
  EXPECT_TRUE(Contains(t.fault_text, "failed its check"));
  EXPECT_DOUBLE_EQ(t.commanded[i("roller.position")], 100.0);

  unit::SimRig other;
  chair::v1::InjectedFault f;
  f.set_kind(chair::v1::LOST_FRAMES);
  f.set_duration_ms(150);
  ASSERT_TRUE(other.board.schedule_fault(*sim::resolve_fault(f, *other.model)));
  other.command("roller.position", 500, 2000, 300.0);  // lost
  other.run_ms(300);                                   // the lease after the gap shows it
  t = other.telemetry();
  EXPECT_EQ(t.faults, kFaultLinkLost);
  EXPECT_TRUE(Contains(t.fault_text, "were lost"));
  other.run_ms(2000);
  EXPECT_DOUBLE_EQ(other.commanded("roller.position"), 100.0);
}

TEST_F(ChairFaultsTest, WithTheLinkDownTheHostSeesItAtOnceAndTheBoardGoesSafeByItself) {
  rig_.command("airbag.seat", 0, 2000, 20.0);
  rig_.run_ms(2500);
  inject(chair::v1::LINK_DOWN, rig_.now_ms());
  Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultLinkLost);
  EXPECT_EQ(rig_.board.faults(), kFaultNone) << "the board has not noticed yet";
  rig_.run_ms(1500);  // the host's refreshes are lost: the watchdog (1 s) trips
  EXPECT_EQ(rig_.board.faults(), kFaultLeaseExpired) << rig_.board.fault_text();
  rig_.run_ms(3000);
  EXPECT_NEAR(rig_.board.true_value(rig_.a("airbag.seat")), 0.0, 1e-9);
}

// A bench or a host may inject faults one after another without end. The chair holds at most
// kMaxInjectedFaults that have still to begin or to end, and refuses one more, so that they
// cannot grow its memory and every step's work without bound. A fault that has begun and lasts
// to the end of the run has nothing left to do, and holds no place.
TEST_F(ChairFaultsTest, TheChairHoldsABoundedNumberOfFaultsAndRefusesOneMore) {
  sim::InjectedFault later;
  later.at = chair_time_from_ms(3'600'000);
  later.lasts = std::chrono::milliseconds(1000);
  later.kind = chair::v1::PRESENCE_LOST;
  for (std::size_t n = 0; n < sim::kMaxInjectedFaults; ++n) {
    ASSERT_TRUE(rig_.board.schedule_fault(later)) << n;
  }
  EXPECT_FALSE(rig_.board.schedule_fault(later));

  unit::SimRig other;
  sim::InjectedFault from_now_on;  // at once, to the end of the run
  from_now_on.kind = chair::v1::PRESENCE_LOST;
  for (std::size_t n = 0; n < sim::kMaxInjectedFaults; ++n) {
    ASSERT_TRUE(other.board.schedule_fault(from_now_on)) << n;
  }
  EXPECT_TRUE(other.board.schedule_fault(later)) << "faults that began for good hold no place";
  EXPECT_FALSE(other.telemetry().seat_occupied) << "and they still hold the chair";
}

// --- scenario files ---

class FaultScenarioTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    return unit::write_file(test::make_temp_dir("scenario"), "faults.textproto", text);
  }
  std::shared_ptr<const ChairModel> chair_ = unit::chair();
};

TEST_F(FaultScenarioTest, LoadsFaultsInTimeOrderWithDefaults) {
  const auto path = write(R"(name: "two"
faults { at_ms: 9000 kind: LINK_DOWN }
faults { at_ms: 2000 kind: LEAKING_AIRBAG actuator: "airbag.calf" duration_ms: 500 }
)");
  auto loaded = sim::load_fault_scenario(path, *chair_);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].kind, chair::v1::LEAKING_AIRBAG);
  EXPECT_DOUBLE_EQ((*loaded)[0].amount, 3.0);
  EXPECT_EQ((*loaded)[0].lasts, unit::ms(500));
  EXPECT_EQ((*loaded)[1].kind, chair::v1::LINK_DOWN);
}

TEST_F(FaultScenarioTest, EveryMistakeIsPlacedAtFileLineColumn) {
  const std::string text =
      R"(faults { at_ms: 1000 kind: LEAKING_AIRBAG actuator: "roller.position" }
faults { at_ms: 1000 kind: STUCK_VALVE actuator: "airbag.nose" }
faults { at_ms: -5 kind: PINCH }
faults { at_ms: 10 kind: LOW_SUPPLY_VOLTAGE amount: 400 }
faults { at_ms: 10 kind: PRESENCE_LOST actuator: "recline" }
faults { at_ms: 10 }
)";
  const std::string path = write(text);
  auto loaded = sim::load_fault_scenario(path, *chair_);
  ASSERT_FALSE(loaded);
  const Diagnostics& d = loaded.error();
  EXPECT_EQ(d.error_count(), 6u) << d.to_string();
  const auto at = [&](std::string_view what, std::string_view needle) {
    return unit::ErrorAt(d, what, path, unit::line_of(text, needle), unit::column_of(text, needle));
  };
  EXPECT_TRUE(at("needs a PRESSURE actuator; 'roller.position' is POSITION", "actuator: \"roller"));
  EXPECT_TRUE(at("no actuator 'airbag.nose'", "actuator: \"airbag.nose"));
  EXPECT_TRUE(at("at_ms -5 is outside", "at_ms: -5"));
  EXPECT_TRUE(at("amount 400 is outside 0..24 V", "amount: 400"));
  EXPECT_TRUE(at("concerns the whole chair", "actuator: \"recline"));
  EXPECT_TRUE(unit::HasError(d, "kind is missing"));
}

TEST_F(FaultScenarioTest, ASyntaxErrorSaysWhatWasExpected) {
  auto loaded = sim::load_fault_scenario(write("faults { at_ms: 1000 kind: MELTDOWN }\n"), *chair_);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(unit::HasError(loaded.error(), "MELTDOWN")) << loaded.error().to_string();
  EXPECT_EQ(loaded.error().items().front().where.line, 1);
  EXPECT_GT(loaded.error().items().front().where.column, 0);
}

}  // namespace
}  // namespace chaird
