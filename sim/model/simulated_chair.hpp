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

#include <deque>
#include <functional>
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
  // (at once when that has passed), for its duration. Checked by resolve_fault first.
  void schedule_fault(const InjectedFault& fault);

  // The replay bench: keep the events (off by default, so that a daemon's list cannot grow),
  // and hear about every physics step.
  void record_events(bool on) { record_events_ = on; }
  std::vector<ChairEvent> take_events();
  void on_step(std::function<void(const SimulatedChair&)> observer) {
    step_observer_ = std::move(observer);
  }
  // The time the model has reached, and one actuator as the last step left it: where the board
  // steers it, and what its sensor reports.
  ChairTime model_time() const { return now_; }
  double commanded_value(ActuatorIndex i) const {
    return commanded(axes_[static_cast<std::size_t>(i)], now_);
  }
  double reported_value(ActuatorIndex i) const {
    return reported(axes_[static_cast<std::size_t>(i)]);
  }
  // The axes the last physics step integrated, and those it brought to rest (the replay's
  // recorder looks at these only: a resting axis's values do not change until it is woken).
  const std::vector<std::size_t>& awake_axes() const { return awake_; }
  const std::vector<std::size_t>& just_settled_axes() const { return just_settled_; }
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
  struct Axis {
    chair::v1::SimResponse response;  // how this actuator's mechanism responds
    const ActuatorSpec* spec = nullptr;
    std::deque<BusCommand> pending;
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
  };

  struct ActiveFault {
    InjectedFault fault;
    bool started = false;
  };

  // Where the board steers an axis at t: the ramp under way, or its target.
  static double commanded(const Axis& axis, ChairTime t) {
    if (!axis.ramping || t >= axis.ramp_end) return axis.target;
    if (t <= axis.ramp_start) return axis.ramp_from;
    return axis.ramp_from + axis.ramp_per_us * static_cast<double>((t - axis.ramp_start).count());
  }
  double reported(const Axis& axis) const {
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
  void step_physics(ChairTime t, double dt_s);
  // Every limit, for calls outside a physics step.
  void check_board_limits(ChairTime t);
  void check_axis_limits(const ActuatorSpec& a, Axis& axis, ChairTime t, double commanded_now);
  void check_chair_limits();
  double decay(Axis& axis, double dt, double tau_ms);
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
  // Nothing queued, ramping or travelling: only first-order decays are left.
  bool at_rest() const;

  std::shared_ptr<const ChairModel> chair_;
  const Clock& clock_;
  std::vector<Axis> axes_;
  ChairTime now_{};
  ChairTime last_lease_{};
  std::int64_t watchdog_ms_ = 0;
  std::uint32_t faults_ = kFaultNone;
  std::string fault_text_;
  std::uint32_t persistent_fault_ = kFaultNone;  // an injected cause that is still there
  std::string persistent_fault_text_;

  ChairDuration step_;
  ChairTime next_due_ = ChairTime::max();           // the earliest queued command
  ChairTime next_fault_change_ = ChairTime::max();  // the next scheduled fault's start or end
  bool moving_ = true;              // the last step left something ramping or travelling
  bool active_ = false;             // the last step left an output away from rest in its safe state
  std::vector<std::size_t> awake_;  // the axes the physics step visits
  std::vector<std::size_t> just_settled_;  // the axes that came to rest in the last step
  int resting_active_ = 0;                 // resting axes whose output is away from its safe value
  double over_pressure_kpa_ = 0.0;         // the board's own limits
  double over_temperature_c_ = 0.0;
  std::vector<ActiveFault> scheduled_;  // by start time
  double supply_v_ = 0.0;
  bool seat_empty_ = false;
  ActuatorIndex pinch_at_ = -1;
  bool frames_corrupted_ = false;
  bool frames_lost_ = false;
  bool lost_a_frame_ = false;
  bool link_down_ = false;
  bool record_events_ = false;
  std::vector<ChairEvent> events_;
  std::function<void(const SimulatedChair&)> step_observer_;
};

}  // namespace chaird::sim
