#include "model/simulated_chair.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "profile/safe_values.hpp"

namespace chaird::sim {
namespace {

// Integration step; events (due commands) split steps so that timing is exact.
constexpr ChairDuration kStep = std::chrono::milliseconds(5);
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

double seconds(ChairDuration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

SimulatedChair::SimulatedChair(std::shared_ptr<const ChairModel> chair, const Clock& clock)
    : chair_(std::move(chair)), clock_(clock) {
  now_ = clock_.now();
  last_lease_ = now_;
  watchdog_ms_ = chair_->limits().board_lease_ms();
  axes_.resize(chair_->actuator_count());
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    // The profile's sim block belongs to the simulator alone; the core never reads it.
    axis.response = chair_->profile().actuators(a.index).sim();
    axis.target = a.home;
    axis.measured = a.kind == chair::v1::TEMPERATURE ? axis.response.ambient_c() : a.home;
  }
}

double SimulatedChair::commanded(const Axis& axis, ChairTime t) const {
  if (!axis.ramping || t >= axis.ramp_end) return axis.target;
  if (t <= axis.ramp_start) return axis.ramp_from;
  const double f = seconds(t - axis.ramp_start) / seconds(axis.ramp_end - axis.ramp_start);
  return axis.ramp_from + (axis.target - axis.ramp_from) * f;
}

void SimulatedChair::shorten_watchdog(std::int64_t ms) {
  if (ms > 0) watchdog_ms_ = std::min(watchdog_ms_, ms);
}

void SimulatedChair::submit(std::span<const BusCommand> commands) {
  const ChairTime now = clock_.now();
  advance_to(now);
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
  }
}

void SimulatedChair::refresh_lease(ChairTime now) {
  advance_to(clock_.now());
  last_lease_ = std::max(last_lease_, now);
}

void SimulatedChair::cancel_pending() {
  const ChairTime now = clock_.now();
  advance_to(now);
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    axis.pending.clear();
    // Ramps under way stop where they are (a moving motor where it can brake to). A target
    // already reached, the safe state's above all, stays as it is.
    if (!axis.ramping) continue;
    axis.target = halt_point(a, axis, commanded(axis, now));
    axis.ramping = false;
  }
}

void SimulatedChair::enter_safe_state() {
  advance_to(clock_.now());
  go_safe();
}

void SimulatedChair::go_safe() {
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    axis.pending.clear();
    axis.ramping = false;
    // Vent, switch off, spin down, retract; travel motors halt where they are.
    axis.target = safe_target(a, halt_point(a, axis, axis.measured));
    if (a.kind == chair::v1::TEMPERATURE) axis.heater_on = false;
  }
}

void SimulatedChair::fault(std::uint32_t bit, std::string text) {
  // A fault already latched holds the chair safe: going safe again at every step would move a
  // braking motor's halt point on ahead of it, step after step, and it would never stop.
  if ((faults_ & bit) != 0) return;
  if (faults_ == kFaultNone) fault_text_ = std::move(text);
  faults_ |= bit;
  go_safe();
}

void SimulatedChair::clear_faults() {
  advance_to(clock_.now());
  faults_ = kFaultNone;
  fault_text_.clear();
  last_lease_ = now_;
  // A limit still exceeded (a bag still over-pressure), or a cause still there, faults again.
  check_board_limits(now_);
  if (persistent_fault_ != kFaultNone) fault(persistent_fault_, persistent_fault_text_);
}

void SimulatedChair::obstruct(ActuatorIndex actuator, double at) {
  advance_to(clock_.now());
  Axis& axis = axes_[static_cast<std::size_t>(actuator)];
  axis.obstruction = at;
  axis.obstruction_blocks_increase = axis.measured <= at;
}

void SimulatedChair::clear_obstructions() {
  for (auto& axis : axes_) axis.obstruction.reset();
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
    t.measured.push_back(axis.measured);
    t.commanded.push_back(commanded(axis, now_));
  }
  t.faults = faults_;
  t.fault_text = fault_text_;
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
  for (auto& axis : axes_) {
    while (!axis.pending.empty() && axis.pending.front().due <= t) {
      const BusCommand c = axis.pending.front();
      axis.pending.pop_front();
      axis.ramp_from = commanded(axis, t);
      axis.ramp_start = c.due;
      axis.ramp_end = c.reach_by;
      axis.target = c.value;
      axis.ramping = c.reach_by > c.due;
    }
  }
}

double SimulatedChair::halt_point(const ActuatorSpec& a, const Axis& axis, double point) const {
  // A moving travel motor halts where braking at full deceleration brings it, never back.
  if (a.kind != chair::v1::POSITION || axis.velocity == 0.0 || a.max_accel <= 0.0) return point;
  const double amax = a.max_accel * kMotorAccelMargin;
  const double stop_at = axis.measured + axis.velocity * std::abs(axis.velocity) / (2.0 * amax);
  const double ahead = axis.velocity > 0.0 ? std::max(point, stop_at) : std::min(point, stop_at);
  return std::clamp(ahead, a.min, a.max);
}

