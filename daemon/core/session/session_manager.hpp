// The session's state machine. Lives on the dispatch thread: gRPC handlers plan off-thread and
// post the result here. Every way a session ends reaches the safe state:
//   completed     the timeline itself ends safe (the governor sees to it)
//   stop          a cool-down timeline (governed too), then the safe state
//   emergency     the board's safe state at once; latched until a person resets it
//   fault         the governor's run-time watch or the board tripped; latched likewise
//   shutdown      the safe state at once
//   pause timeout the pause's cool-down already made the chair safe; the session ends
//   lease lost    the controlling app went silent: a stop's cool-down
// A pause is not an end: the same cool-down as a stop, then ResumeSession plays the rest of the
// program from where it paused, through the governor like any timeline.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chair/v1/control.pb.h"
#include "common/expected.hpp"
#include "common/refusal.hpp"
#include "common/shared_snapshot.hpp"
#include "common/thread_annotations.hpp"
#include "execution/executor.hpp"
#include "safety/energy_ledger.hpp"
#include "safety/runtime_monitor.hpp"
#include "safety/safety_governor.hpp"
#include "session/client_lease.hpp"
#include "session/resume_gate.hpp"
#include "session/start_gate.hpp"
#include "session/status_hub.hpp"

namespace chaird {

using chair::v1::SessionState;

// A session is under way: running, paused, or stopping (its cool-down); it has not ended.
inline bool session_in_progress(SessionState s) {
  return s == chair::v1::RUNNING || s == chair::v1::PAUSED || s == chair::v1::STOPPING;
}

struct PreparedSession {
  std::string program_id;
  std::string program_name;
  std::shared_ptr<const GovernedTimeline> timeline;
  // Who starts it (the lease's first holder), as the app names itself.
  std::string client = "an app";
  // What the heaters and airbags had done before it, as the governor counted (its t = 0 is the
  // timeline's start); a live adjustment is reviewed against the same.
  std::shared_ptr<const EnergyHistory> energy = nullptr;
};

// A live adjustment under way: where the session was when it was asked for, and from when the
// change may take effect. The API re-plans off the dispatch thread, then hands it back.
struct AdjustTicket {
  std::string session_id;
  // What plays now (the program, or the rest of a resumed one), and the program as governed.
  std::shared_ptr<const GovernedTimeline> playing;
  std::shared_ptr<const GovernedTimeline> program;
  std::int64_t from_ms = 0;  // in playing's time: nothing before it changes
  std::int64_t from_program_ms = 0;
  std::int64_t shift_ms = 0;  // playing's time = program time + shift_ms
  std::shared_ptr<const EnergyHistory> playing_energy;
  std::shared_ptr<const EnergyHistory> program_energy;
  // The zones of the steps at work when the sitter asked ("too strong here").
  std::vector<std::string> active_zones;
};

struct Adjusted {
  std::shared_ptr<const GovernedTimeline> playing;  // splice_from(...) of the re-plan, governed
  std::shared_ptr<const GovernedTimeline> program;  // the re-planned program, governed
};

struct SessionManagerOptions {
  ExecutorOptions executor;
  std::int64_t cooldown_ms = 3000;
  // The client lease, ms of chair time; 0: none (in-process tools, a free-running clock).
  std::int64_t lease_ms = 0;
  // A pause longer than this ends the session.
  std::int64_t max_pause_ms = 300'000;
  MonitorOptions monitor;
  // Session ids are this and a count from 1. chaird puts the number of its start in it
  // ("session-7-"), so that ids stay unique across restarts.
  std::string session_id_prefix = "session-";
  // Heat from before this start (chaird's database), by actuator index, in chair time.
  std::vector<std::vector<std::pair<ChairTime, ChairTime>>> earlier_heat;
  // Dispatch thread: the ledger's snapshot, to keep across restarts; given while a heater is on
  // (at most every keep_heat_every_ms of chair time) and when the last one goes off. It must
  // not block: chaird hands it to its records thread.
  std::function<void(std::shared_ptr<const EnergyHistory>)> keep_heat;
  std::int64_t keep_heat_every_ms = 5000;
};

struct StartedSession {
  std::string session_id;
  std::string lease_token;
};

struct ResumedSession {
  std::int64_t remaining_ms = 0;
  std::int64_t lead_in_ms = 0;
  std::vector<std::string> adaptations;
};

class SessionManager final : private ExecutorListener {
 public:
  SessionManager(Scheduler& scheduler, ActuatorBus& bus, const SafetyGovernor& governor,
                 StatusHub& hub, SessionManagerOptions options);
  // Forgets its own timers (the lease's, the pause's): none may fire into a manager that is gone.
  ~SessionManager() override;
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // --- any thread ---
  // A start claims the gate before it is planned (one at a time) and begins with the claim.
  [[nodiscard]] Expected<StartGate::ClaimPtr, Refusal> claim_start() { return starts_.claim(); }
  // Every start being prepared will not begin. The API calls this the moment a stop, an
  // emergency stop or a reset arrives, before the call reaches the dispatch thread; the
  // dispatch-thread calls below do it too.
  void cancel_starts(const std::string& why) { starts_.cancel_all(why); }
  [[nodiscard]] std::optional<Refusal> starts_cancelled(const StartGate::Claim& claim) const {
    return starts_.cancelled(claim);
  }
  // A start is being prepared: it has not yet begun or been refused.
  [[nodiscard]] bool start_being_prepared() const { return starts_.preparing(); }
  // A resume takes a ticket the moment it arrives, and resumes only if no pause came after it.
  [[nodiscard]] ResumeGate::TicketPtr wait_to_resume() { return resumes_.enter(); }
  // Every start being prepared and every resume waiting to run will not begin. The API calls
  // this the moment a pause arrives, so that a pause pressed just after a start or a resume
  // holds the chair still. True when it caught one of them.
  bool cancel_for_pause() {
    const bool start = starts_.cancel_all("a pause was pressed");
    const bool resume = resumes_.cancel_all();
    return start || resume;
  }

