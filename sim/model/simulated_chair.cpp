#include "model/simulated_chair.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "common/time_bound.hpp"
#include "profile/safe_values.hpp"

namespace chaird::sim {
namespace {

// A run's steps are counted in an int: a year of virtual time is taken in a few runs.
constexpr std::int64_t kMostStepsInARun = 1'000'000'000;
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
  watchdog_ms_ = std::llround(static_cast<double>(chair_->limits().board_lease_ms()) *
                              std::clamp(options.time_scale, 1.0, 1000.0));
  over_pressure_kpa_ = chair_->limits().max_airbag_kpa() * kBoardOverPressureFactor;
  over_temperature_c_ = chair_->limits().max_heat_c() + kBoardOverTemperatureMarginC;
  axes_.resize(chair_->actuator_count());
  pending_.resize(axes_.size());
  for (const auto& a : chair_->actuators()) {
    Axis& axis = axes_[static_cast<std::size_t>(a.index)];
    // The profile's sim block belongs to the simulator alone; the core never reads it.
    axis.response = &chair_->profile().actuators(a.index).sim();
    axis.spec = &a;
    axis.target = a.home;
    axis.measured = a.kind == chair::v1::TEMPERATURE ? axis.response->ambient_c() : a.home;
    axis.sampled_commanded = std::nan("");
    axis.sampled_reported = std::nan("");
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
    // Times from a host are hostile: one more than a day from now is garbage (and its distance
    // from now could overflow).
    constexpr auto kFarthest = std::chrono::milliseconds(kDayMs);
    if (c.due < now - kFarthest || c.reach_by > now + kFarthest) {
      fault(kFaultInvalidCommand,
            fmt::format("command for {} timed more than a day from the board's {} ms", a.id,
                        to_ms(now)));
      return;
    }
    if (c.due < now) {
      // Never play a command late (Klipper's "timer too close"): stop instead.
      fault(kFaultLateCommand, fmt::format("command for {} due at {} ms arrived {} ms late", a.id,
                                           to_ms(c.due), to_ms(now - c.due)));
      return;
    }
    pending_[static_cast<std::size_t>(c.actuator)].push_back(c);
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
    pending_[static_cast<std::size_t>(a.index)].clear();
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
    pending_[static_cast<std::size_t>(a.index)].clear();
    axis.ramping = false;
    // Vent, switch off, spin down, retract; travel motors halt where they are.
    axis.target = safe_target(a, halt_point(a, axis, reported(axis)));
    if (a.kind == chair::v1::TEMPERATURE) axis.heater_on = false;
  }
  update_next_due();
  wake_all();
}

void SimulatedChair::fault(std::uint32_t bit, std::string text) {
  constexpr std::uint32_t kOwnChecks = kFaultOverPressure | kFaultOverTemperature |
                                       kFaultMotorCurrent | kFaultValve | kFaultSensor |
                                       kFaultSupplyVoltage | kFaultPinch | kFaultSeatEmpty;
  if (!own_checks_ && (bit & kOwnChecks) != 0) return;
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
    if (!pending_[static_cast<std::size_t>(a.index)].empty() || axis.ramping) return true;
    if (a.goes_to_safe_value() && axis.target != a.safe_value) return true;
    // (A motor settling onto its target creeps at vanishing speeds: that is at rest.)
    if (a.kind == chair::v1::POSITION && std::abs(axis.velocity) > 1e-6) return true;
  }
  return false;
}

void SimulatedChair::activate_due(ChairTime t) {
  if (t < next_due_) return;
  for (std::size_t i = 0; i < axes_.size(); ++i) {
    Axis& axis = axes_[i];
    auto& pending = pending_[i];
    while (!pending.empty() && pending.front().due <= t) {
      const BusCommand c = pending.front();
      pending.pop_front();
      axis.ramp_from = commanded(axis, t);
      axis.ramp_start = c.due;
      axis.ramp_end = c.reach_by;
      axis.target = c.value;
      wake(i);
      axis.ramping = c.reach_by > c.due;
      if (axis.ramping) {
        axis.ramp_per_us =
            (c.value - axis.ramp_from) / static_cast<double>((c.reach_by - c.due).count());
      }
    }
  }
  update_next_due();
}

