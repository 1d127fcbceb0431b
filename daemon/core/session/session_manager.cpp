#include "session/session_manager.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "common/duration_text.hpp"
#include "common/utf8_text.hpp"
#include "safety/safe_state.hpp"
#include "timeline/timeline_rest.hpp"

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

// A session that an app controls: its lease runs.
bool is_live(SessionState s) {
  return s == chair::v1::RUNNING || s == chair::v1::PAUSED;
}

// The state in words a kiosk can show, for a refusal that names it.
std::string state_words(SessionState s) {
  switch (s) {
    case chair::v1::IDLE:
      return "idle (no session)";
    case chair::v1::RUNNING:
      return "running";
    case chair::v1::STOPPING:
      return "stopping";
    case chair::v1::COMPLETED:
      return "idle (the session completed)";
    case chair::v1::STOPPED:
      return "idle (the session was stopped)";
    case chair::v1::FAULTED:
      return "stopped on a fault (FAULTED)";
    case chair::v1::EMERGENCY_STOPPED:
      return "emergency-stopped";
    case chair::v1::PAUSED:
      return "paused";
    default:
      return chair::v1::SessionState_Name(s);
  }
}

constexpr std::size_t kMaxClientNameBytes = 64;

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
      ledger_(chair_),
      monitor_(chair_, options.monitor),
      lease_(options.lease_ms) {
  ledger_.restore_heat(options_.earlier_heat);
  ledger_.record(executor_.sample_now());
  energy_.store(std::make_shared<const EnergyHistory>(ledger_.history()));
  previous_measured_ = executor_.last_telemetry().measured;
  publish(executor_.last_telemetry());
  executor_.watch_idle();  // a board fault latches in every state, not only during a session  //
                           // watchers see the chair from the start
}

SessionManager::~SessionManager() {
  if (lease_timer_ != 0) scheduler_.cancel(lease_timer_);
  if (pause_timer_ != 0) scheduler_.cancel(pause_timer_);
  if (reset_timer_ != 0) scheduler_.cancel(reset_timer_);
}

std::optional<Refusal> SessionManager::start_refusal() const {
  if (shutting_down_.load()) {
    return Refusal{Refusal::Kind::kUnavailable,
                   "chaird is shutting down; the chair is in its safe state"};
  }
  const SessionState s = state_.load();
  switch (s) {
    case chair::v1::RUNNING:
    case chair::v1::STOPPING:
      return blocked_by_state("a session is already running; stop it before starting another",
                              "A massage is already running.");
    case chair::v1::PAUSED:
      return blocked_by_state("a session is paused; resume or stop it before starting another",
                              "A massage is paused. Resume or stop it first.");
    case chair::v1::EMERGENCY_STOPPED:
      return blocked_by_state(
          "the chair was emergency-stopped; a person must check the sitter and reset it "
          "(ResetFault) first",
          "The chair was stopped for your safety. Please ask staff to check it.");
    case chair::v1::FAULTED:
      return blocked_by_state(
          "the chair stopped on a fault; a person must check the chair and reset it "
          "(ResetFault) first",
          "The chair stopped for your safety. Please ask staff to check it.");
    default:
      return std::nullopt;
  }
}

Refusal SessionManager::blocked_by_state(std::string message, std::string sitter) const {
  const SessionState s = state_.load();
  return Refusal{Refusal::Kind::kFailedPrecondition,
                 message,
                 {},
                 {{"SESSION_STATE", chair::v1::SessionState_Name(s), std::move(message)}},
                 std::move(sitter)};
}