bool SimulatedChair::at_rest() const {
  for (const auto& a : chair_->actuators()) {
    const Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    if (!axis.pending.empty() || axis.ramping) return false;
    if (a.kind == chair::v1::POSITION && (axis.velocity != 0.0 || axis.measured != axis.target))
      return false;
  }
  return true;
}

void SimulatedChair::advance_to(ChairTime t) {
  while (now_ < t) {
    activate_due(now_);
    // While nothing moves or is commanded, only lags and heaters decay, which integrate exactly
    // in larger steps: an idle night is caught up in milliseconds, not seconds.
    ChairTime next = std::min(t, now_ + (at_rest() ? kIdleStep : kStep));
    for (const auto& axis : axes_) {
      if (!axis.pending.empty())
        next =
            std::min(next, std::max(axis.pending.front().due, now_ + std::chrono::microseconds(1)));
    }
    const double dt = seconds(next - now_);
    now_ = next;
    step_physics(now_, dt);
    // The watchdog: anything not at rest in its safe state needs a living host.
    if (outputs_active() && now_ - last_lease_ > std::chrono::milliseconds(watchdog_ms_)) {
      fault(kFaultLeaseExpired,
            fmt::format("the host did not refresh the board for {} ms; every output went safe",
                        to_ms(now_ - last_lease_)));
    }
    check_board_limits(now_);
  }
  activate_due(now_);
}

void SimulatedChair::step_physics(ChairTime t, double dt) {
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    if (axis.ramping && t >= axis.ramp_end) axis.ramping = false;
    const double c = commanded(axis, t);
    switch (a.kind) {
      case chair::v1::POSITION: {
        if (a.max_rate <= 0.0) {
          axis.measured = c;
          break;
        }
        const double vmax = a.max_rate * kMotorSpeedMargin;
        const double amax = a.max_accel > 0.0 ? a.max_accel * kMotorAccelMargin : 1e9;
        // Close the gap, but never faster than braking in time allows (no overshoot).
        const double gap = c - axis.measured;
        const double braking = std::sqrt(2.0 * amax * std::abs(gap));
        const double wanted =
            std::clamp(gap * kPositionGainPerS, -std::min(vmax, braking), std::min(vmax, braking));
        axis.velocity += std::clamp(wanted - axis.velocity, -amax * dt, amax * dt);
        double next = axis.measured + axis.velocity * dt;
        if (axis.obstruction) {
          const double b = *axis.obstruction;
          if (axis.obstruction_blocks_increase ? next > b : next < b) {
            next = b;
            axis.velocity = 0.0;
          }
        }
        axis.measured = std::clamp(next, a.min, a.max);
        break;
      }
      case chair::v1::SPEED:
      case chair::v1::LEVEL: {
        const double tau = axis.response.time_constant_ms() > 0.0 ? axis.response.time_constant_ms()
                                                                  : kDefaultLagMs;
        axis.measured += (c - axis.measured) * (1.0 - std::exp(-dt * 1000.0 / tau));
        break;
      }
      case chair::v1::PRESSURE: {
        const double fill =
            axis.response.fill_rate() > 0.0 ? axis.response.fill_rate() : a.max_rate;
        const double vent =
            axis.response.vent_rate() > 0.0 ? axis.response.vent_rate() : a.max_rate;
        if (c > axis.measured) {
          axis.measured = std::min(c, axis.measured + fill * dt);
        } else {
          axis.measured = std::max(c, axis.measured - vent * dt);
        }
        break;
      }
      case chair::v1::TEMPERATURE: {
        const double ambient = axis.response.ambient_c();
        // A thermostat with hysteresis: off above the target (or when switched off), on again
        // once the surface has cooled a little below it.
        if (c <= ambient || axis.measured > c) {
          axis.heater_on = false;
        } else if (axis.measured < c - kThermostatHysteresisC) {
          axis.heater_on = true;
        }
        const double equilibrium = axis.heater_on ? axis.response.heater_max_c() : ambient;
        const double tau =
            axis.response.time_constant_ms() > 0.0 ? axis.response.time_constant_ms() : 60000.0;
        axis.measured += (equilibrium - axis.measured) * (1.0 - std::exp(-dt * 1000.0 / tau));
        break;
      }
      default:
        axis.measured = c;
    }
  }
}

void SimulatedChair::check_board_limits(ChairTime) {
  const auto& limits = chair_->limits();
  for (const auto& a : chair_->actuators()) {
    const double m = axes_[static_cast<std::size_t>(a.index)].measured;
    if (a.kind == chair::v1::PRESSURE && m > limits.max_airbag_kpa() * kBoardOverPressureFactor) {
      fault(kFaultOverPressure, fmt::format("{} over-pressure: {:.1f} kPa", a.id, m));
    }
    if (a.kind == chair::v1::TEMPERATURE &&
        m > limits.max_heat_c() + kBoardOverTemperatureMarginC) {
      fault(kFaultOverTemperature, fmt::format("{} over-temperature: {:.1f} °C", a.id, m));
    }
  }
}

}  // namespace chaird::sim
