// The fault matrix, in-process: the session manager on the simulated chair (the same board
// model chair-simd runs), on manual chair time. Every monitored fault and every way a session
// ends, each met at several moments of a session (warm-up, travel, mid-step, cool-down,
// paused). Each case asserts that every actuator is commanded safe at once and reaches its
// safe value within a stated bound of chair time, and that the reason shows in the status a
// kiosk watches and in the log. The matrix prints its size.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <set>
#include <sstream>

#include "model/injected_fault.hpp"
#include "safety/safe_state.hpp"
#include "session/session_manager.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using chair::v1::FaultCode;
using chair::v1::SessionState;

// Commanded safe at the first sample after the cause (the trip acts before it logs), and the
// chair there physically within this: a bag vents, the roller retracts, motors spin down.
constexpr std::int64_t kSettleBoundMs = 6000;
// A monitored fault shows within this of its start (the slowest monitors time a bag that does
// not fill, or a heater that keeps rising).
constexpr std::int64_t kDetectBoundMs = 30000;

enum class Moment { kWarmUp, kTravel, kMidStep, kCoolDown, kPaused };

const char* name_of(Moment m) {
  switch (m) {
    case Moment::kWarmUp:
      return "warm-up";
    case Moment::kTravel:
      return "during travel";
    case Moment::kMidStep:
      return "mid-step";
    case Moment::kCoolDown:
      return "during the cool-down";
    case Moment::kPaused:
      return "while paused";
  }
  return "?";
}

class NullRecorder final : public StatusRecorder {
 public:
  void record(StatusHub::StatusPtr) override {}
};

// One chair, one session manager, one log.
struct Bench {
  explicit Bench(std::int64_t lease_ms = 0) {
    options.lease_ms = lease_ms;
    options.max_pause_ms = 60000;
    manager = std::make_unique<SessionManager>(rig.clock, rig.board, governor, hub, options);
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    previous_logger = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("matrix", sink));
  }
  ~Bench() { spdlog::set_default_logger(previous_logger); }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  // Air, heat, a spinning motor, the roller travelling and pressing: everything a cause can
  // meet. 40 s, so that every moment falls inside it.
  PreparedSession busy() {
    const auto& m = *rig.model;
    Timeline tl = unit::blank_timeline(m, 40000);
    unit::add_command(tl, m, 0, 3000, "roller.position", 400);
    unit::add_command(tl, m, 0, 1000, "roller.depth", 6);
    unit::add_command(tl, m, 0, 1000, "roller.knead", 30);
    unit::add_command(tl, m, 0, 2500, "airbag.waist", 16);
    unit::add_command(tl, m, 0, 0, "heat.lumbar", 40);
    unit::add_command(tl, m, 1000, 3000, "vibration.seat", 0.8);
    unit::add_command(tl, m, 12000, 16000, "roller.position", 0);  // to the end of travel
    unit::add_command(tl, m, 20000, 25000, "airbag.waist", 0);
    unit::add_command(tl, m, 20000, 24000, "roller.position", 400);
    unit::add_command(tl, m, 26000, 28000, "airbag.waist", 14);
    unit::sort_commands(tl);
    auto governed = governor.review(tl);
    if (!governed) ADD_FAILURE() << governed.error().to_string();
    return PreparedSession{"busy", "Busy", governed ? *governed : nullptr, "matrix"};
  }

  bool bring_to(Moment m) {
    auto claim = manager->claim_start();
    if (!claim) return false;
    auto started = manager->start(**claim, busy());
    if (!started) return false;
    token = started->lease_token;
    switch (m) {
      case Moment::kWarmUp:
        run_ms(400);
        break;
      case Moment::kTravel:
        run_ms(1600);
        break;
      case Moment::kMidStep:
        run_ms(10000);
        break;
      case Moment::kCoolDown:
        run_ms(10000);
        manager->stop();
        run_ms(300);
        return manager->state() == chair::v1::STOPPING;
      case Moment::kPaused:
        run_ms(10000);
        if (!manager->pause()) return false;
        run_ms(4000);
        return manager->state() == chair::v1::PAUSED;
    }
    return manager->state() == chair::v1::RUNNING;
  }

  // Moves chair time on with the app's heartbeat every second, as a kiosk keeps its lease.
  void run_ms(std::int64_t total) {
    for (std::int64_t done = 0; done < total; done += 1000) {
      rig.advance_ms(std::min<std::int64_t>(1000, total - done));
      if (options.lease_ms > 0 &&
          (manager->state() == chair::v1::RUNNING || manager->state() == chair::v1::PAUSED)) {
        (void)manager->keep_alive(token);
      }
    }
  }

  void inject(chair::v1::InjectedFaultKind kind, const std::string& actuator, double amount) {
    chair::v1::InjectedFault f;
    f.set_kind(kind);
    f.set_actuator(actuator);
    f.set_amount(amount);
    f.set_at_ms(rig.now_ms());
    auto resolved = sim::resolve_fault(f, *rig.model);
    ASSERT_TRUE(resolved) << resolved.error().message;
    ASSERT_TRUE(rig.board.schedule_fault(*resolved));
  }

  std::string logged() {
    spdlog::default_logger()->flush();
    return log.str();
  }

  // Every actuator commanded to its safe value (air vented, heat off, depth retracted, motors
  // stopped; travel motors halted wherever they are).
  bool commanded_safe() { return is_safe(*rig.model, rig.telemetry().commanded); }
  // And there: measured within a little of it.
  std::string not_yet_safe(const std::string& exempt = {}) {
    const Telemetry t = rig.telemetry();
    std::string out;
    for (const auto& a : rig.model->actuators()) {
      if (!a.goes_to_safe_value() || a.kind == chair::v1::TEMPERATURE || a.id == exempt) continue;
      const double m = t.measured[static_cast<std::size_t>(a.index)];
      if (std::abs(m - a.safe_value) > 0.02 * (a.max - a.min) + 0.05)
        out += fmt::format(" {}={:.2f}", a.id, m);
    }
    return out;
  }

  unit::SimRig rig;
  SafetyGovernor governor{rig.model, {}};
  StatusHub hub;
  SessionManagerOptions options;
  std::unique_ptr<SessionManager> manager;
  std::string token;
  std::ostringstream log;
  std::shared_ptr<spdlog::logger> previous_logger;
};

