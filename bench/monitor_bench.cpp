// How fast the run-time monitors act: from the telemetry sample that shows a fault to every
// actuator commanded safe. The session manager runs on the simulated chair in manual virtual
// time, as chaird's dispatch thread runs it (each telemetry sample is read and judged on that
// thread); the board's own checks are off, so chaird's monitors are what trips; a bus wrapper
// stamps, in wall time, when each sample is read and when the safe state is commanded. The sample
// itself comes at most one telemetry period (100 ms of chair time) after the fault shows, so the
// goal is: p99 of the wall time below + 100 ms <= 101 ms.
//
//   BM_MonitorTrip/<cause>   200 trips: sample_to_safe p50/p99 (us, wall), and the chair time
//                            from the fault's start to the sample that tripped (ms, median)
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "clock/virtual_scheduler.hpp"
#include "model/injected_fault.hpp"
#include "model/simulated_chair.hpp"
#include "planner/body_model.hpp"
#include "reference_chair.hpp"
#include "session/session_manager.hpp"

namespace {

using WallClock = std::chrono::steady_clock;
using namespace chaird;

constexpr int kTrips = 200;

// Passes everything to the chair; stamps each sample's read and the first safe-state command.
class TimingBus final : public ActuatorBus {
 public:
  explicit TimingBus(ActuatorBus& inner) : inner_(inner) {}
  void submit(std::span<const BusCommand> commands) override { inner_.submit(commands); }
  void refresh_lease(ChairTime now) override { inner_.refresh_lease(now); }
  void cancel_pending() override { inner_.cancel_pending(); }
  void enter_safe_state() override {
    inner_.enter_safe_state();
    if (!safe_at) safe_at = WallClock::now();
  }
  Telemetry read_telemetry() override {
    Telemetry t = inner_.read_telemetry();
    if (!safe_at) read_at = WallClock::now();  // the sample that trips is the last before safe
    return t;
  }
  void clear_faults() override { inner_.clear_faults(); }

  WallClock::time_point read_at{};
  std::optional<WallClock::time_point> safe_at;

 private:
  ActuatorBus& inner_;
};

struct Cause {
  const char* name;
  chair::v1::InjectedFaultKind kind;
  const char* actuator;
  double amount;
};

const Cause kCauses[] = {
    {"heater_runaway", chair::v1::HEATER_RUNAWAY, "heat.lumbar", 0},
    {"burst_airbag", chair::v1::LEAKING_AIRBAG, "airbag.waist", 20},
    {"stuck_valve", chair::v1::STUCK_VALVE, "airbag.waist", 0},
    {"roller_stall", chair::v1::ROLLER_STALL, "roller.position", 0},
    {"pinch", chair::v1::PINCH, "legrest.angle", 0},
    {"presence_lost", chair::v1::PRESENCE_LOST, "", 0},
    {"low_supply", chair::v1::LOW_SUPPLY_VOLTAGE, "", 19},
    {"sensor_dropout", chair::v1::SENSOR_DROPOUT, "airbag.waist", 0},
};

std::shared_ptr<const GovernedTimeline> busy(const ChairModel& m, const SafetyGovernor& governor) {
  Timeline tl;
  tl.program_id = "busy";
  tl.duration_ms = 60000;
  tl.initial_values = m.home_values();
  // Where the default body's regions lie, so that the governor can check the roller depth.
  if (auto body = BodyModel::resolve(m, {})) tl.regions = body->depth_regions(m);
  auto add = [&](std::int64_t start, std::int64_t reach, const char* id, double v) {
    tl.commands.push_back({start, reach, *m.find(id), -1, v, CommandSource::kTechnique});
  };
  add(0, 0, "heat.lumbar", 40);
  add(0, 1000, "roller.depth", 6);
  add(0, 1000, "roller.knead", 30);
  add(0, 2500, "airbag.waist", 16);
  add(0, 3000, "roller.position", 400);
  add(1000, 3000, "vibration.seat", 0.8);
  std::stable_sort(tl.commands.begin(), tl.commands.end(), [](const auto& a, const auto& b) {
    return a.start_ms != b.start_ms ? a.start_ms < b.start_ms : a.actuator < b.actuator;
  });
  auto governed = governor.review(std::move(tl));
  if (!governed) throw std::runtime_error(governed.error().to_string());
  return *governed;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

void BM_MonitorTrip(benchmark::State& state) {
  spdlog::set_level(spdlog::level::off);
  const Cause& cause = kCauses[state.range(0)];
  const auto ref = bench::load_reference_chair();
  const auto timeline = busy(*ref.chair, *ref.governor);
  std::vector<double> sample_to_safe_us;
  std::vector<double> onset_to_sample_ms;
  for (auto _ : state) {
    boost::asio::io_context io;
    VirtualScheduler clock(io, VirtualScheduler::Mode::kManual);
    sim::SimulatedChair chair(ref.chair, clock);
    chair.miss_own_faults();  // chaird's monitors alone: the board's checks do not trip first
    TimingBus bus(chair);
    StatusHub hub;
    SessionManager sessions(clock, bus, *ref.governor, hub, {});
    auto claim = sessions.claim_start();
    if (!claim || !sessions.start(**claim, PreparedSession{"busy", "Busy", timeline, "bench"})) {
      state.SkipWithError("the session did not start");
      return;
    }
    clock.advance(std::chrono::milliseconds(1600));  // the roller travels, the bag fills
    chair::v1::InjectedFault f;
    f.set_kind(cause.kind);
    f.set_actuator(cause.actuator);
    f.set_amount(cause.amount);
    f.set_at_ms(to_ms(clock.now()));
    auto resolved = sim::resolve_fault(f, *ref.chair);
    if (!resolved) {
      state.SkipWithError(resolved.error().message.c_str());
      return;
    }
    if (!chair.schedule_fault(*resolved)) {
      state.SkipWithError("the chair holds too many faults");
      return;
    }
    const std::int64_t onset_ms = to_ms(clock.now());
    for (int i = 0; i < 1500 && sessions.state() != chair::v1::FAULTED; ++i) {
      clock.advance(std::chrono::milliseconds(100));
    }
    if (sessions.state() != chair::v1::FAULTED || !bus.safe_at) {
      state.SkipWithError("the monitor did not trip");
      return;
    }
    const double us = std::chrono::duration<double, std::micro>(*bus.safe_at - bus.read_at).count();
    sample_to_safe_us.push_back(us);
    state.SetIterationTime(us / 1e6);
    onset_to_sample_ms.push_back(
        static_cast<double>(hub.latest()->faults(0).chair_time_ms() - onset_ms));
  }
  state.counters["sample_to_safe_p50_us"] = percentile(sample_to_safe_us, 0.50);
  state.counters["sample_to_safe_p99_us"] = percentile(sample_to_safe_us, 0.99);
  state.counters["onset_to_trip_ms"] = percentile(onset_to_sample_ms, 0.50);
  state.SetLabel(cause.name);
}
BENCHMARK(BM_MonitorTrip)
    ->DenseRange(0, static_cast<int>(std::size(kCauses)) - 1)
    ->Iterations(kTrips)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
