#include "session/session_manager.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "common/duration_text.hpp"
#include "common/utf8_text.hpp"
#include "safety/safe_state.hpp"

namespace chaird {
namespace {

constexpr std::size_t kMaxReasonBytes = 500;
constexpr std::size_t kMaxLatchedFaults = 8;

// Working now: a heater switched on, air in a bag, a motor spinning, a travel motor moving.
bool is_active(const ActuatorSpec& a, double commanded, double measured, double previous_measured) {
  const double tolerance = 0.01 * (a.max - a.min);
  if (a.kind == chair::v1::TEMPERATURE) return commanded > 0.0;  // the surface cools slowly after
  if (a.goes_to_safe_value()) {
    return std::abs(measured - a.safe_value) > tolerance ||
           std::abs(commanded - a.safe_value) > tolerance;
  }
  // A travel motor works while it moves, or still has ground to cover; one that has halted is
  // at rest, whatever its plan was.
  return std::abs(measured - previous_measured) > 0.001 * (a.max - a.min) ||
         std::abs(commanded - measured) > tolerance;
}

bool is_latched(SessionState s) {
  return s == chair::v1::EMERGENCY_STOPPED || s == chair::v1::FAULTED;
}

}  // namespace

SessionManager::SessionManager(Scheduler& scheduler, ActuatorBus& bus,
                               const SafetyGovernor& governor, StatusHub& hub,
                               SessionManagerOptions options)
    : scheduler_(scheduler),
      bus_(bus),
      governor_(governor),
      chair_(governor.chair()),
      hub_(hub),
      options_(options),
      executor_(scheduler, bus, options.executor, *this),
      ledger_(chair_) {
  ledger_.record(executor_.sample_now());
  energy_.store(std::make_shared<const EnergyHistory>(ledger_.history()));
  previous_measured_ = executor_.last_telemetry().measured;
  publish(executor_.last_telemetry());
  executor_.watch_idle();  // a board fault latches in every state, not only during a session  //
                           // watchers see the chair from the start
}

std::optional<Refusal> SessionManager::start_refusal() const {
  if (shutting_down_.load()) {
    return Refusal{Refusal::Kind::kUnavailable,
                   "chaird is shutting down; the chair is in its safe state"};
  }
  switch (state_.load()) {
    case chair::v1::RUNNING:
    case chair::v1::STOPPING:
      return Refusal{Refusal::Kind::kFailedPrecondition,
                     "a session is already running; stop it before starting another"};
    case chair::v1::EMERGENCY_STOPPED:
      return Refusal{Refusal::Kind::kFailedPrecondition,
                     "the chair was emergency-stopped; a person must check the sitter and reset it "
                     "(ResetSafety) first"};
    case chair::v1::FAULTED:
      return Refusal{Refusal::Kind::kFailedPrecondition,
                     "the chair stopped on a fault; a person must check the chair and reset it "
                     "(ResetSafety) first"};
    default:
      return std::nullopt;
  }
}

Expected<std::string, Refusal> SessionManager::start(const StartGate::Claim& claim,
                                                     PreparedSession session) {
  if (auto cancelled = starts_.cancelled(claim)) return Unexpected{*cancelled};
  if (auto refusal = start_refusal()) return Unexpected{*refusal};
  const Telemetry& t = executor_.sample_now();
  if (t.faults != kFaultNone) {
    const std::string text = t.fault_text;
    latch_board_fault(t);  // seen here first (no watch between timers, say): latch it now
    return Unexpected{
        Refusal{Refusal::Kind::kFailedPrecondition, "the chair reports a fault: " + text}};
  }
  // The governor checked the plan's moves from where the plan starts; the chair must be there.
  const auto& initial = session.timeline->timeline().initial_values;
  for (const auto& a : chair_.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (i < initial.size() && i < t.commanded.size() &&
        std::abs(initial[i] - t.commanded[i]) > 0.01 * (a.max - a.min)) {
      return Unexpected{
          Refusal{Refusal::Kind::kUnavailable,
                  fmt::format("the chair moved while the session was being prepared ({} is at "
                              "{:.1f} {}, the plan expected {:.1f}); please try again",
                              a.id, t.commanded[i], a.unit, initial[i])}};
    }
  }
  session_id_ = fmt::format("session-{}", ++session_counter_);
  program_id_ = session.program_id;
  program_name_ = session.program_name;
  program_timeline_ = session.timeline;
  ended_at_ms_ = 0;
  reason_.clear();
  state_.store(chair::v1::RUNNING);
  spdlog::info("{}: starting program '{}' ({} steps, {})", session_id_, program_id_,
               program_timeline_->timeline().steps.size(),
               format_mmss(program_timeline_->timeline().duration_ms));
  executor_.play(std::move(session.timeline));
  publish(t);  // watchers learn the new session id at once
  return session_id_;
}

SessionState SessionManager::stop() {
  starts_.cancel_all("a stop was requested");
  if (state_.load() != chair::v1::RUNNING) return state_.load();
  // Cool down from where the board now steers each actuator (its ramps stopped where they were
  // when the queue was cancelled), through the governor like any timeline. Travel motors halt
  // at that point: holding the measured position instead would, a look-ahead later, send a
  // moving roller back to where it was when stop was pressed.
  note_end_of_program();
  executor_.abandon();
  const Telemetry& t = executor_.sample_now();
  ledger_.record(t);
  auto cooldown = governor_.review(cooldown_timeline(chair_, t.commanded, options_.cooldown_ms),
                                   ledger_.history());
  if (!cooldown) {
    spdlog::error("{}: cool-down refused ({}); going to the safe state at once", session_id_,
                  cooldown.error().first_error());
    halt(chair::v1::STOPPED, "stopped");
    return state_.load();
  }
  spdlog::info("{}: stopping with a {} ms cool-down", session_id_,
               cooldown.value()->timeline().duration_ms);
  set_state(chair::v1::STOPPING, "stopped on request");
  executor_.play(std::move(cooldown.value()));
  publish(t);  // watchers learn of the stop at once, not at the next telemetry sample
  return state_.load();
}

SessionState SessionManager::emergency_stop(const std::string& reason) {
  starts_.cancel_all("an emergency stop was pressed");
  latch(chair::v1::EMERGENCY_STOPPED,
        SafetyTrip{chair::v1::EMERGENCY_STOP,
                   reason.empty() ? "emergency stop" : "emergency stop: " + reason,
                   scheduler_.now()});
  spdlog::warn("emergency stop{}{}", reason.empty() ? "" : ": ", reason);  // act first, log after
  return state_.load();
}

Expected<SessionState, Refusal> SessionManager::reset() {
  starts_.cancel_all("a reset was requested");
  // A board fault no sample has seen yet is latched first, so that the reset deals with it.
  latch_board_fault(executor_.sample_now());
  const SessionState s = state_.load();
  if (s != chair::v1::EMERGENCY_STOPPED && s != chair::v1::FAULTED) return s;
  bus_.clear_faults();
  const Telemetry& t = executor_.sample_now();
  if (t.faults != kFaultNone) {
    return Unexpected{
        Refusal{Refusal::Kind::kFailedPrecondition, "the fault is still present: " + t.fault_text}};
  }
  spdlog::info("safety reset by request after: {}", reason_);
  latched_.clear();
  faults_not_listed_ = 0;
  latched_board_faults_ = kFaultNone;
  set_state(chair::v1::IDLE);
  publish(t);
  return state_.load();
}

void SessionManager::shutdown() {
  shutting_down_.store(true);
  starts_.cancel_all("chaird is shutting down");
  const SessionState s = state_.load();
  if (is_latched(s)) {
    // Safe again, and the latched causes stay on show to the end.
    bus_.enter_safe_state();
    executor_.abandon();
    publish(executor_.sample_now());
    return;
  }
  halt(s == chair::v1::RUNNING || s == chair::v1::STOPPING ? chair::v1::STOPPED : s,
       "chaird is shutting down");
}

void SessionManager::halt(SessionState s, const std::string& reason) {
  // Safe state first; bookkeeping after.
  bus_.enter_safe_state();
  note_end_of_program();
  executor_.abandon();
  set_state(s, reason);
  publish(executor_.sample_now());
}

void SessionManager::latch(SessionState s, SafetyTrip cause) {
  // Safe state first, also when already latched (a second cause is no reason to trust the
  // first safe state less).
  bus_.enter_safe_state();
  if (!is_latched(state_.load())) {
    note_end_of_program();
    executor_.abandon();
    set_state(s, cause.reason);
  }
  // The first cause stays the one on show; later ones are added to the list, which stays short
  // (every status carries it): a repeat is not listed again, and past kMaxLatchedFaults the
  // oldest after the first make way and are counted.
  const std::string reason = cut_utf8(cause.reason, kMaxReasonBytes);
  const bool repeat = std::any_of(latched_.begin(), latched_.end(), [&](const auto& f) {
    return f.code() == cause.code && f.reason() == reason;
  });
  if (!repeat) {
    if (latched_.size() >= kMaxLatchedFaults) {
      latched_.erase(latched_.begin() + 1);
      ++faults_not_listed_;
    }
    chair::v1::Fault fault;
    fault.set_code(cause.code);
    fault.set_reason(reason);
    fault.set_chair_time_ms(to_ms(cause.at));
    latched_.push_back(std::move(fault));
  }
  publish(executor_.sample_now());
}

void SessionManager::note_end_of_program() {
  if (state_.load() == chair::v1::RUNNING && program_timeline_) {
    ended_at_ms_ = std::clamp<std::int64_t>(executor_.session_ms(), 0,
                                            program_timeline_->timeline().duration_ms);
  }
}

void SessionManager::set_state(SessionState s, std::string reason) {
  state_.store(s);
  // Reasons quote the board and the client: a status must stay valid UTF-8 and short.
  reason_ = cut_utf8(reason, kMaxReasonBytes);
}

void SessionManager::on_telemetry(const Telemetry& sample, std::int64_t session_ms) {
  ledger_.record(sample);
  energy_.store(std::make_shared<const EnergyHistory>(ledger_.history()));
  const SessionState s = state_.load();
  if (s == chair::v1::RUNNING || s == chair::v1::STOPPING) {
    if (auto trip = governor_.watch(sample, session_ms)) {
      latched_board_faults_ = sample.faults;
      latch(chair::v1::FAULTED, *trip);
      spdlog::error("{}: safety trip: {}", session_id_, trip->reason);  // act first, log after
      return;
    }
  } else if (latch_board_fault(sample)) {
    // A board fault in any other state latches too (a sensor while idle, a lease lost while
    // settling), or joins the causes already latched.
    return;
  }
  publish(sample);
}

bool SessionManager::latch_board_fault(const Telemetry& sample) {
  if ((sample.faults & ~latched_board_faults_) == 0) return false;
  latched_board_faults_ |= sample.faults;
  const std::string text =
      sample.fault_text.empty() ? "the chair's board reported a fault" : sample.fault_text;
  latch(chair::v1::FAULTED, SafetyTrip{fault_code_of_board(sample.faults), text, sample.at});
  spdlog::error("the chair's board reported a fault: {}", text);  // act first, log after
  return true;
}

void SessionManager::on_timeline_end() {
  const SessionState s = state_.load();
  if (s == chair::v1::RUNNING) {
    bus_.enter_safe_state();
    ended_at_ms_ = program_timeline_->timeline().duration_ms;
    set_state(chair::v1::COMPLETED, "the program ran to its end");
    spdlog::info("{}: program '{}' completed", session_id_, program_id_);
  } else if (s == chair::v1::STOPPING) {
    bus_.enter_safe_state();
    set_state(chair::v1::STOPPED, "stopped on request");
    spdlog::info("{}: stopped", session_id_);
  }
  publish(executor_.sample_now());
}

void SessionManager::publish(const Telemetry& sample) {
  chair_state_.store(std::make_shared<const std::vector<double>>(sample.commanded));
  auto status = std::make_shared<chair::v1::SessionStatus>();
  const SessionState s = state_.load();
  status->set_sequence(++sequence_);
  status->set_session_id(session_id_);
  status->set_program_id(program_id_);
  status->set_program_name(program_name_);
  status->set_state(s);
  status->set_reason(reason_);
  status->set_chair_time_ms(to_ms(sample.at));
  if (program_timeline_) {
    const Timeline& tl = program_timeline_->timeline();
    const std::int64_t total = tl.duration_ms;
    // Where the program is, or where it ended (a stop at 1:00 shows 1:00, not the total).
    const std::int64_t elapsed = s == chair::v1::RUNNING
                                     ? std::clamp<std::int64_t>(executor_.session_ms(), 0, total)
                                     : ended_at_ms_;
    status->set_total_ms(total);
    status->set_elapsed_ms(elapsed);
    status->set_remaining_ms(s == chair::v1::RUNNING ? total - elapsed : 0);
    status->set_step_count(static_cast<std::uint32_t>(tl.steps.size()));
    std::uint32_t started = 0;
    for (const auto& step : tl.steps) {
      if (step.start_ms > elapsed) break;
      ++started;
      if (s == chair::v1::RUNNING && elapsed < step.end_ms) {
        auto* a = status->add_active_steps();
        a->set_name(step.name);
        a->set_technique(step.technique);
        a->set_zone(step.zone);
        a->set_phase(step.phase);
        a->set_track(step.track);
        a->set_remaining_ms(step.end_ms - elapsed);
      }
    }
    status->set_step_index(started);
    for (const auto& note : program_timeline_->adaptations()) status->add_adaptations(note);
  }
  for (const auto& fault : latched_) *status->add_faults() = fault;
  status->set_more_faults(faults_not_listed_);
  const auto& actuators = chair_.actuators();
  for (const auto& a : actuators) {
    const auto i = static_cast<std::size_t>(a.index);
    if (i >= sample.measured.size()) break;
    auto* v = status->add_actuators();
    v->set_id(a.id);
    v->set_unit(a.unit);
    v->set_target(sample.commanded[i]);
    v->set_measured(sample.measured[i]);
    v->set_active(
        is_active(a, sample.commanded[i], sample.measured[i],
                  i < previous_measured_.size() ? previous_measured_[i] : sample.measured[i]));
  }
  auto* sensors = status->mutable_sensors();
  sensors->set_supply_v(sample.supply_v);
  sensors->set_seat_occupied(sample.seat_occupied);
  sensors->set_pinch_detected(sample.pinch_detected);
  previous_measured_ = sample.measured;
  hub_.publish(std::move(status));
}

}  // namespace chaird