void SimulatedChair::update_next_due() {
  next_due_ = ChairTime::max();
  for (const auto& pending : pending_) {
    if (!pending.empty()) next_due_ = std::min(next_due_, pending.front().due);
  }
}

void SimulatedChair::wake_all() {
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

void SimulatedChair::advance_to(ChairTime t) {
  if (now_ >= next_fault_change_) apply_faults(now_);
  while (now_ < t) {
    activate_due(now_);
    // Every step is step_ long: between two calls a run takes them axis by axis, and an axis
    // at rest costs nothing, so an idle night is caught up in milliseconds without coarser
    // steps (which would let a limit be crossed by a second's worth before the board saw it).
    Run run;
    run.start = now_;
    run.step = step_;
    // A run ends at the next thing from outside: the host's call, a command's due time (which
    // splits a step, so that timing is exact), a fault's start or end.
    run.end = std::min(t, next_fault_change_);
    if (next_due_ != ChairTime::max()) {
      run.end = std::min(run.end, std::max(next_due_, now_ + std::chrono::microseconds(1)));
    }
    const auto span = (run.end - run.start).count();
    const auto step = run.step.count();
    std::int64_t steps = std::min<std::int64_t>((span + step - 1) / step, kMostStepsInARun);
    // The checks of the whole chair run after a run, so no step inside one may need them:
    // while an axis is awake (and could become active), none past the watchdog's time and none
    // at all while the seat is empty (the chair faults the step anything becomes active).
    if (!awake_.empty()) {
      const ChairTime deadline = last_lease_ + std::chrono::milliseconds(watchdog_ms_);
      const std::int64_t before_deadline =
          deadline < run.start ? 1 : (deadline - run.start).count() / step + 1;
      if (seat_empty_) steps = 1;
      steps = std::min(steps, before_deadline);
    }
    if (steps * step < span) run.end = run.start + run.step * steps;
    run.steps = static_cast<int>(steps);
    run.step_s = seconds(run.step);
    run.last_step_s = seconds(run.end - (run.start + run.step * (steps - 1)));
    take_run(run);  // leaves now_ at the run's end, or at the step a limit tripped
    // The watchdog: anything not at rest in its safe state needs a living host.
    if (active_ && now_ - last_lease_ > std::chrono::milliseconds(watchdog_ms_)) {
      fault(kFaultLeaseExpired,
            fmt::format("the host did not refresh the board for {} ms; every output went safe",
                        to_ms(now_ - last_lease_)));
    }
    check_chair_limits();
    if (now_ >= next_fault_change_) apply_faults(now_);
  }
  activate_due(now_);
}

void SimulatedChair::take_run(const Run& run) {
  if (run.steps > 1) {
    // Each axis through the whole run on its own; if one trips, take the run back.
    const std::size_t samples_before = samples_.size();
    run_backup_.clear();
    for (const std::size_t i : awake_) run_backup_.push_back(axes_[i]);
    int first_trip = run.steps + 1;
    for (const std::size_t i : awake_) {
      // (An axis need only go as far as the earliest trip so far: one at or after it is moot.)
      const int last = integrate_axis(i, run, 1, std::min(run.steps, first_trip - 1), trips_);
      if (!trips_.empty()) {
        first_trip = last;
        trips_.clear();
      }
    }
    if (first_trip > run.steps) {
      now_ = run.end;
      settle_awake();
      return;
    }
    for (std::size_t r = 0; r < awake_.size(); ++r) axes_[awake_[r]] = run_backup_[r];
    samples_.resize(samples_before);
    for (int j = 1; j <= first_trip; ++j) take_step(run, j);
    return;
  }
  take_step(run, 1);
}

void SimulatedChair::take_step(const Run& run, int j) {
  // A trip goes safe at once and wakes every axis: the rest of this step sees that, as the
  // board would, and the axes it woke step from the next one.
  // (A copy: a trip rewrites awake_. Kept as a member, so that no step allocates.)
  stepping_.assign(awake_.begin(), awake_.end());
  for (const std::size_t i : stepping_) {
    integrate_axis(i, run, j, j, trips_);
    for (auto& trip : trips_) fault(trip.bit, std::move(trip.text));
    trips_.clear();
  }
  now_ = run.at(j);
  settle_awake();
}

int SimulatedChair::integrate_axis(std::size_t i, const Run& run, int from, int to,
                                   std::vector<Trip>& trips) {
  if (from > to) return to;
  switch (axes_[i].spec->kind) {
    case chair::v1::POSITION:
      return integrate<chair::v1::POSITION>(i, run, from, to, trips);
    case chair::v1::SPEED:
      return integrate<chair::v1::SPEED>(i, run, from, to, trips);
    case chair::v1::LEVEL:
      return integrate<chair::v1::LEVEL>(i, run, from, to, trips);
    case chair::v1::PRESSURE:
      return integrate<chair::v1::PRESSURE>(i, run, from, to, trips);
    case chair::v1::TEMPERATURE:
      return integrate<chair::v1::TEMPERATURE>(i, run, from, to, trips);
    default:
      return integrate<chair::v1::ACTUATOR_KIND_UNSPECIFIED>(i, run, from, to, trips);
  }
}

double SimulatedChair::decay(Axis& axis, double dt, double tau_ms) {
  // Steps are almost all the same length: one exp() per actuator and step length, not per step.
  if (dt != axis.decay_dt) {
    axis.decay_dt = dt;
    axis.decay = 1.0 - std::exp(-dt * 1000.0 / tau_ms);
  }
  return axis.decay;
}

template <chair::v1::ActuatorKind kKind>
inline void SimulatedChair::check_axis_limits(const ActuatorSpec& a, Axis& axis, ChairTime t,
                                              double commanded_now,
                                              std::vector<Trip>& trips) const {
  // A limit already latched holds the chair safe: reaching it again is nothing new.
  const auto trip = [&](std::uint32_t bit, auto&& text) {
    if ((faults_ & bit) == 0) [[unlikely]]
      trips.push_back({bit, text()});
  };
  // Pressure and heat limits are switches of their own: they see the truth.
  const double m = axis.measured;
  if (kKind == chair::v1::PRESSURE && m > over_pressure_kpa_) {
    trip(kFaultOverPressure, [&] { return fmt::format("{} over-pressure: {:.1f} kPa", a.id, m); });
  }
  if (kKind == chair::v1::TEMPERATURE && m > over_temperature_c_) {
    trip(kFaultOverTemperature,
         [&] { return fmt::format("{} over-temperature: {:.1f} °C", a.id, m); });
  }
  if constexpr (kKind == chair::v1::POSITION) {
    if (axis.current_a <= kCurrentLimitA) {
      axis.over_current_since.reset();
    } else if (!axis.over_current_since) {
      axis.over_current_since = t;
    } else if (t - *axis.over_current_since >= kOverCurrentTime) {
      trip(kFaultMotorCurrent, [&] {
        return fmt::format(
            "{} motor drew {:.1f} A for {} ms (limit {:.1f} A): jammed or at its end stop", a.id,
            axis.current_a, to_ms(t - *axis.over_current_since), kCurrentLimitA);
      });
    }
  }
  if (kKind == chair::v1::PRESSURE && !axis.sensor_silent) {
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
        trip(kFaultValve, [&] {
          return fmt::format("{} does not follow its valve: {:.1f} kPa, asked {:.1f} kPa", a.id,
                             reported(axis), commanded_now);
        });
      }
      axis.follow_check_at = t;
      axis.follow_check_gap = gap;
    }
  }
  if (axis.sensor_silent) {
    trip(kFaultSensor, [&] { return fmt::format("the {} sensor stopped answering", a.id); });
  }
}