Expected<StartedSession, Refusal> SessionManager::start(const StartGate::Claim& claim,
                                                        PreparedSession session) {
  dispatch_.assert_current();
  if (auto cancelled = starts_.cancelled(claim)) return Unexpected{*cancelled};
  if (auto refusal = start_refusal()) return Unexpected{*refusal};
  const Telemetry& t = executor_.sample_now();
  if (t.faults != kFaultNone) {
    const std::string text = t.fault_text;
    latch_board_fault(t);  // seen here first (no watch between timers, say): latch it now
    return Unexpected{
        Refusal{Refusal::Kind::kFailedPrecondition, "the chair reports a fault: " + text}};
  }
  // An emergency stop sends every output to its safe value at once, and a reset may follow at
  // once: a motor may still be on its way (the roller retracting from the sitter's back). A
  // session begun now would find it far from where it should be and trip as obstructed.
  for (const auto& a : chair_.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (a.kind == chair::v1::POSITION && i < t.measured.size() && i < t.commanded.size() &&
        std::abs(t.commanded[i] - t.measured[i]) > governor_.tracking_allowance(a)) {
      return Unexpected{Refusal{
          Refusal::Kind::kUnavailable,
          fmt::format("the chair is still coming to rest ({} is at {:.0f} {}, on its way to "
                      "{:.0f}); please try again in a moment",
                      a.id, t.measured[i], a.unit, t.commanded[i])}};
    }
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
  session_id_ = fmt::format("{}{}", options_.session_id_prefix, ++session_counter_);
  program_id_ = session.program_id;
  program_name_ = session.program_name;
  program_timeline_ = session.timeline;
  start_energy_ =
      session.energy != nullptr ? session.energy : std::make_shared<const EnergyHistory>();
  playing_energy_ = start_energy_;
  session_governor_.reset();
  // A session reviewed with stricter limits, or with a sitter's contraindication rules, keeps
  // to them when it resumes.
  if (const auto& reviewed = session.timeline->reviewed_chair();
      reviewed &&
      (reviewed != governor_.chair_ptr() || session.timeline->session_limits().sitter)) {
    session_governor_.emplace(reviewed, session.timeline->session_limits());
  }
  ended_at_ms_ = 0;
  paused_at_ms_ = 0;
  program_offset_ms_ = 0;
  resumed_from_ms_ = 0;
  reason_.clear();
  const std::string client =
      one_line(session.client.empty() ? "an app" : session.client, kMaxClientNameBytes);
  StartedSession started{session_id_, lease_.grant(client, scheduler_.now())};
  state_.store(chair::v1::RUNNING);
  spdlog::info("{}: starting program '{}' ({} steps, {}) for {}", session_id_, program_id_,
               program_timeline_->timeline().steps.size(),
               format_mmss(program_timeline_->timeline().duration_ms), excerpt(client));
  executor_.play(std::move(session.timeline));
  if (lease_.enabled()) {
    arm_lease_timer(scheduler_.now() + std::chrono::milliseconds(lease_.lease_ms()));
  }
  publish(t);  // watchers learn the new session id at once
  return started;
}

SessionState SessionManager::stop() {
  dispatch_.assert_current();
  starts_.cancel_all("a stop was requested");
  const SessionState s = state_.load();
  if (s == chair::v1::PAUSED) {
    end_paused("stopped on request");
  } else if (s == chair::v1::RUNNING) {
    cool_down(chair::v1::STOPPING, "stopped on request");
  }
  return state_.load();
}

void SessionManager::cool_down(SessionState next, const std::string& reason) {
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
  stop_reason_ = reason;
  if (!cooldown) {
    spdlog::error("{}: cool-down refused ({}); going to the safe state at once", session_id_,
                  cooldown.error().first_error());
    if (next == chair::v1::PAUSED) {
      bus_.enter_safe_state();
      set_state(next, reason);
      publish(executor_.sample_now());
    } else {
      halt(chair::v1::STOPPED, reason);
    }
    return;
  }
  spdlog::info("{}: {} ({} ms cool-down)", session_id_, reason,
               cooldown.value()->timeline().duration_ms);
  set_state(next, reason);
  executor_.play(std::move(cooldown.value()));
  publish(t);  // watchers learn of the stop at once, not at the next telemetry sample
}

Refusal SessionManager::wrong_state(const char* what) const {
  return blocked_by_state(fmt::format("{}: the chair is {}", what, state_words(state_.load())), "");
}

Expected<SessionState, Refusal> SessionManager::pause() {
  dispatch_.assert_current();
  if (state_.load() != chair::v1::RUNNING) {
    return Unexpected{wrong_state("there is no running session to pause")};
  }
  paused_at_ms_ =
      std::clamp<std::int64_t>(program_ms(), 0, program_timeline_->timeline().duration_ms);
  cool_down(chair::v1::PAUSED, "paused");
  const std::uint64_t pause = ++pauses_;
  pause_ends_at_ = scheduler_.now() + std::chrono::milliseconds(options_.max_pause_ms);
  if (pause_timer_ != 0) scheduler_.cancel(pause_timer_);
  pause_timer_ = scheduler_.call_at(pause_ends_at_, [this, pause] {
    dispatch_.assert_current();  // the scheduler runs its timers there
    on_pause_timer(pause);
  });
  publish(executor_.last_telemetry());  // with the time the pause has left
  return state_.load();
}

Expected<ResumedSession, Refusal> SessionManager::resume(const ResumeGate::Ticket& ticket,
                                                         const std::string& token) {
  dispatch_.assert_current();
  if (state_.load() != chair::v1::PAUSED) {
    return Unexpected{wrong_state("there is no paused session to resume")};
  }
  if (resumes_.cancelled(ticket)) {
    return Unexpected{Refusal{Refusal::Kind::kAborted,
                              "the resume was cancelled: a pause was pressed while it waited to "
                              "run; the chair stays paused"}};
  }
  if (lease_.check(token) != ClientLease::Check::kOk) {
    return Unexpected{Refusal{
        Refusal::Kind::kPermissionDenied,
        fmt::format("the session is controlled by {}; take it over (TakeOverSession) to resume it",
                    excerpt(lease_.controller()))}};
  }
  const Telemetry& now = executor_.sample_now();
  if (now.faults != kFaultNone) {
    const std::string text = now.fault_text;
    latch_board_fault(now);
    return Unexpected{
        Refusal{Refusal::Kind::kFailedPrecondition, "the chair reports a fault: " + text}};
  }
  if (!now.seat_occupied) {
    return Unexpected{Refusal{Refusal::Kind::kFailedPrecondition,
                              "the seat is empty: the session resumes only with the sitter in it"}};
  }
  // The pause's cool-down may still run: stop it where it is, and go on from there.
  executor_.abandon();
  const Telemetry& t = executor_.sample_now();
  ledger_.record(t);
  TimelineRest rest =
      rest_of_timeline(chair_, program_timeline_->timeline(), paused_at_ms_, t.commanded);
  auto resumed_energy = std::make_shared<const EnergyHistory>(ledger_.history());
  auto governed = governor().review(std::move(rest.timeline), *resumed_energy);
  if (!governed) {
    bus_.enter_safe_state();  // wherever the cool-down got to, the pause holds safe
    spdlog::warn("{}: resume refused: {}", session_id_, governed.error().first_error());
    return Unexpected{
        Refusal{Refusal::Kind::kFailedPrecondition,
                "the rest of the session cannot run now: " + governed.error().first_error()}};
  }
  ResumedSession resumed;
  resumed.lead_in_ms = rest.lead_in_ms;
  resumed.remaining_ms = program_timeline_->timeline().duration_ms - paused_at_ms_;
  resumed.adaptations = (*governed)->adaptations();
  program_offset_ms_ = paused_at_ms_ - rest.lead_in_ms;
  resumed_from_ms_ = paused_at_ms_;
  playing_energy_ = std::move(resumed_energy);
  ++pauses_;  // this pause's timer does nothing now
  set_state(chair::v1::RUNNING);
  spdlog::info("{}: resumed at {} ({} ms lead-in)", session_id_, format_mmss(paused_at_ms_),
               rest.lead_in_ms);
  executor_.play(std::move(*governed));
  publish(t);
  return resumed;
}

Expected<AdjustTicket, Refusal> SessionManager::begin_adjust(const std::string& token,
                                                             std::int64_t lead_ms) {
  dispatch_.assert_current();
  if (state_.load() != chair::v1::RUNNING || !executor_.playing()) {
    return Unexpected{wrong_state("there is no running session to adjust")};
  }
  if (lease_.check(token) != ClientLease::Check::kOk) {
    return Unexpected{
        Refusal{Refusal::Kind::kPermissionDenied,
                fmt::format("the session is controlled by {}; only its app may adjust it",
                            excerpt(lease_.controller()))}};
  }
  AdjustTicket t;
  t.session_id = session_id_;
  t.playing = executor_.timeline();
  t.program = program_timeline_;
  t.shift_ms = -program_offset_ms_;
  // Never inside a resumed session's lead-in: from there on it plays the program as planned.
  const std::int64_t lead_in_end = resumed_from_ms_ + t.shift_ms;
  t.from_ms = std::max(executor_.committed_until_ms(), lead_in_end) + lead_ms;
  t.from_program_ms = t.from_ms - t.shift_ms;
  const auto& program = program_timeline_->timeline();
  if (t.from_program_ms >= program.duration_ms) {
    return Unexpected{blocked_by_state("the session ends before a change could take effect",
                                       "Your session is about to end.")};
  }
  const std::int64_t now_ms = std::max<std::int64_t>(0, program_ms());
  for (const auto& step : program.steps) {
    const bool at_work = (step.start_ms <= now_ms && now_ms < step.end_ms) ||
                         (step.start_ms <= t.from_program_ms && t.from_program_ms < step.end_ms);
    if (at_work && std::find(t.active_zones.begin(), t.active_zones.end(), step.zone) ==
                       t.active_zones.end()) {
      t.active_zones.push_back(step.zone);
    }
  }
  t.playing_energy = playing_energy_;
  t.program_energy = start_energy_;
  return t;
}

Expected<std::int64_t, Refusal> SessionManager::finish_adjust(const AdjustTicket& ticket,
                                                              Adjusted adjusted) {
  dispatch_.assert_current();
  // Anything that changed what plays (a stop, a pause, a resume, another adjustment, the end,
  // an emergency stop) came first: this adjustment was for a session that is no more.
  if (state_.load() != chair::v1::RUNNING || session_id_ != ticket.session_id ||
      executor_.timeline() != ticket.playing) {
    return Unexpected{Refusal{Refusal::Kind::kAborted,
                              fmt::format("the session changed while the adjustment was being "
                                          "planned (it is {} now); nothing was changed",
                                          state_words(state_.load()))}};
  }
  if (!executor_.replace_from(adjusted.playing, ticket.from_ms)) {
    return Unexpected{Refusal{Refusal::Kind::kAborted,
                              "the session had gone past the point where the change would start; "
                              "nothing was changed, please try again"}};
  }
  program_timeline_ = std::move(adjusted.program);
  spdlog::info("{}: adjusted from {}", session_id_, format_mmss(ticket.from_program_ms));
  publish(executor_.sample_now());
  return ticket.from_program_ms;
}

Expected<std::int64_t, Refusal> SessionManager::keep_alive(const std::string& token) {
  dispatch_.assert_current();
  if (!is_live(state_.load())) {
    return Unexpected{wrong_state("there is no session to keep alive")};
  }
  if (lease_.beat(token, scheduler_.now()) != ClientLease::Check::kOk) {
    return Unexpected{
        Refusal{Refusal::Kind::kPermissionDenied,
                fmt::format("the session is controlled by {}; this app's token is not its lease",
                            excerpt(lease_.controller()))}};
  }
  return lease_.lease_ms();
}

Expected<std::string, Refusal> SessionManager::take_over(const std::string& client) {
  dispatch_.assert_current();
  if (!is_live(state_.load())) {
    return Unexpected{wrong_state("there is no session to take over")};
  }
  const std::string name = one_line(client.empty() ? "an app" : client, kMaxClientNameBytes);
  auto [token, previous] = lease_.take_over(name, scheduler_.now());
  spdlog::warn("{}: taken over by {} from {}", session_id_, excerpt(name), excerpt(previous));
  publish(executor_.last_telemetry());
  return token;
}

Expected<bool, Refusal> SessionManager::watch_opened(const std::string& token) {
  switch (lease_.hold(token)) {
    case ClientLease::Check::kOk:
      return true;
    case ClientLease::Check::kNoSession:
      return false;
    case ClientLease::Check::kWrongToken:
      break;
  }
  return Unexpected{
      Refusal{Refusal::Kind::kPermissionDenied,
              fmt::format("the session is controlled by {}; this token is not its lease",
                          excerpt(lease_.controller()))}};
}

void SessionManager::watch_closed(const std::string& token) {
  dispatch_.assert_current();
  lease_.release(token, scheduler_.now());
  republish();
}

void SessionManager::republish() {
  dispatch_.assert_current();
  if (is_live(state_.load())) publish(executor_.last_telemetry());
}

void SessionManager::arm_lease_timer(ChairTime at) {
  const std::uint64_t session = session_counter_;
  if (lease_timer_ != 0) scheduler_.cancel(lease_timer_);
  lease_timer_ = scheduler_.call_at(at, [this, session] {
    dispatch_.assert_current();
    on_lease_timer(session);
  });
}

void SessionManager::on_lease_timer(std::uint64_t session) {
  if (session != session_counter_ || !is_live(state_.load())) return;
  const ChairTime now = scheduler_.now();
  const auto expires = lease_.expires_at();
  if (!expires) {  // a stream holds it: look again a lease from now
    arm_lease_timer(now + std::chrono::milliseconds(lease_.lease_ms()));
    return;
  }
  if (now < *expires) {
    arm_lease_timer(*expires);
    return;
  }
  const std::string reason = "the controlling app disconnected";
  if (state_.load() == chair::v1::PAUSED) {
    end_paused(reason);
  } else {
    cool_down(chair::v1::STOPPING, reason);
  }
  spdlog::warn("{}: {} ({} sent no heartbeat for {} ms)", session_id_, reason,
               excerpt(lease_.controller()), lease_.lease_ms());  // act first, log after
}

void SessionManager::on_pause_timer(std::uint64_t pause) {
  if (pause != pauses_ || state_.load() != chair::v1::PAUSED) return;
  const std::string reason = fmt::format("the session was paused for longer than {} and ended",
                                         format_mmss(options_.max_pause_ms));
  end_paused(reason);
}

void SessionManager::end_paused(const std::string& reason) {
  // The pause's cool-down made the chair safe, or is making it so; make sure, and end.
  halt(chair::v1::STOPPED, reason);
  spdlog::info("{}: {} while paused", session_id_, reason);  // act first, log after
}

SessionState SessionManager::emergency_stop(const std::string& reason) {
  dispatch_.assert_current();
  starts_.cancel_all("an emergency stop was pressed");
  latch(chair::v1::EMERGENCY_STOPPED,
        SafetyTrip{chair::v1::EMERGENCY_STOP,
                   reason.empty() ? "emergency stop" : "emergency stop: " + reason,
                   scheduler_.now()});
  spdlog::warn("emergency stop{}{}", reason.empty() ? "" : ": ", reason);  // act first, log after
  return state_.load();
}

Expected<SessionState, Refusal> SessionManager::reset() {
  dispatch_.assert_current();
  if (auto answered = begin_reset()) return *answered;
  return judge_reset(latches_, true);
}

void SessionManager::reset(ResetDone done) {
  dispatch_.assert_current();
  if (auto answered = begin_reset()) {
    done(*answered);
    return;
  }
  if (!bus_.clearing_faults()) {
    done(judge_reset(latches_, true));
    return;
  }
  // A board across a link clears its faults a moment later: judged on its answer, not on the
  // telemetry it sent before it had the clear (which would refuse every first reset).
  pending_resets_.push_back(
      {std::move(done), latches_, scheduler_.now() + std::chrono::milliseconds(kResetWaitMs)});
  if (reset_timer_ == 0) check_resets();
}

void SessionManager::check_resets() {
  reset_timer_ = 0;
  const bool answered = !bus_.clearing_faults();
  const ChairTime now = scheduler_.now();
  std::vector<PendingReset> due;
  std::erase_if(pending_resets_, [&](PendingReset& p) {
    if (!answered && now < p.give_up_at) return false;
    due.push_back(std::move(p));
    return true;
  });
  for (auto& p : due) p.done(judge_reset(p.latches, answered));
  if (pending_resets_.empty()) return;
  constexpr auto kLookAgain = std::chrono::milliseconds(5);
  reset_timer_ = scheduler_.call_at(now + kLookAgain, [this] {
    dispatch_.assert_current();  // the scheduler runs its timers there
    check_resets();
  });
}

std::optional<SessionState> SessionManager::begin_reset() {
  starts_.cancel_all("a reset was requested");
  // A board fault no sample has seen yet is latched first, so that the reset deals with it.
  latch_board_fault(executor_.sample_now());
  const SessionState s = state_.load();
  if (s != chair::v1::EMERGENCY_STOPPED && s != chair::v1::FAULTED) return s;
  bus_.clear_faults();
  return std::nullopt;
}

Expected<SessionState, Refusal> SessionManager::judge_reset(std::uint64_t latches_before,
                                                            bool answered) {
  const SessionState s = state_.load();
  if (s != chair::v1::EMERGENCY_STOPPED && s != chair::v1::FAULTED) return s;  // reset already
  if (latches_ != latches_before) {
    return Unexpected{
        Refusal{Refusal::Kind::kFailedPrecondition,
                "an emergency stop or a new fault came while the board cleared its "
                "faults; the chair stays stopped: reset again once it is dealt with"}};
  }
  const Telemetry& t = executor_.sample_now();
  if (t.faults != kFaultNone) {
    return Unexpected{Refusal{
        Refusal::Kind::kFailedPrecondition,
        answered ? "the fault is still present: " + t.fault_text
                 : fmt::format("the board did not confirm within {} ms that its fault is gone: {}",
                               kResetWaitMs, t.fault_text)}};
  }
  if (auto still = monitor_.still_present(t)) {
    return Unexpected{Refusal{Refusal::Kind::kFailedPrecondition, still->reason}};
  }
  monitor_.reset();
  spdlog::info("safety reset by request after: {}", reason_);
  latched_.clear();
  causes_.clear();
  faults_not_listed_ = 0;
  latched_board_faults_ = kFaultNone;
  set_state(chair::v1::IDLE);
  publish(t);
  return state_.load();
}

void SessionManager::shutdown() {
  dispatch_.assert_current();
  shutting_down_.store(true);
  starts_.cancel_all("chaird is shutting down");
  // A reset waiting for the board is answered now: the chair stays in its safe state.
  if (reset_timer_ != 0) scheduler_.cancel(reset_timer_);
  reset_timer_ = 0;
  auto waiting = std::move(pending_resets_);
  pending_resets_.clear();
  for (auto& p : waiting) {
    p.done(Unexpected{Refusal{Refusal::Kind::kUnavailable,
                              "chaird is shutting down; the chair stays in its safe state"}});
  }
  const SessionState s = state_.load();
  if (is_latched(s)) {
    // Safe again, and the latched causes stay on show to the end.
    bus_.enter_safe_state();
    executor_.abandon();
    publish(executor_.sample_now());
    return;
  }
  const bool ends_session = session_in_progress(s);
  halt(ends_session ? chair::v1::STOPPED : s, "chaird is shutting down");
  if (ends_session) spdlog::info("{}: ended, chaird is shutting down", session_id_);  // act first
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
  ++latches_;
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
  if (!cause_listed(cause)) causes_.emplace_back(cause.code, cause.part);
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
  if (is_live(state_.load()) && program_timeline_) {
    ended_at_ms_ =
        std::clamp<std::int64_t>(program_ms(), 0, program_timeline_->timeline().duration_ms);
  }
}

std::int64_t SessionManager::program_ms() const {
  if (state_.load() == chair::v1::PAUSED) return paused_at_ms_;
  return std::max(resumed_from_ms_, executor_.session_ms() + program_offset_ms_);
}

void SessionManager::set_state(SessionState s, std::string reason) {
  state_.store(s);
  if (!is_live(s) && s != chair::v1::STOPPING) lease_.end();
  // Reasons quote the board and the client: a status must stay valid UTF-8 and short.
  reason_ = cut_utf8(reason, kMaxReasonBytes);
}

// While a heater is on, and once when the last goes off, so that a restart (a crash included)
// loses at most keep_heat_every_ms of heat.
void SessionManager::keep_heat(ChairTime now, std::shared_ptr<const EnergyHistory> energy) {
  if (!options_.keep_heat) return;
  const bool on = ledger_.heating();
  const bool due =
      on && now - heat_kept_at_ >= std::chrono::milliseconds(options_.keep_heat_every_ms);
  if (on != heat_kept_on_ || due) {
    options_.keep_heat(std::move(energy));
    heat_kept_at_ = now;
    heat_kept_on_ = on;
  }
}

void SessionManager::on_telemetry(const Telemetry& sample, std::int64_t session_ms) {
  dispatch_.assert_current();
  ledger_.record(sample);
  auto energy = std::make_shared<const EnergyHistory>(ledger_.history());
  energy_.store(energy);
  keep_heat(sample.at, std::move(energy));
  const SessionState s = state_.load();
  if (session_in_progress(s)) {
    if (auto trip = governor().watch(sample, s == chair::v1::RUNNING ? program_ms() : session_ms)) {
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
  bool tripped = false;
  for (const auto& trip : monitor_.check_all(sample, scheduler_.now(), s == chair::v1::RUNNING)) {
    // Stopped, the chair is still watched: a bag that does not vent or a heater that keeps
    // heating after the stop is what staff must know before anyone resets. Listed once per
    // kind and part (its figures change with every sample), and every part: two stuck valves
    // hold two limbs.
    if (is_latched(state_.load()) && cause_listed(trip)) continue;
    latch(chair::v1::FAULTED, trip);
    spdlog::error("{}: safety trip: {}", session_id_.empty() ? "chair" : session_id_,
                  trip.reason);  // act first, log after
    tripped = true;
  }
  if (!tripped) publish(sample);
}

bool SessionManager::cause_listed(const SafetyTrip& cause) const {
  return std::any_of(causes_.begin(), causes_.end(), [&](const auto& c) {
    return c.first == cause.code && c.second == cause.part;
  });
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
  dispatch_.assert_current();
  const SessionState s = state_.load();
  if (s == chair::v1::RUNNING) {
    bus_.enter_safe_state();
    ended_at_ms_ = program_timeline_->timeline().duration_ms;
    set_state(chair::v1::COMPLETED, "the program ran to its end");
    spdlog::info("{}: program '{}' completed", session_id_, program_id_);
  } else if (s == chair::v1::STOPPING) {
    bus_.enter_safe_state();
    set_state(chair::v1::STOPPED, stop_reason_);
    spdlog::info("{}: stopped ({})", session_id_, stop_reason_);
  } else if (s == chair::v1::PAUSED) {
    bus_.enter_safe_state();  // the pause's cool-down is done: hold the safe state
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
    const std::int64_t elapsed =
        is_live(s) ? std::clamp<std::int64_t>(program_ms(), 0, total) : ended_at_ms_;
    status->set_total_ms(total);
    status->set_elapsed_ms(elapsed);
    status->set_remaining_ms(is_live(s) ? total - elapsed : 0);
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
  if (is_live(s) || s == chair::v1::STOPPING) {
    status->set_controller(lease_.controller());
    status->set_controller_watching(lease_.watched());
  }
  if (s == chair::v1::PAUSED) {
    status->set_pause_left_ms(std::max<std::int64_t>(0, to_ms(pause_ends_at_ - scheduler_.now())));
  }
  previous_measured_ = sample.measured;
  hub_.publish(std::move(status));
}

}  // namespace chaird
