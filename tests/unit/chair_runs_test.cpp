// sim/simulated_chair: the model takes the steps between two calls from the host as a run, each
// axis on its own, a heater's quiet steps at once, and takes a run back when a limit trips
// inside it. None of that may show: a chair read at every step and one read once a second
// must hold the same values, sample the same rows and fault at the same step.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/injected_fault.hpp"
#include "model/simulated_chair.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

constexpr std::int64_t kStepUs = 1000;  // the replay bench's 1 kHz

struct Rig : unit::VirtualRig {
  std::shared_ptr<const ChairModel> model = unit::chair();
  sim::SimulatedChair board{model, clock, sim::SimOptions{kStepUs}};

  Rig() {
    board.record_events(true);
    std::vector<double> resolution(model->actuator_count(), 0.05);
    board.record_samples(std::move(resolution));
    board.sample_all();
  }
  ActuatorIndex a(std::string_view id) const { return unit::idx(*model, id); }
  void command(std::string_view id, std::int64_t due_ms, std::int64_t reach_ms, double value) {
    const BusCommand c{a(id), chair_time_from_ms(due_ms), chair_time_from_ms(reach_ms), value};
    board.submit(std::span<const BusCommand>(&c, 1));
  }
  void inject(chair::v1::InjectedFaultKind kind, std::int64_t at_ms, std::string actuator,
              double amount = 0.0) {
    chair::v1::InjectedFault f;
    f.set_kind(kind);
    f.set_at_ms(at_ms);
    f.set_actuator(actuator);
    f.set_amount(amount);
    auto resolved = sim::resolve_fault(f, *model);
    ASSERT_TRUE(resolved) << resolved.error().message;
    ASSERT_TRUE(board.schedule_fault(*resolved));
  }
  // The host calls (reads telemetry) every `every_ms`: the model runs from call to call. It
  // refreshes the lease at each whole second, whatever its cadence, so that both rigs'
  // watchdogs see the same host.
  void run_ms(std::int64_t total_ms, std::int64_t every_ms, bool lease = true) {
    for (std::int64_t done = 0; done < total_ms; done += every_ms) {
      advance_ms(every_ms);
      (void)board.read_telemetry();
      if (lease && now_ms() % 1000 == 0) board.refresh_lease(clock.now());
    }
  }
};

// A session's worth of everything at once: the roller travelling and pressing, airbags, a
// heater on its thermostat, a motor spinning.
void busy_session(Rig& rig) {
  rig.command("roller.position", 100, 4000, 600.0);
  rig.command("roller.depth", 200, 900, 8.0);
  rig.command("roller.depth", 1500, 2100, 2.0);
  rig.command("roller.depth", 2600, 3300, 10.0);
  rig.command("roller.knead", 300, 800, 40.0);
  rig.command("airbag.calf", 500, 3500, 18.0);
  rig.command("airbag.calf", 6000, 6000, 0.0);
  rig.command("heat.lumbar", 0, 0, 42.0);
}

void expect_same_chair(Rig& stepped, Rig& runs) {
  const Telemetry s = stepped.board.read_telemetry();
  const Telemetry r = runs.board.read_telemetry();
  ASSERT_EQ(s.at, r.at);
  EXPECT_EQ(s.faults, r.faults) << s.fault_text << " | " << r.fault_text;
  EXPECT_EQ(s.fault_text, r.fault_text);
  for (std::size_t i = 0; i < s.measured.size(); ++i) {
    const auto& id = stepped.model->actuator(static_cast<ActuatorIndex>(i)).id;
    // A heater's quiet steps are summed in closed form: the same recurrence, rounded once.
    EXPECT_NEAR(s.measured[i], r.measured[i], 1e-9) << id;
    EXPECT_EQ(s.commanded[i], r.commanded[i]) << id;
  }
}

void expect_same_samples(Rig& stepped, Rig& runs) {
  const auto s = stepped.board.take_samples();
  const auto r = runs.board.take_samples();
  EXPECT_EQ(s.size(), r.size());
  // Runs sample each axis in its own order; the trace sorts them by time.
  auto key = [](const sim::AxisSample& x) { return std::pair(x.at, x.actuator); };
  auto sorted = [&](std::vector<sim::AxisSample> v) {
    std::stable_sort(v.begin(), v.end(), [&](auto& x, auto& y) { return key(x) < key(y); });
    return v;
  };
  const auto ss = sorted(s);
  const auto rs = sorted(r);
  for (std::size_t k = 0; k < std::min(ss.size(), rs.size()); ++k) {
    ASSERT_EQ(key(ss[k]), key(rs[k]))
        << "sample " << k << " at " << to_ms(ss[k].at) << " ms of "
        << stepped.model->actuator(ss[k].actuator).id << " / at " << to_ms(rs[k].at) << " ms of "
        << stepped.model->actuator(rs[k].actuator).id;
    EXPECT_NEAR(ss[k].reported, rs[k].reported, 1e-9) << "sample " << k;
    EXPECT_EQ(ss[k].commanded, rs[k].commanded) << "sample " << k;
  }
}