struct Cause {
  const char* name;
  chair::v1::InjectedFaultKind kind;
  std::string actuator;
  double amount;
  std::set<FaultCode> codes = {};        // chaird's own: any of these may be the first reported
  std::set<FaultCode> board_codes = {};  // and these, which only the board's checks report
  // Moments in which the cause meets nothing it can harm (a leak in a vented bag, an empty
  // seat while the chair is at rest): the session goes on its way, and stays safe.
  std::set<Moment> dormant = {};
  // ...and more when the board misses it too (a silent sensor the board would have named).
  std::set<Moment> dormant_unseen_by_board = {};
  // The actuator software cannot bring back, and why: checked commanded safe only.
  std::string exempt = {};
  std::string exempt_because = {};
  // How long the cause may take to show (a heater from cold first has to pass its command).
  std::int64_t detect_bound_ms = kDetectBoundMs;
};

struct Tally {
  int run = 0;
  int passed = 0;
};

// One monitored fault at one moment. board_misses: the board's own checks miss it, and only
// chaird's monitors stand between the fault and the sitter.
bool run_fault_case(const Cause& cause, Moment moment, bool board_misses, std::string& why) {
  Bench b;
  if (board_misses) b.rig.board.miss_own_faults();
  if (!b.bring_to(moment)) {
    why = "could not reach the moment";
    return false;
  }
  const SessionState before = b.manager->state();
  b.inject(cause.kind, cause.actuator, cause.amount);
  const std::int64_t injected_at = b.rig.now_ms();
  const bool dormant = cause.dormant.count(moment) > 0 ||
                       (board_misses && cause.dormant_unseen_by_board.count(moment) > 0);
  std::set<FaultCode> codes = cause.codes;
  if (!board_misses) codes.insert(cause.board_codes.begin(), cause.board_codes.end());
  // Step in telemetry periods until it latches (or, dormant, for a while).
  std::int64_t t = 0;
  for (; t < cause.detect_bound_ms && b.manager->state() != chair::v1::FAULTED; t += 100) {
    b.rig.advance_ms(100);
    if (b.manager->state() == chair::v1::FAULTED && !b.commanded_safe()) {
      why = "not commanded safe at the first sample after the trip";
      return false;
    }
  }
  const auto status = b.hub.latest();
  const bool faulted = b.manager->state() == chair::v1::FAULTED;
  if (!faulted && !dormant) {
    why = fmt::format("not FAULTED {} ms after the cause (state {}, from {})", t,
                      chair::v1::SessionState_Name(b.manager->state()),
                      chair::v1::SessionState_Name(before));
    return false;
  }
  if (faulted) {
    if (status->faults_size() == 0 || !codes.count(status->faults(0).code())) {
      why = "reported " +
            (status->faults_size() ? chair::v1::FaultCode_Name(status->faults(0).code())
                                   : std::string("nothing")) +
            ": " + status->reason();
      return false;
    }
    if (status->reason().empty() ||
        b.logged().find(status->faults(0).reason()) == std::string::npos) {
      why = "the reason '" + status->reason() + "' is not in the log";
      return false;
    }
    if (status->faults(0).chair_time_ms() < injected_at) {
      why = "the fault's time is before the cause";
      return false;
    }
  }
  b.rig.advance_ms(kSettleBoundMs);
  if (b.manager->state() == chair::v1::RUNNING) {
    b.manager->stop();  // a dormant cause: end the session the ordinary way
    b.rig.advance_ms(kSettleBoundMs);
  }
  if (!b.commanded_safe()) {
    why = "not commanded safe at the end";
    return false;
  }
  if (auto left = b.not_yet_safe(cause.exempt); !left.empty()) {
    why = fmt::format("not safe {} ms after the trip:{}", kSettleBoundMs, left);
    return false;
  }
  return true;
}