  // --- dispatch thread ---
  // Refused (changing nothing) when the claim was cancelled or the chair cannot start now.
  Expected<StartedSession, Refusal> start(const StartGate::Claim& claim, PreparedSession session);
  SessionState stop();
  // Refused (FAILED_PRECONDITION, naming the state) unless RUNNING; nothing moves then.
  Expected<SessionState, Refusal> pause();
  // Refused unless PAUSED, or when a pause came after the ticket was taken (ABORTED), or when
  // token is not the controlling app's (PERMISSION_DENIED), or when the rest cannot run now
  // (the governor's reason); the session stays paused then.
  Expected<ResumedSession, Refusal> resume(const ResumeGate::Ticket& ticket,
                                           const std::string& token);
  // A live adjustment (AdjustSession), in two halves around a re-plan: refused (changing
  // nothing) unless RUNNING, or when token is not the controlling app's, or when the session
  // ends within the margin. lead_ms: how far ahead of what the board has been sent the change
  // may start (time for the re-plan).
  Expected<AdjustTicket, Refusal> begin_adjust(const std::string& token, std::int64_t lead_ms);
  // Plays the adjusted rest. ABORTED, changing nothing, when the session moved on meanwhile (a
  // stop, a pause, another adjustment, its end) or the change is too late for the board.
  Expected<std::int64_t, Refusal> finish_adjust(const AdjustTicket& ticket, Adjusted adjusted);
  // A heartbeat from the controlling app: refused unless a session is RUNNING or PAUSED.
  Expected<std::int64_t, Refusal> keep_alive(const std::string& token);
  // Another app takes control: refused unless a session is RUNNING or PAUSED. Returns the new
  // token.
  Expected<std::string, Refusal> take_over(const std::string& client);
  // A WatchSession that carried the lease token closed (any thread may post this here).
  void watch_closed(const std::string& token);
  // Publishes the status again (who holds the lease changed).
  void republish();
  SessionState emergency_stop(const std::string& reason);
  // A person acknowledged the latched faults (ResetFault, ResetSafety): refused unless they are
  // gone. done gets the answer on the dispatch thread: at once when the bus clears its faults
  // at once, or, over a board link, once the board has answered (at most kResetWaitMs). An
  // emergency stop or a new fault that comes meanwhile refuses the reset.
  using ResetDone = std::function<void(Expected<SessionState, Refusal>)>;
  void reset(ResetDone done);
  // The same, judged at once: for a bus that clears its faults at once (the simulated chair).
  Expected<SessionState, Refusal> reset();
  static constexpr std::int64_t kResetWaitMs = 1000;
  // The daemon is going away: safe state now, say so to the watchers, and refuse every later
  // start (one may still be on its way from a gRPC handler).
  void shutdown();

