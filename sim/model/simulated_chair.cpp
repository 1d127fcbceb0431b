#include "model/simulated_chair.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "profile/safe_values.hpp"

namespace chaird::sim {
namespace {

// Events (due commands, faults) split steps so that timing is exact.
constexpr ChairDuration kIdleStep = std::chrono::seconds(1);
// Motors are a little stronger than the planning limits so that they can keep up with a plan
// that uses the limits fully.
constexpr double kMotorSpeedMargin = 1.25;
constexpr double kMotorAccelMargin = 1.5;
// Position control: how quickly a travel motor closes the gap to its commanded value.
constexpr double kPositionGainPerS = 20.0;
constexpr double kDefaultLagMs = 200.0;
constexpr double kThermostatHysteresisC = 0.3;
// The board's own protections, independent of the host's governor.
constexpr double kBoardOverPressureFactor = 1.25;
constexpr double kBoardOverTemperatureMarginC = 6.0;
// Motors: a 24 V supply; speed falls with it, and the board browns out below 20 V.
constexpr double kNominalSupplyV = 24.0;
constexpr double kBrownOutV = 20.0;
// Travel-motor current: idle draw, full-acceleration draw, a stalled motor's draw, and the
// board's limit, which a jam or an end stop reaches and normal motion does not.
constexpr double kNoLoadCurrentA = 0.4;
constexpr double kAccelCurrentA = 1.5;
constexpr double kStallCurrentA = 4.0;
constexpr double kCurrentLimitA = 3.0;
constexpr ChairDuration kOverCurrentTime = std::chrono::milliseconds(200);
// An airbag whose pressure stays this far from its command without closing on it by this much
// in this time has a valve that does not work (a vent at full rate closes faster).
constexpr double kValveGapKpa = 2.0;
constexpr double kValveProgressKpa = 0.5;
constexpr ChairDuration kValveCheckTime = std::chrono::seconds(1);
// A leaking bag is topped up when it has sagged this far below its command.
constexpr double kRefillHysteresisKpa = 1.0;

constexpr const char* kEventSafe = "safe_state";

double seconds(ChairDuration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

SimulatedChair::SimulatedChair(std::shared_ptr<const ChairModel> chair, const Clock& clock,
                               SimOptions options)
    : chair_(std::move(chair)),
      clock_(clock),
      step_(std::chrono::microseconds(std::clamp<std::int64_t>(options.step_us, 100, 100'000))),
      supply_v_(kNominalSupplyV) {
  now_ = clock_.now();
  last_lease_ = now_;
  watchdog_ms_ = chair_->limits().board_lease_ms();
  over_pressure_kpa_ = chair_->limits().max_airbag_kpa() * kBoardOverPressureFactor;
  over_temperature_c_ = chair_->limits().max_heat_c() + kBoardOverTemperatureMarginC;
  axes_.resize(chair_->actuator_count());
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    // The profile's sim block belongs to the simulator alone; the core never reads it.
    axis.response = chair_->profile().actuators(a.index).sim();
    axis.spec = &a;
    axis.target = a.home;
    axis.measured = a.kind == chair::v1::TEMPERATURE ? axis.response.ambient_c() : a.home;
  }
  wake_all();
}

void SimulatedChair::shorten_watchdog(std::int64_t ms) {
  if (ms > 0) watchdog_ms_ = std::min(watchdog_ms_, ms);
}

void SimulatedChair::submit(std::span<const BusCommand> commands) {
  const ChairTime now = clock_.now();
  advance_to(now);
  if (!frame_arrives("commands")) return;
  // A latched fault holds the chair safe: nothing moves again until a person clears it.
  if (faults_ != kFaultNone) return;
  for (const auto& c : commands) {
    if (c.actuator < 0 || static_cast<std::size_t>(c.actuator) >= axes_.size()) {
      fault(kFaultInvalidCommand, fmt::format("command for unknown actuator #{}", c.actuator));
      return;
    }
    const ActuatorSpec& a = chair_->actuator(c.actuator);
    if (!std::isfinite(c.value) || c.value < a.min || c.value > a.max || c.reach_by < c.due) {
      fault(kFaultInvalidCommand,
            fmt::format("invalid command for {}: {} by {} ms", a.id, c.value, to_ms(c.reach_by)));
      return;
    }
    if (c.due < now) {
      // Never play a command late (Klipper's "timer too close"): stop instead.
      fault(kFaultLateCommand, fmt::format("command for {} due at {} ms arrived {} ms late", a.id,
                                           to_ms(c.due), to_ms(now - c.due)));
      return;
    }
    axes_[static_cast<std::size_t>(c.actuator)].pending.push_back(c);
    next_due_ = std::min(next_due_, c.due);
  }
}

void SimulatedChair::refresh_lease(ChairTime now) {
  advance_to(clock_.now());
  if (!frame_arrives("lease")) return;
  last_lease_ = std::max(last_lease_, now);
}

void SimulatedChair::cancel_pending() {
  const ChairTime now = clock_.now();
  advance_to(now);
  if (!frame_arrives("cancel")) return;
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    axis.pending.clear();
    // Ramps under way stop where they are (a moving motor where it can brake to). A target
    // already reached, the safe state's above all, stays as it is.
    if (!axis.ramping) continue;
    axis.target = halt_point(a, axis, commanded(axis, now));
    axis.ramping = false;
  }
  update_next_due();
  wake_all();
}

void SimulatedChair::enter_safe_state() {
  advance_to(clock_.now());
  if (!frame_arrives("safe")) return;
  event(kEventSafe, -1, "the host asked for the safe state");
  go_safe();
}

void SimulatedChair::go_safe() {
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    axis.pending.clear();
    axis.ramping = false;
    // Vent, switch off, spin down, retract; travel motors halt where they are.
    axis.target = safe_target(a, halt_point(a, axis, reported(axis)));
    if (a.kind == chair::v1::TEMPERATURE) axis.heater_on = false;
  }
  update_next_due();
  wake_all();
}

void SimulatedChair::fault(std::uint32_t bit, std::string text) {
  // A fault already latched holds the chair safe: going safe again at every step would move a
  // braking motor's halt point on ahead of it, step after step, and it would never stop.
  if ((faults_ & bit) != 0) return;
  const bool first = faults_ == kFaultNone;
  event("board_fault", -1, text);
  if (first) fault_text_ = std::move(text);
  faults_ |= bit;
  if (first) event(kEventSafe, -1, "the board latched a fault; every output goes safe");
  go_safe();
}

void SimulatedChair::clear_faults() {
  advance_to(clock_.now());
  if (!frame_arrives("clear")) return;
  faults_ = kFaultNone;
  fault_text_.clear();
  last_lease_ = now_;
  // A limit still exceeded (a bag still over-pressure), or a cause still there, faults again.
  for (auto& axis : axes_) {
    axis.over_current_since.reset();
    axis.follow_check_at.reset();
  }
  wake_all();
  check_board_limits(now_);
  if (persistent_fault_ != kFaultNone) fault(persistent_fault_, persistent_fault_text_);
}

void SimulatedChair::obstruct(ActuatorIndex actuator, double at) {
  advance_to(clock_.now());
  Axis& axis = axes_[static_cast<std::size_t>(actuator)];
  axis.obstruction = at;
  axis.obstruction_blocks_increase = axis.measured <= at;
  wake_all();
}

void SimulatedChair::clear_obstructions() {
  for (auto& axis : axes_) axis.obstruction.reset();
  wake_all();
}

void SimulatedChair::inject_fault(std::uint32_t bit, std::string text, bool persists) {
  advance_to(clock_.now());
  if (persists) {
    persistent_fault_ = bit;
    persistent_fault_text_ = text;
  }
  fault(bit, std::move(text));
}

void SimulatedChair::end_injected_fault() {
  persistent_fault_ = kFaultNone;
  persistent_fault_text_.clear();
}

Telemetry SimulatedChair::read_telemetry() {
  advance_to(clock_.now());
  Telemetry t;
  t.at = now_;
  t.measured.reserve(axes_.size());
  t.commanded.reserve(axes_.size());
  for (const auto& axis : axes_) {
    t.measured.push_back(reported(axis));
    t.commanded.push_back(commanded(axis, now_));
  }
  t.faults = faults_;
  t.fault_text = fault_text_;
  t.supply_v = supply_v_;
  t.seat_occupied = !seat_empty_;
  t.pinch_detected = pinch_at_ >= 0;
  if (link_down_) {
    // The host hears nothing: what it knows is that the board fell silent.
    t.faults |= kFaultLinkLost;
    if (t.fault_text.empty()) t.fault_text = "no answer from the board: the link is down";
  }
  return t;
}

bool SimulatedChair::outputs_active() const {
  for (const auto& a : chair_->actuators()) {
    const Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    if (!axis.pending.empty() || axis.ramping) return true;
    if (a.goes_to_safe_value() && axis.target != a.safe_value) return true;
    // (A motor settling onto its target creeps at vanishing speeds: that is at rest.)
    if (a.kind == chair::v1::POSITION && std::abs(axis.velocity) > 1e-6) return true;
  }
  return false;
}

void SimulatedChair::activate_due(ChairTime t) {
  if (t < next_due_) return;
  for (auto& axis : axes_) {
    while (!axis.pending.empty() && axis.pending.front().due <= t) {
      const BusCommand c = axis.pending.front();
      axis.pending.pop_front();
      axis.ramp_from = commanded(axis, t);
      axis.ramp_start = c.due;
      axis.ramp_end = c.reach_by;
      axis.target = c.value;
      wake(static_cast<std::size_t>(&axis - axes_.data()));
      axis.ramping = c.reach_by > c.due;
      if (axis.ramping) {
        axis.ramp_per_us =
            (c.value - axis.ramp_from) / static_cast<double>((c.reach_by - c.due).count());
      }
      moving_ = true;
    }
  }
  update_next_due();
}

void SimulatedChair::update_next_due() {
  next_due_ = ChairTime::max();
  for (const auto& axis : axes_) {
    if (!axis.pending.empty()) next_due_ = std::min(next_due_, axis.pending.front().due);
  }
}

void SimulatedChair::wake_all() {
  moving_ = true;
  resting_active_ = 0;
  awake_.clear();
  for (std::size_t i = 0; i < axes_.size(); ++i) {
    axes_[i].settled = false;
    awake_.push_back(i);
  }
}

void SimulatedChair::wake(std::size_t i) {
  Axis& axis = axes_[i];
  if (!axis.settled) return;
  axis.settled = false;
  const ActuatorSpec& a = chair_->actuator(static_cast<ActuatorIndex>(i));
  if (a.goes_to_safe_value() && axis.target_when_settled != a.safe_value) --resting_active_;
  awake_.push_back(i);
}

double SimulatedChair::halt_point(const ActuatorSpec& a, const Axis& axis, double point) const {
  // A moving travel motor halts where braking at full deceleration brings it, never back.
  if (a.kind != chair::v1::POSITION || axis.velocity == 0.0 || a.max_accel <= 0.0) return point;
  const double amax = a.max_accel * kMotorAccelMargin;
  const double stop_at =
      axis.measured + axis.sensor_offset + axis.velocity * std::abs(axis.velocity) / (2.0 * amax);
  const double ahead = axis.velocity > 0.0 ? std::max(point, stop_at) : std::min(point, stop_at);
  return std::clamp(ahead, a.min, a.max);
}

bool SimulatedChair::at_rest() const {
  // Nothing queued, and the last step left nothing ramping or travelling (moving_ is set again
  // by anything that gives an axis somewhere to go).
  return next_due_ == ChairTime::max() && !moving_;
}

void SimulatedChair::advance_to(ChairTime t) {
  if (now_ >= next_fault_change_) apply_faults(now_);
  while (now_ < t) {
    activate_due(now_);
    // While nothing moves or is commanded, only lags and heaters decay, which integrate exactly
    // in larger steps: an idle night is caught up in milliseconds, not seconds.
    ChairTime next = std::min({t, now_ + (at_rest() ? kIdleStep : step_), next_fault_change_});
    if (next_due_ != ChairTime::max()) {
      next = std::min(next, std::max(next_due_, now_ + std::chrono::microseconds(1)));
    }
    const double dt = seconds(next - now_);
    now_ = next;
    // One pass: physics, the per-actuator limits, and whether anything is active or moving.
    step_physics(now_, dt);
    // The watchdog: anything not at rest in its safe state needs a living host.
    if (active_ && now_ - last_lease_ > std::chrono::milliseconds(watchdog_ms_)) {
      fault(kFaultLeaseExpired,
            fmt::format("the host did not refresh the board for {} ms; every output went safe",
                        to_ms(now_ - last_lease_)));
    }
    check_chair_limits();
    if (now_ >= next_fault_change_) apply_faults(now_);
    if (step_observer_) step_observer_(*this);
  }
  activate_due(now_);
}

double SimulatedChair::decay(Axis& axis, double dt, double tau_ms) {
  // Steps are almost all the same length: one exp() per actuator and step length, not per step.
  if (dt != axis.decay_dt) {
    axis.decay_dt = dt;
    axis.decay = 1.0 - std::exp(-dt * 1000.0 / tau_ms);
  }
  return axis.decay;
}

void SimulatedChair::step_physics(ChairTime t, double dt) {
  const double supply_factor = std::clamp(supply_v_ / kNominalSupplyV, 0.0, 1.0);
  bool active = next_due_ != ChairTime::max() || resting_active_ > 0;
  bool moving = false;
  just_settled_.clear();
  // Only the awake axes: one resting at its command with nothing acting on it is not visited
  // at all until something wakes it (activate_due, wake_all).
  std::size_t kept = 0;
  for (std::size_t r = 0; r < awake_.size(); ++r) {
    const std::size_t i = awake_[r];
    const ActuatorSpec& a = chair_->actuator(static_cast<ActuatorIndex>(i));
    Axis& axis = axes_[i];
    if (axis.ramping && t >= axis.ramp_end) axis.ramping = false;
    const double c = commanded(axis, t);
    axis.sensor_offset += axis.drift_per_s * dt;
    // What the board steers on: its sensor, which may lie.
    const double seen = axis.measured + axis.sensor_offset;
    const bool faulted = axis.drift_per_s != 0.0 || axis.jammed || axis.valve_stuck ||
                         axis.leak_kpa_s != 0.0 || axis.runaway_c != 0.0 || axis.sensor_silent ||
                         axis.obstruction.has_value() || supply_factor < 1.0;
    switch (a.kind) {
      case chair::v1::POSITION: {
        if (a.max_rate <= 0.0) {
          axis.measured = c - axis.sensor_offset;
          break;
        }
        const double vmax = a.max_rate * kMotorSpeedMargin * supply_factor;
        const double amax = a.max_accel > 0.0 ? a.max_accel * kMotorAccelMargin : 1e9;
        // Close the gap, but never faster than braking in time allows (no overshoot).
        const double gap = c - seen;
        const double braking = std::sqrt(2.0 * amax * std::abs(gap));
        const double wanted =
            std::clamp(gap * kPositionGainPerS, -std::min(vmax, braking), std::min(vmax, braking));
        const double before = axis.velocity;
        axis.velocity += std::clamp(wanted - axis.velocity, -amax * dt, amax * dt);
        double next = axis.measured + axis.velocity * dt;
        bool jammed = false;  // the motor drives and the mechanism does not give
        if (axis.jammed) {
          next = axis.measured;
          jammed = std::abs(wanted) > 1e-3;
          axis.velocity = 0.0;
        }
        if (axis.obstruction) {
          // A soft obstruction (a limb): the mechanism's slip clutch gives, the motor does not
          // stall; the host sees it fall behind its plan.
          const double b = *axis.obstruction;
          if (axis.obstruction_blocks_increase ? next > b : next < b) {
            next = b;
            axis.velocity = 0.0;
          }
        }
        if (next < a.min || next > a.max) {
          // The end stop: hard. A motor driving into it stalls.
          jammed = true;
          next = std::clamp(next, a.min, a.max);
          axis.velocity = 0.0;
        }
        axis.measured = next;
        const double accel = dt > 0.0 ? std::abs(axis.velocity - before) / dt : 0.0;
        axis.current_a = jammed ? kStallCurrentA
                                : kNoLoadCurrentA + (kAccelCurrentA - kNoLoadCurrentA) *
                                                        std::min(1.0, accel / amax);
        // Within a tenth of a micrometre and crawling: it has arrived (the approach is
        // exponential and would otherwise never end).
        if (!axis.ramping && !faulted &&
            std::abs(c - (axis.measured + axis.sensor_offset)) < 1e-4 &&
            std::abs(axis.velocity) < 1e-3) {
          axis.measured = c - axis.sensor_offset;
          axis.velocity = 0.0;
        }
        if (axis.velocity != 0.0 || axis.measured + axis.sensor_offset != axis.target) {
          moving = true;
        } else if (!axis.ramping && !faulted && axis.pending.empty()) {
          axis.settled = true;
        }
        // (A motor settling onto its target creeps at vanishing speeds: that is at rest.)
        if (std::abs(axis.velocity) > 1e-6) active = true;
        break;
      }
      case chair::v1::SPEED:
      case chair::v1::LEVEL: {
        const double tau = axis.response.time_constant_ms() > 0.0 ? axis.response.time_constant_ms()
                                                                  : kDefaultLagMs;
        const double goal = c * supply_factor;
        axis.measured += (goal - axis.measured) * decay(axis, dt, tau);
        // Close enough that nobody could tell: stop integrating.
        if (std::abs(goal - axis.measured) < 1e-6 && !axis.ramping && !faulted) {
          axis.measured = goal;
          axis.settled = true;
        }
        break;
      }
      case chair::v1::PRESSURE: {
        const double fill =
            axis.response.fill_rate() > 0.0 ? axis.response.fill_rate() : a.max_rate;
        const double vent =
            axis.response.vent_rate() > 0.0 ? axis.response.vent_rate() : a.max_rate;
        axis.measured = std::max(0.0, axis.measured - axis.leak_kpa_s * dt);
        if (axis.valve_stuck) break;
        const double wanted = c - (axis.measured + axis.sensor_offset);
        // Holding (the command reached): a bag that sags is topped up only once it has sagged
        // a little, the way a pump with a pressure switch works.
        const bool holding =
            !axis.ramping && wanted > 0.0 && wanted < kRefillHysteresisKpa && axis.leak_kpa_s > 0.0;
        if (wanted > 0.0 && !holding) {
          axis.measured += std::min(wanted, fill * dt);
        } else if (wanted < 0.0) {
          axis.measured = std::max(0.0, axis.measured + std::max(wanted, -vent * dt));
        }
        if (!axis.ramping && !faulted && axis.measured + axis.sensor_offset == c) {
          axis.settled = true;
        }
        break;
      }
      case chair::v1::TEMPERATURE: {
        const double ambient = axis.response.ambient_c();
        // A thermostat with hysteresis: off above the target (or when switched off), on again
        // once the surface has cooled a little below it. It reads the sensor.
        if (c <= ambient || seen > c) {
          axis.heater_on = false;
        } else if (seen < c - kThermostatHysteresisC) {
          axis.heater_on = true;
        }
        // A welded switch heats whatever the thermostat says, until the board's fault opens
        // the heaters' supply relay.
        const bool runaway = axis.runaway_c > 0.0 && faults_ == kFaultNone;
        const double equilibrium = runaway          ? axis.runaway_c
                                   : axis.heater_on ? axis.response.heater_max_c()
                                                    : ambient;
        const double tau =
            axis.response.time_constant_ms() > 0.0 ? axis.response.time_constant_ms() : 60000.0;
        axis.measured += (equilibrium - axis.measured) * decay(axis, dt, tau);
        // Cold and switched off: nothing left to integrate.
        if (!axis.ramping && !faulted && !axis.heater_on && !runaway && c <= ambient &&
            std::abs(axis.measured - ambient) < 1e-4) {
          axis.measured = ambient;
          axis.settled = true;
        }
        break;
      }
      default:
        axis.measured = c;
    }
    const bool rests_active = a.goes_to_safe_value() && axis.target != a.safe_value;
    if (axis.ramping || !axis.pending.empty() || rests_active) active = true;
    if (axis.ramping) moving = true;
    check_axis_limits(a, axis, t, c);
    if (axis.settled) {
      axis.target_when_settled = axis.target;
      just_settled_.push_back(i);
      if (rests_active) ++resting_active_;
    } else {
      awake_[kept++] = i;
    }
  }
  awake_.resize(kept);
  active_ = active;
  moving_ = moving;
}

void SimulatedChair::check_board_limits(ChairTime t) {
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    check_axis_limits(a, axis, t, commanded(axis, t));
  }
  active_ = outputs_active();
  check_chair_limits();
}

void SimulatedChair::check_axis_limits(const ActuatorSpec& a, Axis& axis, ChairTime t,
                                       double commanded_now) {
  // Pressure and heat limits are switches of their own: they see the truth.
  const double m = axis.measured;
  if (a.kind == chair::v1::PRESSURE && m > over_pressure_kpa_) {
    fault(kFaultOverPressure, fmt::format("{} over-pressure: {:.1f} kPa", a.id, m));
  }
  if (a.kind == chair::v1::TEMPERATURE && m > over_temperature_c_) {
    fault(kFaultOverTemperature, fmt::format("{} over-temperature: {:.1f} °C", a.id, m));
  }
  if (a.kind == chair::v1::POSITION) {
    if (axis.current_a <= kCurrentLimitA) {
      axis.over_current_since.reset();
    } else if (!axis.over_current_since) {
      axis.over_current_since = t;
    } else if (t - *axis.over_current_since >= kOverCurrentTime) {
      fault(kFaultMotorCurrent,
            fmt::format("{} motor drew {:.1f} A for {} ms (limit {:.1f} A): jammed or at its "
                        "end stop",
                        a.id, axis.current_a, to_ms(t - *axis.over_current_since), kCurrentLimitA));
    }
  }
  if (a.kind == chair::v1::PRESSURE && !axis.sensor_silent) {
    // Far from its command, a bag must close on it: a window opens when it is far, and each
    // second it stays far the bag must have come closer.
    const double gap = std::abs(commanded_now - reported(axis));
    if (gap <= kValveGapKpa) {
      axis.follow_check_at.reset();
    } else if (!axis.follow_check_at) {
      axis.follow_check_at = t;
      axis.follow_check_gap = gap;
    } else if (t - *axis.follow_check_at >= kValveCheckTime) {
      if (axis.follow_check_gap - gap < kValveProgressKpa) {
        fault(kFaultValve, fmt::format("{} does not follow its valve: {:.1f} kPa, asked {:.1f} kPa",
                                       a.id, reported(axis), commanded_now));
      }
      axis.follow_check_at = t;
      axis.follow_check_gap = gap;
    }
  }
  if (axis.sensor_silent) {
    fault(kFaultSensor, fmt::format("the {} sensor stopped answering", a.id));
  }
}

void SimulatedChair::check_chair_limits() {
  if (supply_v_ < kBrownOutV) {
    fault(kFaultSupplyVoltage, fmt::format("supply voltage {:.1f} V is below the board's {:.1f} V",
                                           supply_v_, kBrownOutV));
  }
  if (pinch_at_ >= 0) {
    fault(kFaultPinch, fmt::format("the pinch sensor at {} reports something caught",
                                   chair_->actuator(pinch_at_).id));
  }
  if (seat_empty_ && active_) {
    fault(kFaultSeatEmpty, "the seat emptied while the chair was working");
  }
}

void SimulatedChair::schedule_fault(const InjectedFault& f) {
  advance_to(clock_.now());
  auto at =
      std::upper_bound(scheduled_.begin(), scheduled_.end(), f.at,
                       [](ChairTime t, const ActiveFault& other) { return t < other.fault.at; });
  scheduled_.insert(at, ActiveFault{f, false});
  apply_faults(now_);
}

ChairTime SimulatedChair::next_fault_change() const {
  ChairTime next = ChairTime::max();
  for (const auto& s : scheduled_) {
    if (!s.started) {
      next = std::min(next, s.fault.at);
    } else if (s.fault.lasts > ChairDuration::zero()) {
      next = std::min(next, s.fault.at + s.fault.lasts);
    }
  }
  return next;
}

void SimulatedChair::apply_faults(ChairTime t) {
  for (auto it = scheduled_.begin(); it != scheduled_.end();) {
    if (!it->started && it->fault.at <= t) {
      it->started = true;
      begin_fault(it->fault);
    }
    if (it->started && it->fault.lasts > ChairDuration::zero() &&
        it->fault.at + it->fault.lasts <= t) {
      end_fault(it->fault);
      it = scheduled_.erase(it);
      continue;
    }
    ++it;
  }
  next_fault_change_ = next_fault_change();
  wake_all();
  check_board_limits(t);
}

void SimulatedChair::begin_fault(const InjectedFault& f) {
  event("fault_injected", f.actuator, describe_fault(f, *chair_));
  Axis* axis = f.actuator >= 0 ? &axes_[static_cast<std::size_t>(f.actuator)] : nullptr;
  switch (f.kind) {
    case chair::v1::STUCK_VALVE:
      axis->valve_stuck = true;
      break;
    case chair::v1::LEAKING_AIRBAG:
      axis->leak_kpa_s = f.amount;
      break;
    case chair::v1::HEATER_RUNAWAY:
      axis->runaway_c = f.amount;
      break;
    case chair::v1::SENSOR_DROPOUT:
      axis->silent_reading = reported(*axis);
      axis->sensor_silent = true;
      break;
    case chair::v1::SENSOR_DRIFT:
      axis->drift_per_s = f.amount;
      break;
    case chair::v1::ROLLER_STALL:
      axis->jammed = true;
      break;
    case chair::v1::MISSED_LIMIT_SWITCH:
      axis->sensor_offset += f.amount;
      break;
    case chair::v1::PINCH:
      pinch_at_ = f.actuator;
      break;
    case chair::v1::PRESENCE_LOST:
      seat_empty_ = true;
      break;
    case chair::v1::LOW_SUPPLY_VOLTAGE:
      supply_v_ = f.amount;
      break;
    case chair::v1::CORRUPTED_FRAMES:
      frames_corrupted_ = true;
      break;
    case chair::v1::LOST_FRAMES:
      frames_lost_ = true;
      break;
    case chair::v1::LINK_DOWN:
      link_down_ = true;
      break;
    default:
      break;
  }
}

void SimulatedChair::end_fault(const InjectedFault& f) {
  event("fault_ended", f.actuator, describe_fault(f, *chair_));
  Axis* axis = f.actuator >= 0 ? &axes_[static_cast<std::size_t>(f.actuator)] : nullptr;
  switch (f.kind) {
    case chair::v1::STUCK_VALVE:
      axis->valve_stuck = false;
      break;
    case chair::v1::LEAKING_AIRBAG:
      axis->leak_kpa_s = 0.0;
      break;
    case chair::v1::HEATER_RUNAWAY:
      axis->runaway_c = 0.0;
      break;
    case chair::v1::SENSOR_DROPOUT:
      axis->sensor_silent = false;
      break;
    case chair::v1::SENSOR_DRIFT:
      axis->drift_per_s = 0.0;
      axis->sensor_offset = 0.0;  // the sensor recovers (recalibrated)
      break;
    case chair::v1::ROLLER_STALL:
      axis->jammed = false;
      break;
    case chair::v1::MISSED_LIMIT_SWITCH:
      axis->sensor_offset -= f.amount;
      break;
    case chair::v1::PINCH:
      pinch_at_ = -1;
      break;
    case chair::v1::PRESENCE_LOST:
      seat_empty_ = false;
      break;
    case chair::v1::LOW_SUPPLY_VOLTAGE:
      supply_v_ = kNominalSupplyV;
      break;
    case chair::v1::CORRUPTED_FRAMES:
      frames_corrupted_ = false;
      break;
    case chair::v1::LOST_FRAMES:
      frames_lost_ = false;
      break;
    case chair::v1::LINK_DOWN:
      link_down_ = false;
      break;
    default:
      break;
  }
}

bool SimulatedChair::frame_arrives(const char* what) {
  if (link_down_) return false;
  if (frames_lost_) {
    lost_a_frame_ = true;
    return false;
  }
  if (frames_corrupted_) {
    fault(kFaultLinkLost,
          fmt::format("a frame from the host ({}) failed its check and was dropped", what));
    return false;
  }
  if (lost_a_frame_) {
    // The next frame's sequence number shows the gap.
    lost_a_frame_ = false;
    fault(kFaultLinkLost, "frames from the host were lost (a gap in their sequence)");
    return false;
  }
  return true;
}

void SimulatedChair::event(std::string kind, ActuatorIndex actuator, std::string text) {
  if (!record_events_) return;
  events_.push_back(ChairEvent{now_, std::move(kind), actuator, std::move(text)});
}

std::vector<ChairEvent> SimulatedChair::take_events() {
  std::vector<ChairEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace chaird::sim