// Every monitored fault, with what it is expected to report.
std::vector<Cause> monitored_causes() {
  return {
      // From cold a welded heater looks like one warming up until it passes its 40 °C command:
      // about 50 s with the reference pad's 90 s time constant.
      {.name = "heater runaway",
       .kind = chair::v1::HEATER_RUNAWAY,
       .actuator = "heat.lumbar",
       .amount = 0,
       .codes = {chair::v1::HEATER_FAULT, chair::v1::OVER_TEMPERATURE},
       .detect_bound_ms = 120000},
      {.name = "stuck valve",
       .kind = chair::v1::STUCK_VALVE,
       .actuator = "airbag.waist",
       .amount = 0,
       .codes = {chair::v1::VALVE_FAILURE, chair::v1::OVER_PRESSURE},
       .dormant = {Moment::kPaused},
       .exempt = "airbag.waist",
       .exempt_because = "a valve stuck shut holds the air whatever the software commands: the "
                         "trip names it (VALVE_FAILURE, send a person); the chair's "
                         "pressure-relief valve is the hardware's job (safety.md)"},
      {.name = "burst airbag",
       .kind = chair::v1::LEAKING_AIRBAG,
       .actuator = "airbag.waist",
       .amount = 20,
       .codes = {chair::v1::VALVE_FAILURE},
       .dormant = {Moment::kCoolDown, Moment::kPaused}},
      {.name = "roller stall",
       .kind = chair::v1::ROLLER_STALL,
       .actuator = "roller.position",
       .amount = 0,
       .codes = {chair::v1::OBSTRUCTION},
       .board_codes = {chair::v1::MOTOR_CURRENT},
       .dormant = {Moment::kCoolDown, Moment::kPaused}},
      // The board's idea of the roller is 40 mm off: harmless until it drives to the end of its
      // travel (12 s into the session), where it meets the end stop.
      {.name = "missed limit switch",
       .kind = chair::v1::MISSED_LIMIT_SWITCH,
       .actuator = "roller.position",
       .amount = 0,
       .codes = {chair::v1::LIMIT_SWITCH, chair::v1::OBSTRUCTION},
       .board_codes = {chair::v1::MOTOR_CURRENT},
       .dormant = {Moment::kCoolDown, Moment::kPaused}},
      {.name = "pinch",
       .kind = chair::v1::PINCH,
       .actuator = "legrest.angle",
       .amount = 0,
       .codes = {chair::v1::PINCH_DETECTED}},
      {.name = "presence lost",
       .kind = chair::v1::PRESENCE_LOST,
       .actuator = "",
       .amount = 0,
       .codes = {chair::v1::SEAT_EMPTY},
       .dormant = {Moment::kCoolDown, Moment::kPaused}},
      // The board names a silent sensor; without it, a reading frozen in a vented bag shows
      // only once the bag is told to change.
      {.name = "sensor dropout",
       .kind = chair::v1::SENSOR_DROPOUT,
       .actuator = "airbag.waist",
       .amount = 0,
       .codes = {chair::v1::SENSOR_FAILURE, chair::v1::VALVE_FAILURE},
       .dormant_unseen_by_board = {Moment::kPaused},
       .exempt = "airbag.waist",
       .exempt_because = "its sensor is silent: its last reading stays, whatever the bag does"},
      {.name = "low supply",
       .kind = chair::v1::LOW_SUPPLY_VOLTAGE,
       .actuator = "",
       .amount = 19.0,
       .codes = {chair::v1::SUPPLY_VOLTAGE}},
  };
}