  // --- any thread ---
  SessionState state() const { return state_.load(); }
  // Refuses early (before planning) when a session could not start now.
  std::optional<Refusal> start_refusal() const;
  // What the board is steering each actuator to now: the state a new plan starts from.
  std::vector<double> chair_state() const { return *chair_state_.load(); }
  // What the heaters and airbags have done lately, for the governor's review of a new plan.
  std::shared_ptr<const EnergyHistory> energy_history() const { return energy_.load(); }
  // A WatchSession carrying token opens: true when it holds the lease while open, false when
  // the session has ended (the stream shows how). Refused (changing nothing) when the token is
  // not the controlling app's.
  Expected<bool, Refusal> watch_opened(const std::string& token);
  std::int64_t lease_ms() const { return lease_.lease_ms(); }
  std::string controller() const { return lease_.controller(); }
  std::int64_t max_pause_ms() const { return options_.max_pause_ms; }

 private:
  void on_telemetry(const Telemetry& sample, std::int64_t session_ms) override;
  void keep_heat(ChairTime now, std::shared_ptr<const EnergyHistory> energy)
      CHAIRD_REQUIRES(dispatch_);
  void on_timeline_end() override;

  void set_state(SessionState s, std::string reason = {}) CHAIRD_REQUIRES(dispatch_);
  // The safe state at once, ending in s (not latched: shutdown, a refused cool-down).
  void halt(SessionState s, const std::string& reason) CHAIRD_REQUIRES(dispatch_);
  // The safe state at once, latched in s until a reset; a second cause joins the first.
  void latch(SessionState s, SafetyTrip cause) CHAIRD_REQUIRES(dispatch_);
  // A reset's first half: the state when there is nothing to reset; else nothing, once the
  // bus has been asked to clear its faults.
  std::optional<SessionState> begin_reset() CHAIRD_REQUIRES(dispatch_);
  // Its second half. answered: the bus has answered the clear (or clears at once).
  Expected<SessionState, Refusal> judge_reset(std::uint64_t latches_before, bool answered)
      CHAIRD_REQUIRES(dispatch_);
  // Judges the resets whose answer came or whose wait is over; looks again in a moment.
  void check_resets() CHAIRD_REQUIRES(dispatch_);
  // Latches a board fault not latched yet; false when there is none.
  bool latch_board_fault(const Telemetry& sample) CHAIRD_REQUIRES(dispatch_);
  // A cause of this kind and part has been latched since the last reset.
  bool cause_listed(const SafetyTrip& cause) const CHAIRD_REQUIRES(dispatch_);
  // Leaving RUNNING early: keep where the program got to, for the statuses.
  void note_end_of_program() CHAIRD_REQUIRES(dispatch_);
  // Where the program is: the playing timeline's time, less a resumed session's lead-in.
  std::int64_t program_ms() const CHAIRD_REQUIRES(dispatch_);
  // A stop's cool-down from where the chair is, ending in next (STOPPING or PAUSED); the safe
  // state at once if the governor refuses it.
  void cool_down(SessionState next, const std::string& reason) CHAIRD_REQUIRES(dispatch_);
  // Ends a paused session (its cool-down already made the chair safe).
  void end_paused(const std::string& reason) CHAIRD_REQUIRES(dispatch_);
  void arm_lease_timer(ChairTime at) CHAIRD_REQUIRES(dispatch_);
  void on_lease_timer(std::uint64_t session) CHAIRD_REQUIRES(dispatch_);
  void on_pause_timer(std::uint64_t pause) CHAIRD_REQUIRES(dispatch_);
  Refusal wrong_state(const char* what) const CHAIRD_REQUIRES(dispatch_);
  // A refusal because of the state the chair is in, saying which (SESSION_STATE), with a
  // message for the sitter (empty: the API's default).
  Refusal blocked_by_state(std::string message, std::string sitter) const;
  void publish(const Telemetry& sample) CHAIRD_REQUIRES(dispatch_);

  // The dispatch thread's: what only it touches is guarded by this role.
  ThreadRole dispatch_;
  Scheduler& scheduler_;
  ActuatorBus& bus_;
  const SafetyGovernor& governor_;
  // The session's own, when its program or its app tightened the limits (set at each start).
  std::optional<SafetyGovernor> session_governor_ CHAIRD_GUARDED_BY(dispatch_);
  const SafetyGovernor& governor() const CHAIRD_REQUIRES(dispatch_) {
    return session_governor_ ? *session_governor_ : governor_;
  }
  const ChairModel& chair_;
  StatusHub& hub_;
  SessionManagerOptions options_;
  Executor executor_;