template <chair::v1::ActuatorKind kKind>
int SimulatedChair::integrate(std::size_t i, const Run& run, int from, int to,
                              std::vector<Trip>& trips) {
  Axis& axis = axes_[i];
  const ActuatorSpec& a = *axis.spec;
  const chair::v1::SimResponse& response = *axis.response;
  // Nothing from outside changes within a run: what the faults and the supply do is constant.
  const double supply_factor = std::clamp(supply_v_ / kNominalSupplyV, 0.0, 1.0);
  const bool faulted = axis.drift_per_s != 0.0 || axis.jammed || axis.valve_stuck ||
                       axis.leak_kpa_s != 0.0 || axis.runaway_c != 0.0 || axis.sensor_silent ||
                       axis.obstruction.has_value() || supply_factor < 1.0;
  const bool queued = !pending_[i].empty();
  const bool sampling = !sample_resolution_.empty();
  // Travel motors: their top speed and acceleration (constant in a run), and 1 / the most
  // their speed can change in a step.
  const double vmax = a.max_rate * kMotorSpeedMargin * supply_factor;
  const double amax = a.max_accel > 0.0 ? a.max_accel * kMotorAccelMargin : 1e9;
  double per_full_dv_step = 0.0;
  double per_full_dv_last = 0.0;
  if constexpr (kKind == chair::v1::POSITION) {
    if (run.step_s > 0.0) per_full_dv_step = 1.0 / (amax * run.step_s);
    if (run.last_step_s > 0.0) per_full_dv_last = 1.0 / (amax * run.last_step_s);
  }
  // A heater whose only change is its decay towards where it heads (nothing drifts, lies or
  // runs away).
  const bool plain_heater = kKind == chair::v1::TEMPERATURE && axis.drift_per_s == 0.0 &&
                            !axis.sensor_silent && !(axis.runaway_c > 0.0 && faults_ == kFaultNone);
  for (int j = from; j <= to; ++j) {
    if (plain_heater && !axis.ramping && j < to) j += take_quiet_heater_steps(i, axis, run, j, to);
    const ChairTime t = run.at(j);
    const double dt = run.dt_s(j);
    if (axis.ramping && t >= axis.ramp_end) axis.ramping = false;
    const double c = commanded(axis, t);
    axis.sensor_offset += axis.drift_per_s * dt;
    // What the board steers on: its sensor, which may lie.
    const double seen = axis.measured + axis.sensor_offset;
    if constexpr (kKind == chair::v1::POSITION) {
      if (a.max_rate <= 0.0) {
        axis.measured = c - axis.sensor_offset;
      } else {
        // Close the gap, but never faster than braking in time allows (no overshoot).
        const double gap = c - seen;
        // (Braking binds only beyond amax / gain^2 from the target: no root nearer than that.)
        const double limit = std::abs(gap) * kPositionGainPerS * kPositionGainPerS <= 2.0 * amax
                                 ? vmax
                                 : std::min(vmax, std::sqrt(2.0 * amax * std::abs(gap)));
        const double wanted = std::clamp(gap * kPositionGainPerS, -limit, limit);
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
        // Draw rises with acceleration, as a share of the most the motor can give in a step
        // (by multiplication: a division per step was a fifth of a replay).
        const double per_full_dv = j == run.steps ? per_full_dv_last : per_full_dv_step;
        const double share = std::min(1.0, std::abs(axis.velocity - before) * per_full_dv);
        axis.current_a =
            jammed ? kStallCurrentA : kNoLoadCurrentA + (kAccelCurrentA - kNoLoadCurrentA) * share;
        // Within a tenth of a micrometre and crawling: it has arrived (the approach is
        // exponential and would otherwise never end).
        if (!axis.ramping && !faulted &&
            std::abs(c - (axis.measured + axis.sensor_offset)) < 1e-4 &&
            std::abs(axis.velocity) < 1e-3) {
          axis.measured = c - axis.sensor_offset;
          axis.velocity = 0.0;
        }
      }
      if (axis.velocity == 0.0 && axis.measured + axis.sensor_offset == axis.target &&
          !axis.ramping && !faulted && !queued) {
        axis.settled = true;
      }
    } else if constexpr (kKind == chair::v1::SPEED || kKind == chair::v1::LEVEL) {
      const double tau =
          response.time_constant_ms() > 0.0 ? response.time_constant_ms() : kDefaultLagMs;
      const double goal = c * supply_factor;
      axis.measured += (goal - axis.measured) * decay(axis, dt, tau);
      // Close enough that nobody could tell: stop integrating.
      if (std::abs(goal - axis.measured) < 1e-6 && !axis.ramping && !faulted) {
        axis.measured = goal;
        axis.settled = true;
      }
    } else if constexpr (kKind == chair::v1::PRESSURE) {
      const double fill = response.fill_rate() > 0.0 ? response.fill_rate() : a.max_rate;
      const double vent = response.vent_rate() > 0.0 ? response.vent_rate() : a.max_rate;
      axis.measured = std::max(0.0, axis.measured - axis.leak_kpa_s * dt);
      if (!axis.valve_stuck) {
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
      }
    } else if constexpr (kKind == chair::v1::TEMPERATURE) {
      const double ambient = response.ambient_c();
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
                                 : axis.heater_on ? response.heater_max_c()
                                                  : ambient;
      const double tau = response.time_constant_ms() > 0.0 ? response.time_constant_ms() : 60000.0;
      axis.measured += (equilibrium - axis.measured) * decay(axis, dt, tau);
      // Cold and switched off: nothing left to integrate.
      if (!axis.ramping && !faulted && !axis.heater_on && !runaway && c <= ambient &&
          std::abs(axis.measured - ambient) < 1e-4) {
        axis.measured = ambient;
        axis.settled = true;
      }
    } else {
      axis.measured = c;
    }
    check_axis_limits<kKind>(a, axis, t, c, trips);
    if (sampling) sample(i, axis, t, c, axis.settled);
    if (axis.settled || !trips.empty()) return j;
  }
  return to;
}