// Every cause at every moment; prints the size of the matrix.
void run_fault_matrix(bool board_misses, const char* what) {
  const std::vector<Moment> moments = {Moment::kWarmUp, Moment::kTravel, Moment::kMidStep,
                                       Moment::kCoolDown, Moment::kPaused};
  const auto causes = monitored_causes();
  Tally tally;
  for (const auto& cause : causes) {
    if (!cause.exempt.empty()) {
      std::printf("  %s: %s is checked commanded safe only: %s\n", cause.name, cause.exempt.c_str(),
                  cause.exempt_because.c_str());
    }
    for (const Moment m : moments) {
      ++tally.run;
      std::string why;
      if (run_fault_case(cause, m, board_misses, why)) {
        ++tally.passed;
      } else {
        ADD_FAILURE() << cause.name << " " << name_of(m) << ": " << why;
      }
    }
  }
  std::printf("fault matrix, %s (in-process): %d cases run, %d passed\n", what, tally.run,
              tally.passed);
  EXPECT_EQ(tally.run, static_cast<int>(causes.size() * moments.size()));
}

TEST(FaultMatrix, EveryMonitoredFaultAtEveryMomentEndsInTheSafeStateWithItsReason) {
  run_fault_matrix(false, "monitored faults");
}

// The same faults with a board whose own checks miss them: chaird's monitors alone must catch
// every one, with their own codes.
TEST(FaultMatrix, WhenTheBoardMissesAFaultChairdsOwnMonitorsCatchIt) {
  run_fault_matrix(true, "faults the board misses");
}

// How each way of ending a session is made to happen, and what it must say.
struct Ending {
  const char* name;
  std::function<void(Bench&)> end;
  std::set<SessionState> states;  // the state it ends in
  std::string reason;             // in the status and the log
  std::int64_t bound_ms;          // chair time from the end to every actuator safe
};