  StartGate starts_;
  ResumeGate resumes_;
  std::atomic<SessionState> state_{chair::v1::IDLE};
  // Set by shutdown() and never cleared: nothing starts once chaird is going away.
  std::atomic<bool> shutting_down_{false};
  SharedSnapshot<const std::vector<double>> chair_state_;
  EnergyLedger ledger_ CHAIRD_GUARDED_BY(dispatch_);
  SharedSnapshot<const EnergyHistory> energy_;
  std::string reason_ CHAIRD_GUARDED_BY(dispatch_);       // shown while latched
  std::string stop_reason_ CHAIRD_GUARDED_BY(dispatch_);  // why the cool-down under way was started
  RunTimeMonitor monitor_;
  ClientLease lease_;
  std::int64_t paused_at_ms_ CHAIRD_GUARDED_BY(dispatch_) =
      0;  // program time at which the session paused
  std::int64_t program_offset_ms_ CHAIRD_GUARDED_BY(dispatch_) =
      0;  // program time = timeline time + this
  std::int64_t resumed_from_ms_ CHAIRD_GUARDED_BY(dispatch_) =
      0;  // program time never goes back before this
  ChairTime pause_ends_at_ CHAIRD_GUARDED_BY(dispatch_){};
  std::uint64_t pauses_ CHAIRD_GUARDED_BY(dispatch_) =
      0;  // counts pauses: an old pause's timer does nothing
  Scheduler::TimerId lease_timer_ CHAIRD_GUARDED_BY(dispatch_) = 0;
  Scheduler::TimerId pause_timer_ CHAIRD_GUARDED_BY(dispatch_) = 0;
  // Resets waiting for the board's answer to its ClearFaults, and what they check it against:
  // how many causes had been latched when each began.
  struct PendingReset {
    ResetDone done;
    std::uint64_t latches = 0;
    ChairTime give_up_at{};
  };
  std::vector<PendingReset> pending_resets_ CHAIRD_GUARDED_BY(dispatch_);
  Scheduler::TimerId reset_timer_ CHAIRD_GUARDED_BY(dispatch_) = 0;
  std::uint64_t latches_ CHAIRD_GUARDED_BY(dispatch_) = 0;  // every latch(), counted
  std::uint64_t session_counter_ CHAIRD_GUARDED_BY(dispatch_) = 0;
  std::uint64_t sequence_ CHAIRD_GUARDED_BY(dispatch_) = 0;
  std::string session_id_ CHAIRD_GUARDED_BY(dispatch_);
  std::string program_id_ CHAIRD_GUARDED_BY(dispatch_);
  std::string program_name_ CHAIRD_GUARDED_BY(dispatch_);
  std::shared_ptr<const GovernedTimeline> program_timeline_ CHAIRD_GUARDED_BY(dispatch_);
  std::shared_ptr<const EnergyHistory> start_energy_
      CHAIRD_GUARDED_BY(dispatch_);  // the program's review counted this
  std::shared_ptr<const EnergyHistory> playing_energy_
      CHAIRD_GUARDED_BY(dispatch_);  // what plays now was reviewed with this
  std::int64_t ended_at_ms_ CHAIRD_GUARDED_BY(dispatch_) =
      0;  // where the program ended, once it is not RUNNING
  std::vector<chair::v1::Fault> latched_
      CHAIRD_GUARDED_BY(dispatch_);  // the first latched cause and the latest few
  std::uint32_t faults_not_listed_ CHAIRD_GUARDED_BY(dispatch_) = 0;
  // Every cause latched since the last reset, by kind and part (a few: the chair's parts bound
  // it), also those the short list above no longer shows, so none is listed twice.
  std::vector<std::pair<chair::v1::FaultCode, std::string>> causes_ CHAIRD_GUARDED_BY(dispatch_);
  std::uint32_t latched_board_faults_ CHAIRD_GUARDED_BY(dispatch_) = kFaultNone;
  std::vector<double> previous_measured_ CHAIRD_GUARDED_BY(dispatch_);
  // When the heat was last handed to options_.keep_heat, and whether a heater was on then.
  ChairTime heat_kept_at_ CHAIRD_GUARDED_BY(dispatch_){};
  bool heat_kept_on_ CHAIRD_GUARDED_BY(dispatch_) = false;
};

}  // namespace chaird