int SimulatedChair::take_quiet_heater_steps(std::size_t i, Axis& axis, const Run& run, int j,
                                            int to) {
  // Steps j.. take the surface from m0 to m_n = eq + (m0 - eq) q^n, monotonic towards eq. The
  // steps before the first one in which something happens (the thermostat switches, a sample
  // is due, the board's limit or rest is reached) are taken at once, a couple short of it, and
  // the step-by-step code takes it from there. Not a coarser step: the same recurrence, solved.
  constexpr std::int64_t kMinSteps = 16;
  constexpr std::int64_t kMarginSteps = 2;
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  const std::int64_t room = to - j;  // step `to` is always taken step by step
  if (room < kMinSteps) return 0;
  const chair::v1::SimResponse& response = *axis.response;
  const double ambient = response.ambient_c();
  const double c = axis.target;
  const double offset = axis.sensor_offset;
  const double m0 = axis.measured;
  const bool on = axis.heater_on;
  if (on && c <= ambient) return 0;  // it switches off in this step
  const double eq = on ? response.heater_max_c() : ambient;
  const double tau = response.time_constant_ms() > 0.0 ? response.time_constant_ms() : 60000.0;
  const double q = 1.0 - decay(axis, run.step_s, tau);
  if (eq == m0 || !(q > 0.0 && q < 1.0)) return 0;
  const double heading = eq > m0 ? 1.0 : -1.0;
  const double log_q = std::log(q);
  // The first n at which m_n is past theta in direction d (0: m0 is; kNever: it never gets
  // there, heading the other way or settling short of it).
  const auto first_past = [&](double theta, double d) -> std::int64_t {
    if (!std::isfinite(theta) || d * (m0 - theta) >= 0.0) return 0;
    if (d != heading || d * (eq - theta) <= 0.0) return kNever;
    const double n = std::ceil(std::log((theta - eq) / (m0 - eq)) / log_q);
    return n < static_cast<double>(room) + kMarginSteps + 2 ? static_cast<std::int64_t>(n) : kNever;
  };
  // The thermostat reads the surface before a step (m_0 .. m_{J-1})...
  std::int64_t quiet = room;
  if (on) {
    quiet = std::min(quiet, first_past(c - offset, 1.0));
  } else if (c > ambient) {
    quiet = std::min(quiet, first_past(c - kThermostatHysteresisC - offset, -1.0));
  }
  // ...the rest looks after it (m_1 .. m_J).
  const auto after = [](std::int64_t n) { return n == kNever ? kNever : n - 1; };
  if (!on && c <= ambient) {
    quiet = std::min(quiet, after(m0 > ambient ? first_past(ambient + 1e-4, -1.0)
                                               : first_past(ambient - 1e-4, 1.0)));
  }
  if ((faults_ & kFaultOverTemperature) == 0) {
    quiet = std::min(quiet, after(first_past(over_temperature_c_, 1.0)));
  }
  if (!sample_resolution_.empty()) {
    const double resolution = sample_resolution_[i];
    if (!(std::abs(c - axis.sampled_commanded) < resolution)) return 0;
    const double sampled = axis.sampled_reported - offset;
    quiet = std::min(quiet, after(first_past(sampled + resolution, 1.0)));
    quiet = std::min(quiet, after(first_past(sampled - resolution, -1.0)));
  }
  quiet -= kMarginSteps;
  if (quiet < kMinSteps) return 0;
  axis.measured = eq + (m0 - eq) * std::pow(q, static_cast<double>(quiet));
  return static_cast<int>(quiet);
}