TEST(FaultMatrix, EveryWayASessionEndsAtEveryMomentReachesTheSafeState) {
  const std::vector<Ending> endings = {
      {"stop",
       [](Bench& b) { b.manager->stop(); },
       {chair::v1::STOPPING, chair::v1::STOPPED},
       "stopped on request",
       3000 + kSettleBoundMs},
      {"emergency stop",
       [](Bench& b) { b.manager->emergency_stop("matrix"); },
       {chair::v1::EMERGENCY_STOPPED},
       "emergency stop: matrix",
       kSettleBoundMs},
      {"fault",
       [](Bench& b) { b.inject(chair::v1::PINCH, "legrest.angle", 0); },
       {chair::v1::FAULTED},
       "reports something caught",
       kSettleBoundMs},
      {"shutdown",
       [](Bench& b) { b.manager->shutdown(); },
       {chair::v1::STOPPED},
       "chaird is shutting down",
       kSettleBoundMs},
  };
  const std::vector<Moment> moments = {Moment::kWarmUp, Moment::kTravel, Moment::kMidStep,
                                       Moment::kCoolDown, Moment::kPaused};
  Tally tally;
  auto run_case = [&](const std::string& name, const std::function<bool(std::string&)>& body) {
    ++tally.run;
    std::string why;
    if (body(why)) {
      ++tally.passed;
    } else {
      ADD_FAILURE() << name << ": " << why;
    }
  };
  for (const auto& ending : endings) {
    for (const Moment m : moments) {
      run_case(std::string(ending.name) + " " + name_of(m), [&](std::string& why) {
        Bench b;
        if (!b.bring_to(m)) {
          why = "could not reach the moment";
          return false;
        }
        const SessionState was = b.manager->state();
        ending.end(b);
        b.rig.advance_ms(100);
        const SessionState s = b.manager->state();
        const bool stop_during_cooldown =
            std::string(ending.name) == "stop" && was == chair::v1::STOPPING;
        if (!ending.states.count(s) && !(was == chair::v1::PAUSED && s == chair::v1::STOPPED)) {
          why = "ended in " + chair::v1::SessionState_Name(s);
          return false;
        }
        if (!stop_during_cooldown && !ending.reason.empty() &&
            b.hub.latest()->reason().find(ending.reason) == std::string::npos &&
            !(was == chair::v1::PAUSED && std::string(ending.name) == "stop")) {
          why = "said '" + b.hub.latest()->reason() + "'";
          return false;
        }
        b.rig.advance_ms(ending.bound_ms);
        if (!b.commanded_safe()) {
          why = "not commanded safe";
          return false;
        }
        if (auto left = b.not_yet_safe(); !left.empty()) {
          why = "not safe within the bound:" + left;
          return false;
        }
        if (!ending.reason.empty() && !stop_during_cooldown &&
            b.logged().find(ending.reason) == std::string::npos) {
          why = "the reason is not in the log";
          return false;
        }
        return true;
      });
    }
  }
  // The pause timeout and the client lease: their own moments (a pause runs out only while
  // paused; a lease only while an app controls the session).
  for (const Moment m : {Moment::kWarmUp, Moment::kTravel, Moment::kMidStep, Moment::kPaused}) {
    run_case(std::string("lease lost ") + name_of(m), [&](std::string& why) {
      Bench b(5000);
      if (!b.bring_to(m)) {
        why = "could not reach the moment";
        return false;
      }
      if (!b.manager->keep_alive(b.token)) {
        why = "the keep-alive was refused";
        return false;
      }
      b.rig.advance_ms(5100 + 3000 + kSettleBoundMs);  // the lease, the cool-down, the settling
      if (b.manager->state() != chair::v1::STOPPED ||
          b.hub.latest()->reason() != "the controlling app disconnected") {
        why = "ended " + chair::v1::SessionState_Name(b.manager->state()) + ": " +
              b.hub.latest()->reason();
        return false;
      }
      if (b.logged().find("the controlling app disconnected") == std::string::npos) {
        why = "not in the log";
        return false;
      }
      if (!b.commanded_safe() || !b.not_yet_safe().empty()) {
        why = "not safe:" + b.not_yet_safe();
        return false;
      }
      return true;
    });
  }
  run_case("pause timeout while paused", [&](std::string& why) {
    Bench b;
    if (!b.bring_to(Moment::kPaused)) {
      why = "could not reach the moment";
      return false;
    }
    b.rig.advance_ms(60000);
    if (b.manager->state() != chair::v1::STOPPED) {
      why = "still " + chair::v1::SessionState_Name(b.manager->state());
      return false;
    }
    if (b.logged().find("paused for longer than 1:00") == std::string::npos) {
      why = "not in the log";
      return false;
    }
    return b.commanded_safe() && b.not_yet_safe().empty();
  });
  std::printf("fault matrix, session endings (in-process): %d cases run, %d passed\n", tally.run,
              tally.passed);
}

}  // namespace
}  // namespace chaird
