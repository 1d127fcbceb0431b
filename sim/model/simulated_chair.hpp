// The simulated chair: an in-process board that implements ActuatorBus with simple physics, so
// that tests, demos and the replay bench run the same code as a real chair.
//
// Board behaviour (as a real controller board must behave):
//   - a command starts at its due time and ramps the commanded value to its target by reach_by;
//   - a command that arrives after its due time is refused: the board faults and goes safe;
//   - every output that is not at its safe value (air, heat, motors, a move under way) goes
//     safe by itself when the host stops refreshing the lease; the fault is latched;
//   - independent limits trip the board itself: over-pressure and over-temperature (on switches
//     of their own, which see the truth even when a sensor lies), motor current (a jammed
//     motor), supply voltage (brown-out), the pinch and seat-presence sensors, a bag whose valve
//     does not move it.
// Physics: travel motors follow at finite speed and acceleration (slower on a low supply) and
// stop at their end stops, motors spin up with a lag, a pump fills and a valve per zone vents
// airbags at set rates, heaters are first-order thermal systems with a thermostat. Sensors
// report what the board steers on; an injected fault can make them lie or fall silent.
// Time comes from the injected Clock, so virtual time replays exactly.
#pragma once

#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/actuator_bus.hpp"
#include "clock/chair_time.hpp"
#include "model/injected_fault.hpp"
#include "profile/chair_model.hpp"

namespace chaird::sim {

struct SimOptions {
  // The physics step. 5 ms is plenty for the daemon; the replay bench steps at 1 ms.
  std::int64_t step_us = 5000;
  // How many times faster than real time chair time runs (chaird --clock scaled). The watchdog
  // watches the host in real time, as a board beside a real host would: board_lease_ms of real
  // time is time_scale times as much chair time. Otherwise, at 20x, a 50 ms hiccup of a busy
  // machine would trip it. 1 for real and for virtual time.
  double time_scale = 1.0;
};

// One actuator at one model step, for the replay's trace.
struct AxisSample {
  ChairTime at;
  ActuatorIndex actuator = -1;
  double commanded = 0.0;  // where the board steers it
  double reported = 0.0;   // what its sensor says
};

// Something the board did or suffered, for the replay trace (kinds as in replay_trace.hpp).
struct ChairEvent {
  ChairTime at;
  std::string kind;  // "fault_injected", "fault_ended", "board_fault", "safe_state"
  ActuatorIndex actuator = -1;
  std::string text;
};

class SimulatedChair final : public ActuatorBus {
 public:
  SimulatedChair(std::shared_ptr<const ChairModel> chair, const Clock& clock,
                 SimOptions options = {});

  void submit(std::span<const BusCommand> commands) override;
  void refresh_lease(ChairTime now) override;
  void cancel_pending() override;
  void enter_safe_state() override;
  Telemetry read_telemetry() override;
  void clear_faults() override;

  // --- fault injection (the engineer's bench and the tests) ---
  // Something blocks a travel motor: from where it is now, it cannot pass `at` (a limb in the
  // leg mechanism, say).
  void obstruct(ActuatorIndex actuator, double at);
  void clear_obstructions();
  // The board reports a fault of its own (a sensor, a driver, its own limit), latched and safe
  // like any board fault. persists: the cause stays, so that clearing the faults latches it
  // again, until end_injected_fault().
  void inject_fault(std::uint32_t bit, std::string text, bool persists = false);
  void end_injected_fault();
  // A fault of the physical chair or of the link (docs/simulator.md), from its chair time on
  // (at once when that has passed), for its duration. Checked by resolve_fault first. False,
  // and nothing scheduled, while kMaxInjectedFaults are still to begin or to end.
  [[nodiscard]] bool schedule_fault(const InjectedFault& fault);
  // A board whose own checks miss what goes wrong (its limits, its valve, motor-current,
  // sensor, supply, pinch and seat checks: a firmware fault), so that a test can show the
  // host's monitors standing alone. Its link and command checks stay.
  void miss_own_faults() { own_checks_ = false; }

  // The replay bench: keep the events (off by default, so that a daemon's list cannot grow).
  void record_events(bool on) { record_events_ = on; }
  std::vector<ChairEvent> take_events();
  // The replay bench's trace: after every physics step, a sample of each actuator whose
  // commanded or reported value moved by its resolution (one per actuator, in its unit) since
  // its last sample, and of each that came to rest with any change at all. Off when empty.
  void record_samples(std::vector<double> resolution);
  // A sample of every actuator whose values changed at all (the trace's first and last rows).
  void sample_all();
  std::vector<AxisSample> take_samples();
  // The time the model has reached.
  ChairTime model_time() const { return now_; }
  // The truth, which a lying sensor hides (for tests and the trace's summary).
  double true_value(ActuatorIndex i) const { return axes_[static_cast<std::size_t>(i)].measured; }