void SimulatedChair::settle_awake() {
  bool active = next_due_ != ChairTime::max();
  // Axes that came to rest leave the list: they are not visited until something wakes them.
  std::size_t kept = 0;
  for (const std::size_t i : awake_) {
    Axis& axis = axes_[i];
    const ActuatorSpec& a = *axis.spec;
    const bool rests_active = a.goes_to_safe_value() && axis.target != a.safe_value;
    if (axis.settled) {
      axis.target_when_settled = axis.target;
      if (rests_active) ++resting_active_;
      continue;
    }
    if (axis.ramping || !pending_[i].empty() || rests_active) active = true;
    // (A motor settling onto its target creeps at vanishing speeds: that is at rest.)
    if (a.kind == chair::v1::POSITION && std::abs(axis.velocity) > 1e-6) active = true;
    awake_[kept++] = i;
  }
  awake_.resize(kept);
  active_ = active || resting_active_ > 0;
}

void SimulatedChair::keep_sample(std::size_t i, Axis& axis, ChairTime t, double commanded_now,
                                 double m) {
  samples_.push_back({t, static_cast<ActuatorIndex>(i), commanded_now, m});
  axis.sampled_commanded = commanded_now;
  axis.sampled_reported = m;
}

void SimulatedChair::record_samples(std::vector<double> resolution) {
  if (!resolution.empty() && resolution.size() != axes_.size()) return;
  sample_resolution_ = std::move(resolution);
}

