#include "replay/replay_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cmath>

#include "clock/virtual_scheduler.hpp"
#include "model/simulated_chair.hpp"

namespace chaird::sim {
namespace {

std::string kind_name(chair::v1::ActuatorKind kind) {
  switch (kind) {
    case chair::v1::POSITION:
      return "position";
    case chair::v1::SPEED:
      return "speed";
    case chair::v1::PRESSURE:
      return "pressure";
    case chair::v1::TEMPERATURE:
      return "temperature";
    case chair::v1::LEVEL:
      return "level";
    default:
      return "other";
  }
}

// The plot's lane: the actuator's family, with the motors that tilt the chair together.
std::string group_of(const ActuatorSpec& a) {
  const std::string family = a.id.substr(0, a.id.find('.'));
  if (family == "recline" || family == "legrest") return "recline";
  if (family == "airbag") return "airbags";
  if (family == "heat") return "heat";
  if (family == "roller") return "roller";
  return "other";
}

// The finest change worth a row, whatever the range: below these a person sees nothing, and a
// short range (12 mm of roller depth) would otherwise fill the trace with pressing strokes.
double floor_of(chair::v1::ActuatorKind kind) {
  switch (kind) {
    case chair::v1::POSITION:
      return 0.2;  // mm or deg
    case chair::v1::SPEED:
      return 0.5;  // rpm or Hz
    case chair::v1::PRESSURE:
      return 0.1;  // kPa
    case chair::v1::TEMPERATURE:
      return 0.05;  // °C
    default:
      return 0.01;
  }
}

// What chaird's session manager does with telemetry, reduced to the replay: the governor
// watches every sample, and a trip stops the timeline and sends the chair to its safe state.
class ReplayListener final : public ExecutorListener {
 public:
  ReplayListener(const SafetyGovernor& governor, const Clock& clock, ReplayTrace& trace)
      : governor_(governor), clock_(clock), trace_(trace) {}

  void attach(Executor& executor, SimulatedChair& chair) {
    executor_ = &executor;
    chair_ = &chair;
  }

  void on_telemetry(const Telemetry& sample, std::int64_t session_ms) override {
    if (done_) return;
    auto trip = governor_.watch(sample, session_ms);
    if (!trip) return;
    done_ = true;
    tripped_ = true;
    stopped_at_ = clock_.now();
    trace_.events.push_back(
        {to_ms(clock_.now()), kEventTrip, "",
         fmt::format("{}: {}", chair::v1::FaultCode_Name(trip->code), trip->reason)});
    executor_->abandon();
    chair_->enter_safe_state();
    executor_->settle();
  }

  void on_timeline_end() override {
    if (done_) return;
    done_ = true;
    stopped_at_ = clock_.now();
    trace_.events.push_back({to_ms(clock_.now()), kEventEnd, "", "the program ended"});
    executor_->settle();
  }

  bool done() const { return done_; }
  bool tripped() const { return tripped_; }
  ChairTime stopped_at() const { return stopped_at_; }

 private:
  const SafetyGovernor& governor_;
  const Clock& clock_;
  ReplayTrace& trace_;
  Executor* executor_ = nullptr;
  SimulatedChair* chair_ = nullptr;
  bool done_ = false;
  bool tripped_ = false;
  ChairTime stopped_at_{};
};

}  // namespace

ReplayTrace replay(std::shared_ptr<const ChairModel> chair,
                   std::shared_ptr<const GovernedTimeline> timeline, const SafetyGovernor& governor,
                   const std::vector<InjectedFault>& faults, const ReplayOptions& options) {
  ReplayTrace trace;
  trace.program_id = timeline->timeline().program_id;
  trace.chair_id = chair->profile().id();
  for (const auto& a : chair->actuators()) {
    trace.actuators.push_back({a.id, kind_name(a.kind), a.unit, group_of(a), a.min, a.max});
  }

  boost::asio::io_context io;
  VirtualScheduler clock(io, VirtualScheduler::Mode::kManual);
  SimulatedChair board(chair, clock, SimOptions{options.model_step_us});
  board.record_events(true);
  // The chair samples itself after every step, each actuator at the trace's resolution.
  std::vector<double> resolution;
  for (const auto& a : chair->actuators()) {
    resolution.push_back(std::max(floor_of(a.kind), (a.max - a.min) * options.resolution_of_range));
  }
  board.record_samples(std::move(resolution));
  board.sample_all();
  // A scenario holds at most what a chair holds (load_fault_scenario), and this chair none yet.
  for (const auto& f : faults) (void)board.schedule_fault(f);

  ReplayListener listener(governor, clock, trace);
  Executor executor(clock, board, options.executor, listener);
  listener.attach(executor, board);
  const ChairTime start = clock.now() + std::chrono::milliseconds(options.executor.lookahead_ms);
  executor.play(timeline);

  // Step the clock until the timeline has ended (or tripped) and the chair has settled; never
  // past the timeline's length plus the settling time (a stuck run still ends).
  const std::int64_t limit_ms = options.executor.lookahead_ms + timeline->timeline().duration_ms +
                                std::max(options.settle_ms, options.settle_after_trip_ms) + 1000;
  while (to_ms(clock.now()) < limit_ms) {
    const std::int64_t settle_ms =
        listener.tripped() ? options.settle_after_trip_ms : options.settle_ms;
    if (listener.done() &&
        clock.now() >= listener.stopped_at() + std::chrono::milliseconds(settle_ms)) {
      break;
    }
    clock.advance(std::chrono::milliseconds(100));
  }
  (void)board.read_telemetry();  // the model catches up to the clock
  board.sample_all();
  for (const auto& s : board.take_samples()) {
    trace.samples.push_back(
        {to_ms(s.at), static_cast<std::int32_t>(s.actuator), s.commanded, s.reported});
  }
  // Each actuator's samples are in time order; the trace's rows go by time, then actuator.
  std::stable_sort(
      trace.samples.begin(), trace.samples.end(), [](const TraceSample& a, const TraceSample& b) {
        return a.chair_ms != b.chair_ms ? a.chair_ms < b.chair_ms : a.actuator < b.actuator;
      });
  trace.end_ms = to_ms(board.model_time());

  // Events: the steps that began before the run stopped, the chair's own, the trips; in time.
  std::vector<TraceEvent> events;
  const std::int64_t stopped_ms = listener.done() ? to_ms(listener.stopped_at()) : trace.end_ms;
  const auto& steps = timeline->timeline().steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::int64_t at_ms = to_ms(start) + steps[i].start_ms;
    if (at_ms > stopped_ms) break;
    events.push_back({at_ms, kEventStepStart, "",
                      fmt::format("{}/{} {}: {} on {}", i + 1, steps.size(), steps[i].name,
                                  steps[i].technique, steps[i].zone)});
  }
  for (auto& e : board.take_events()) {
    events.push_back({to_ms(e.at), e.kind, e.actuator >= 0 ? chair->actuator(e.actuator).id : "",
                      std::move(e.text)});
  }
  for (auto& e : trace.events) events.push_back(std::move(e));
  std::stable_sort(events.begin(), events.end(), [](const TraceEvent& a, const TraceEvent& b) {
    return a.chair_ms < b.chair_ms;
  });
  trace.events = std::move(events);
  return trace;
}

}  // namespace chaird::sim
