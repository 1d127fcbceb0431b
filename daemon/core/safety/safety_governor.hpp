// The safety governor. Every timeline passes it before it can reach the executor: the first
// plan, every re-plan and every stop's cool-down. It refuses with reasons placed at the
// offending step, or accepts, possibly adapted, saying what it changed and why. At run time it
// watches telemetry and names the reason to trip a safe stop.
//
// It cannot be bypassed: the executor plays only a GovernedTimeline, and only the governor
// can make one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/actuator_bus.hpp"
#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "profile/chair_model.hpp"
#include "safety/energy_ledger.hpp"
#include "safety/safety_trip.hpp"
#include "timeline/sitter_rules.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

struct SessionLimits {
  // Tightens the chair's max_session_ms; 0 keeps the chair's.
  std::int64_t max_session_ms = 0;
  // The contraindication rules for this sitter: no step they refuse or skip, and no intensity
  // or tempo above their caps, passes. Null: no rules (a cool-down, a program judged alone).
  SitterRulesRef sitter;
};

// Of the sitter's adaptations to single steps (what their rules changed, step by step), at most
// this many are listed, then one line that counts the rest: the list goes into the start's
// answer and into every status. Their other adaptations and the governor's own lines are
// listed always.
inline constexpr std::size_t kMaxListedAdaptations = 50;

class GovernedTimeline {
 public:
  const Timeline& timeline() const { return timeline_; }
  const std::vector<std::string>& adaptations() const { return adaptations_; }
  // The chair, with the limits in force, that the timeline was reviewed against (a program's or
  // a session's may be stricter than the daemon's), and its session maximum: a session holds
  // its re-plans and its run-time watch to the same.
  const std::shared_ptr<const ChairModel>& reviewed_chair() const { return chair_; }
  std::int64_t max_session_ms() const { return limits_.max_session_ms; }
  // What a governor for the rest of this session (a re-plan, a resume) holds it to.
  const SessionLimits& session_limits() const { return limits_; }

 private:
  friend class SafetyGovernor;
  GovernedTimeline(Timeline timeline, std::vector<std::string> adaptations,
                   std::shared_ptr<const ChairModel> chair, SessionLimits limits)
      : timeline_(std::move(timeline)),
        adaptations_(std::move(adaptations)),
        chair_(std::move(chair)),
        limits_(std::move(limits)) {}

  Timeline timeline_;
  std::vector<std::string> adaptations_;
  std::shared_ptr<const ChairModel> chair_;
  SessionLimits limits_;
};

class SafetyGovernor {
 public:
  SafetyGovernor(std::shared_ptr<const ChairModel> chair, SessionLimits limits);

  // history: what the chair's heaters and airbags did before this timeline (its t = 0 is
  // history.at), so that energy limits count across sessions and timelines.
  [[nodiscard]] Expected<std::shared_ptr<const GovernedTimeline>, Diagnostics> review(
      Timeline timeline, const EnergyHistory& history = {}) const;

  // How far a positioned actuator may be from its command before watch() takes it to be stalled
  // or obstructed (the profile's figure suits long travel; a short axis, roller depth's 12 mm,
  // stalls within a fraction of its range).
  double tracking_allowance(const ActuatorSpec& actuator) const;
  // A reason to trip a safe stop now, or nothing. session_ms < 0 when no session runs.
  [[nodiscard]] std::optional<SafetyTrip> watch(const Telemetry& sample,
                                                std::int64_t session_ms) const;

  std::int64_t max_session_ms() const { return max_session_ms_; }
  const SitterRulesRef& sitter() const { return sitter_; }
  const ChairModel& chair() const { return *chair_; }
  const std::shared_ptr<const ChairModel>& chair_ptr() const { return chair_; }

 private:
  void check_commands(const Timeline& tl, const EnergyHistory& history, Diagnostics& d) const;
  void check_motion(const Timeline& tl, ActuatorIndex a,
                    const std::vector<const TimelineCommand*>& cmds, Diagnostics& d) const;
  void check_energy(const Timeline& tl, ActuatorIndex a,
                    const std::vector<const TimelineCommand*>& cmds, const EnergyHistory& history,
                    Diagnostics& d) const;
  // Roller depth within each body region's limit, and lower with the rollers narrow over the
  // spine's midline.
  void check_depth(const Timeline& tl,
                   const std::vector<std::vector<const TimelineCommand*>>& by_actuator,
                   Diagnostics& d) const;
  void end_safe(Timeline& tl, std::vector<std::string>& adaptations) const;
  // Every step against the sitter's contraindication rules.
  void check_sitter_rules(const Timeline& tl, Diagnostics& d) const;

  std::shared_ptr<const ChairModel> chair_;
  std::int64_t max_session_ms_ = 0;
  SitterRulesRef sitter_;
};

}  // namespace chaird