void SimulatedChair::sample_all() {
  if (sample_resolution_.empty()) return;
  for (std::size_t i = 0; i < axes_.size(); ++i)
    sample(i, axes_[i], now_, commanded(axes_[i], now_), true);
}

std::vector<AxisSample> SimulatedChair::take_samples() {
  std::vector<AxisSample> out;
  out.swap(samples_);
  return out;
}

void SimulatedChair::check_board_limits(ChairTime t) {
  for (const auto& a : chair_->actuators()) {
    check_limits_of(static_cast<std::size_t>(a.index), t, trips_);
    for (auto& trip : trips_) fault(trip.bit, std::move(trip.text));
    trips_.clear();
  }
  active_ = outputs_active();
  check_chair_limits();
}

void SimulatedChair::check_limits_of(std::size_t i, ChairTime t, std::vector<Trip>& trips) {
  Axis& axis = axes_[i];
  const double c = commanded(axis, t);
  switch (axis.spec->kind) {
    case chair::v1::POSITION:
      return check_axis_limits<chair::v1::POSITION>(*axis.spec, axis, t, c, trips);
    case chair::v1::PRESSURE:
      return check_axis_limits<chair::v1::PRESSURE>(*axis.spec, axis, t, c, trips);
    case chair::v1::TEMPERATURE:
      return check_axis_limits<chair::v1::TEMPERATURE>(*axis.spec, axis, t, c, trips);
    default:
      return check_axis_limits<chair::v1::ACTUATOR_KIND_UNSPECIFIED>(*axis.spec, axis, t, c, trips);
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

bool SimulatedChair::schedule_fault(const InjectedFault& f) {
  advance_to(clock_.now());
  if (scheduled_.size() >= kMaxInjectedFaults) return false;
  auto at =
      std::upper_bound(scheduled_.begin(), scheduled_.end(), f.at,
                       [](ChairTime t, const ActiveFault& other) { return t < other.fault.at; });
  scheduled_.insert(at, ActiveFault{f, false});
  apply_faults(now_);
  return true;
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
      // A fault to the end of the run has nothing left to do, and holds no place.
      if (it->fault.lasts <= ChairDuration::zero()) {
        it = scheduled_.erase(it);
        continue;
      }
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