  // The board's watchdog: outputs go safe after this long without a lease. The profile's
  // board_lease_ms unless shortened (a board may be stricter than the profile, never looser).
  std::int64_t watchdog_ms() const { return watchdog_ms_; }
  void shorten_watchdog(std::int64_t ms);

  // The latched faults as they stand (without advancing time, unlike read_telemetry).
  std::uint32_t faults() const { return faults_; }
  const std::string& fault_text() const { return fault_text_; }

  const ChairModel& chair() const { return *chair_; }

 private:
  // One actuator's state. Trivially copyable (its queue lives in pending_), so that a run of
  // steps can be taken back when a limit trips inside it.
  struct Axis {
    const chair::v1::SimResponse* response = nullptr;  // how its mechanism responds
    const ActuatorSpec* spec = nullptr;
    bool ramping = false;
    ChairTime ramp_start{};
    ChairTime ramp_end{};
    double ramp_from = 0.0;
    double ramp_per_us = 0.0;  // the ramp's slope (a multiplication per step, not a division)
    double target = 0.0;       // where the commanded value is headed (or rests)
    double measured = 0.0;
    double velocity = 0.0;  // travel motors
    bool heater_on = false;
    // A travel motor cannot pass this value in the direction it was approaching it from.
    std::optional<double> obstruction;
    bool obstruction_blocks_increase = true;
    // Injected faults of this actuator.
    bool jammed = false;         // a travel motor cannot move
    bool valve_stuck = false;    // a bag neither fills nor vents
    double leak_kpa_s = 0.0;     // a bag loses pressure
    double runaway_c = 0.0;      // a heater's switch welded on (0: not)
    bool sensor_silent = false;  // the sensor stopped answering
    double drift_per_s = 0.0;    // the sensor drifts...
    double sensor_offset = 0.0;  // ...and reads this far from the truth
    double silent_reading = 0.0;
    // Board checks.
    double current_a = 0.0;  // travel motors
    std::optional<ChairTime> over_current_since;
    std::optional<ChairTime> follow_check_at;  // airbags: does the valve move the bag?
    double follow_check_gap = 0.0;
    // Performance: an axis at its command with nothing acting on it is not integrated, and a
    // first-order decay's factor is kept for the step length it was computed for.
    bool settled = false;
    double target_when_settled = 0.0;
    double decay_dt = -1.0;
    double decay = 0.0;
    // The trace: the values of its last sample.
    double sampled_commanded = 0.0;
    double sampled_reported = 0.0;
  };

  struct ActiveFault {
    InjectedFault fault;
    bool started = false;
  };

  // A run of physics steps with nothing from outside in between (no command due, no fault
  // change, no call from the host): step j (1..steps) ends at start + j * step, the last one
  // at end.
  struct Run {
    ChairTime start;
    ChairDuration step;
    int steps = 0;
    ChairTime end;
    double step_s = 0.0;  // a step's length, and the last one's, in seconds
    double last_step_s = 0.0;
    ChairTime at(int j) const { return j == steps ? end : start + step * j; }
    double dt_s(int j) const { return j == steps ? last_step_s : step_s; }
  };

  // A limit an axis reached in a step: the fault it latches.
  struct Trip {
    std::uint32_t bit = 0;
    std::string text;
  };