void expect_same_events(Rig& stepped, Rig& runs) {
  const auto s = stepped.board.take_events();
  const auto r = runs.board.take_events();
  ASSERT_EQ(s.size(), r.size());
  for (std::size_t k = 0; k < s.size(); ++k) {
    EXPECT_EQ(s[k].at, r[k].at) << s[k].kind << ": " << s[k].text;
    EXPECT_EQ(s[k].kind, r[k].kind);
    EXPECT_EQ(s[k].text, r[k].text);
  }
}

TEST(ChairRuns, ARunOfStepsEndsExactlyWhereSingleStepsEnd) {
  Rig stepped;
  Rig runs;
  busy_session(stepped);
  busy_session(runs);
  for (int second = 0; second < 120; ++second) {
    stepped.run_ms(1000, 1);  // every step alone
    runs.run_ms(1000, 1000);  // a second's steps between two calls
    expect_same_chair(stepped, runs);
  }
  expect_same_samples(stepped, runs);
  expect_same_events(stepped, runs);
}

TEST(ChairRuns, AHeatersThermostatSwitchesAndSamplesAtTheSameStepsInARun) {
  Rig stepped;
  Rig runs;
  stepped.command("heat.lumbar", 0, 0, 42.0);
  runs.command("heat.lumbar", 0, 0, 42.0);
  // Warming up, then cycling on its thermostat for minutes, then cooling once switched off.
  stepped.command("heat.lumbar", 600'000, 600'000, 0.0);
  runs.command("heat.lumbar", 600'000, 600'000, 0.0);
  stepped.run_ms(1'200'000, 1);
  runs.run_ms(1'200'000, 1000);
  expect_same_chair(stepped, runs);
  expect_same_samples(stepped, runs);
}

TEST(ChairRuns, ALimitThatTripsInsideARunLatchesAtTheStepItWouldAlone) {
  // The roller jams while the depth motor presses, a bag fills and the heater warms: the
  // motor-current limit trips 200 ms into the jam, in the middle of a second-long run. Every
  // other axis must go safe from that step, not from the run's end.
  Rig stepped;
  Rig runs;
  for (Rig* rig : {&stepped, &runs}) {
    busy_session(*rig);
    rig->inject(chair::v1::ROLLER_STALL, 1337, "roller.position");
  }
  for (int second = 0; second < 10; ++second) {
    stepped.run_ms(1000, 1);
    runs.run_ms(1000, 1000);
    expect_same_chair(stepped, runs);
  }
  EXPECT_EQ(runs.board.faults(), kFaultMotorCurrent) << runs.board.fault_text();
  expect_same_samples(stepped, runs);
  expect_same_events(stepped, runs);
}

TEST(ChairRuns, AnOverPressureInsideARunLatchesAtTheStepItWouldAlone) {
  // A sensor that reads low overfills the bag until the board's own switch trips, mid-run.
  Rig stepped;
  Rig runs;
  for (Rig* rig : {&stepped, &runs}) {
    busy_session(*rig);
    rig->inject(chair::v1::SENSOR_DRIFT, 3700, "airbag.calf", -4.0);
  }
  for (int second = 0; second < 15; ++second) {
    stepped.run_ms(1000, 1);
    runs.run_ms(1000, 1000);
    expect_same_chair(stepped, runs);
  }
  EXPECT_EQ(runs.board.faults() & kFaultOverPressure, kFaultOverPressure)
      << runs.board.fault_text();
  expect_same_samples(stepped, runs);
  expect_same_events(stepped, runs);
}

TEST(ChairRuns, TheWatchdogTripsAtTheSameStepWhenTheHostFallsSilentInARun) {
  Rig stepped;
  Rig runs;
  busy_session(stepped);
  busy_session(runs);
  stepped.run_ms(2000, 1);
  runs.run_ms(2000, 1000);
  // No more leases: the watchdog's time falls inside the next run.
  const std::int64_t silent_ms = runs.board.watchdog_ms() + 500;
  stepped.run_ms(silent_ms, 1, false);
  runs.run_ms(silent_ms, silent_ms, false);
  expect_same_chair(stepped, runs);
  EXPECT_EQ(runs.board.faults(), kFaultLeaseExpired) << runs.board.fault_text();
  expect_same_events(stepped, runs);
}

}  // namespace
}  // namespace chaird
