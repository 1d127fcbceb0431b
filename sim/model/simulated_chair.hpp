// The simulated chair: an in-process board that implements ActuatorBus with simple physics, so
// that tests, demos and the replay bench run the same code as a real chair.
//
// Board behaviour (as a real controller board must behave):
//   - a command starts at its due time and ramps the commanded value to its target by reach_by;
//   - a command that arrives after its due time is refused: the board faults and goes safe;
//   - every output that is not at its safe value (air, heat, motors, a move under way) goes
//     safe by itself when the host stops refreshing the lease; the fault is latched;
//   - independent limits: over-pressure and over-temperature trip the board itself.
// Physics: travel motors follow at finite speed and acceleration, motors spin up with a lag,
// a pump fills and a valve vents airbags at set rates, heaters are first-order thermal systems
// with a thermostat. Time comes from the injected Clock, so virtual time replays exactly.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/actuator_bus.hpp"
#include "clock/chair_time.hpp"
#include "profile/chair_model.hpp"

namespace chaird::sim {

class SimulatedChair final : public ActuatorBus {
 public:
  SimulatedChair(std::shared_ptr<const ChairModel> chair, const Clock& clock);

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
    std::deque<BusCommand> pending;
    bool ramping = false;
    ChairTime ramp_start{};
    ChairTime ramp_end{};
    double ramp_from = 0.0;
    double target = 0.0;  // where the commanded value is headed (or rests)
    double measured = 0.0;
    double velocity = 0.0;  // travel motors
    bool heater_on = false;
    // A travel motor cannot pass this value in the direction it was approaching it from.
    std::optional<double> obstruction;
    bool obstruction_blocks_increase = true;
  };

  double commanded(const Axis& axis, ChairTime t) const;
  void advance_to(ChairTime t);
  void activate_due(ChairTime t);
  void step_physics(ChairTime t, double dt_s);
  void check_board_limits(ChairTime t);
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
};

}  // namespace chaird::sim