  // Where the board steers an axis at t: the ramp under way, or its target.
  static double commanded(const Axis& axis, ChairTime t) {
    if (!axis.ramping || t >= axis.ramp_end) return axis.target;
    if (t <= axis.ramp_start) return axis.ramp_from;
    return axis.ramp_from + axis.ramp_per_us * static_cast<double>((t - axis.ramp_start).count());
  }
  static double reported(const Axis& axis) {
    return axis.sensor_silent ? axis.silent_reading : axis.measured + axis.sensor_offset;
  }
  // Applies the scheduled faults that begin or end at or before t.
  void apply_faults(ChairTime t);
  void begin_fault(const InjectedFault& f);
  void end_fault(const InjectedFault& f);
  // The earliest start or end of a scheduled fault still to come (or max()).
  ChairTime next_fault_change() const;
  // The link: false when the host's frame did not reach the board (and says why, latching).
  bool frame_arrives(const char* what);
  void event(std::string kind, ActuatorIndex actuator, std::string text);
  void advance_to(ChairTime t);
  void activate_due(ChairTime t);
  // The awake axes through a run, each on its own (they do not meet within one); when a limit
  // trips inside it, the run is taken back and stepped again axis by axis up to the trip, so
  // that the fault lands at the same step as if every step had been taken one at a time.
  void take_run(const Run& run);
  // One step of a run (step j) for every awake axis, each trip latching at once: what every
  // step was before runs, and what a run that tripped is stepped again with.
  void take_step(const Run& run, int j);
  // One axis through steps from..to, stopping after one where it comes to rest or a limit
  // trips (appended to trips). Returns the last step taken.
  template <chair::v1::ActuatorKind kKind>
  int integrate(std::size_t i, const Run& run, int from, int to, std::vector<Trip>& trips);
  // A heater's steps in which nothing but its decay happens, from step j on, taken at once.
  // Returns how many.
  int take_quiet_heater_steps(std::size_t i, Axis& axis, const Run& run, int j, int to);
  int integrate_axis(std::size_t i, const Run& run, int from, int to, std::vector<Trip>& trips);
  // After a run: whether anything is active, and which axes rest now.
  void settle_awake();
  // Every limit, for calls outside a physics step.
  void check_board_limits(ChairTime t);
  // (Inlined into each step: a call per axis and step was a tenth of a replay.)
  template <chair::v1::ActuatorKind kKind>
  [[gnu::always_inline]] inline void check_axis_limits(const ActuatorSpec& a, Axis& axis,
                                                       ChairTime t, double commanded_now,
                                                       std::vector<Trip>& trips) const;
  void check_limits_of(std::size_t i, ChairTime t, std::vector<Trip>& trips);
  void check_chair_limits();
  static double decay(Axis& axis, double dt, double tau_ms);
  // A sample when a value moved by the resolution, or (exact: at rest) changed at all.
  void sample(std::size_t i, Axis& axis, ChairTime t, double commanded_now, bool exact) {
    const double m = reported(axis);
    const double resolution = sample_resolution_[i];
    const bool moved = !(std::abs(commanded_now - axis.sampled_commanded) < resolution) ||
                       !(std::abs(m - axis.sampled_reported) < resolution);
    if (moved ||
        (exact && (commanded_now != axis.sampled_commanded || m != axis.sampled_reported))) {
      keep_sample(i, axis, t, commanded_now, m);
    }
  }
  [[gnu::noinline]] void keep_sample(std::size_t i, Axis& axis, ChairTime t, double commanded_now,
                                     double m);
  void update_next_due();
  // Something changed what an axis must do: integrate every axis again at the next step.
  void wake_all();
  void wake(std::size_t axis);
  void go_safe();
  void fault(std::uint32_t bit, std::string text);
  // Something is not at rest in its safe state: queued, ramping, energised, spinning, moving.
  bool outputs_active() const;
  // Where a travel motor asked to stop at point actually comes to rest.
  double halt_point(const ActuatorSpec& a, const Axis& axis, double point) const;

  std::shared_ptr<const ChairModel> chair_;
  const Clock& clock_;
  std::vector<Axis> axes_;
  std::vector<std::deque<BusCommand>> pending_;  // per axis, by due time
  ChairTime now_{};
  ChairTime last_lease_{};
  std::int64_t watchdog_ms_ = 0;
  std::uint32_t faults_ = kFaultNone;
  bool own_checks_ = true;
  std::string fault_text_;
  std::uint32_t persistent_fault_ = kFaultNone;  // an injected cause that is still there
  std::string persistent_fault_text_;

  ChairDuration step_;
  ChairTime next_due_ = ChairTime::max();           // the earliest queued command
  ChairTime next_fault_change_ = ChairTime::max();  // the next scheduled fault's start or end
  bool active_ = false;             // the last step left an output away from rest in its safe state
  std::vector<std::size_t> awake_;  // the axes the physics step visits
  int resting_active_ = 0;          // resting axes whose output is away from its safe value
  double over_pressure_kpa_ = 0.0;  // the board's own limits
  double over_temperature_c_ = 0.0;
  std::vector<ActiveFault> scheduled_;  // by start time; those still to begin or to end
  double supply_v_ = 0.0;
  bool seat_empty_ = false;
  ActuatorIndex pinch_at_ = -1;
  bool frames_corrupted_ = false;
  bool frames_lost_ = false;
  bool lost_a_frame_ = false;
  bool link_down_ = false;
  bool record_events_ = false;
  std::vector<ChairEvent> events_;
  std::vector<double> sample_resolution_;  // per axis; empty: no samples
  std::vector<AxisSample> samples_;
  std::vector<Axis> run_backup_;       // the axes as a run found them, to take it back
  std::vector<Trip> trips_;            // a run's trips (reused: no allocation per run)
  std::vector<std::size_t> stepping_;  // the axes a single step visits
};

}  // namespace chaird::sim
