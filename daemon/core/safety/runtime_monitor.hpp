// chaird's own run-time monitors on every telemetry sample, beside the governor's limits and
// independent of the board's: the board may have missed it (a sensor it trusts, a firmware
// fault), so the host looks for itself. Each names a fault code, a reason a kiosk can show,
// and the time; the session manager latches it and takes the chair to its safe state.
//
//   heater        heating while commanded off, or running away above its command
//   airbag        far from its command and not getting closer: not filling (a leak, a burst
//                 bag, a valve stuck shut) or not venting (a valve stuck shut holds the air)
//   stall         a travel motor far from its command that does not move: stalled, or, at an
//                 end of its travel, held by the end stop (a missed limit switch)
//   limit switch  a travel motor reported past its end of travel
//   sensor        a reading that is not a number (a sensor that stopped answering)
//   pinch         the pinch sensor reports something caught, in every state
//   presence      the seat empties while a session moves the chair
//   supply        the supply below what the motors run safely on
//   stale         no fresh sample within the stated time
//
// Lives on the dispatch thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bus/actuator_bus.hpp"
#include "profile/chair_model.hpp"
#include "safety/safety_trip.hpp"

namespace chaird {

struct MonitorOptions {
  // A heater this far above its command, and still rising by heater_rise_c from there.
  double heater_margin_c = 1.0;
  double heater_rise_c = 1.5;
  // An airbag further than airbag_gap_kpa from its command must come at least
  // airbag_progress_kpa closer within each airbag_window_ms.
  double airbag_gap_kpa = 3.0;
  double airbag_progress_kpa = 1.0;
  std::int64_t airbag_window_ms = 3000;
  // A travel motor further than stall_gap (share of its range, at least 1 unit) from its
  // command that moves less than stall_motion (share of its range) within stall_window_ms.
  double stall_gap = 0.02;
  double stall_motion = 0.002;
  std::int64_t stall_window_ms = 1000;
  // Past the end of travel by this share of the range; near an end within it.
  double travel_margin = 0.02;
  double min_supply_v = 20.5;
  // A sample older than this when it arrives is stale.
  std::int64_t stale_ms = 1000;
};

class RunTimeMonitor {
 public:
  RunTimeMonitor(const ChairModel& chair, MonitorOptions options);

  // moving: a session is working the chair (not paused, not idle). now: the chair time the
  // sample is read at.
  // Every cause the sample shows: the chair's own (pinch, seat, supply) first, then each
  // part's in the chair's order. A stale sample shows only that it is stale.
  [[nodiscard]] std::vector<SafetyTrip> check_all(const Telemetry& sample, ChairTime now,
                                                  bool moving);
  // The first of them.
  [[nodiscard]] std::optional<SafetyTrip> check(const Telemetry& sample, ChairTime now,
                                                bool moving);
  // Forgets what it was timing (after a reset: a person checked the chair).
  void reset();
  // A cause that is still there, which a reset must not clear, as far as one sample shows it:
  // something still caught, an airbag still holding air, a heater above the chair's limit, a
  // motor past its end of travel, a sensor that does not answer, the supply too low.
  [[nodiscard]] std::optional<SafetyTrip> still_present(const Telemetry& sample) const;

  const MonitorOptions& options() const { return options_; }

 private:
  // What one sample shows, judged alike by check() and still_present().
  bool supply_too_low(const Telemetry& t) const;
  bool past_end_of_travel(const ActuatorSpec& a, double measured) const;

  struct Watch {
    // Heater: above its command since it read above_from_c (the lowest reading since).
    double above_from_c = 0.0;
    bool above = false;
    // Airbag and travel motor: far from its command since `since`, when it read `from`.
    std::optional<ChairTime> since;
    double from = 0.0;
  };

  const ChairModel& chair_;
  MonitorOptions options_;
  std::vector<Watch> watch_;
};

}  // namespace chaird
