// Plays a governed timeline to the actuator bus. Runs only on the scheduler's thread and never
// blocks: no file I/O, no plugin calls, no locks shared with gRPC handlers. Each wake-up sends
// the commands due within the look-ahead (the board starts them at their own due time),
// refreshes the board's lease, and samples telemetry for the listener.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "bus/actuator_bus.hpp"
#include "clock/scheduler.hpp"
#include "safety/safety_governor.hpp"

namespace chaird {

struct ExecutorOptions {
  std::int64_t lookahead_ms = 200;
  std::int64_t lease_refresh_ms = 250;
  std::int64_t telemetry_period_ms = 100;
  // After a timeline ends or the chair is stopped, keep watching closely this long (the
  // airbags vent, the motors spin down, the lease is refreshed)...
  std::int64_t settle_ms = 10'000;
  // ...and then keep watching at this slower period, in every state, so that a board fault
  // while idle latches too (not with free-running virtual time, where nothing happens between
  // timers).
  std::int64_t idle_telemetry_period_ms = 1000;
};

class ExecutorListener {
 public:
  virtual ~ExecutorListener() = default;
  // session_ms: time since the playing timeline's start (-1 when nothing plays).
  virtual void on_telemetry(const Telemetry& sample, std::int64_t session_ms) = 0;
  // The playing timeline reached its end; every command has been played.
  virtual void on_timeline_end() = 0;
};

class Executor {
 public:
  Executor(Scheduler& scheduler, ActuatorBus& bus, ExecutorOptions options,
           ExecutorListener& listener);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Starts timeline lookahead_ms from now (so its first commands reach the board in time).
  void play(std::shared_ptr<const GovernedTimeline> timeline);
  // Replaces the rest of the playing timeline from from_ms (a re-plan, which kept every command
  // before from_ms). False, changing nothing, when commands from from_ms on were already sent.
  bool replace_from(std::shared_ptr<const GovernedTimeline> timeline, std::int64_t from_ms);
  // Stops playing: drops what has not been sent and cancels what the board has queued.
  void abandon();
  // Keeps sampling telemetry closely for the settle time (after an end or a stop).
  void settle();
  // Starts watching the idle chair (call once, after construction, on the scheduler thread).
  void watch_idle();

  bool playing() const { return timeline_ != nullptr; }
  std::int64_t session_ms() const;
  // Earliest session time a re-plan may change: everything before it has been sent.
  std::int64_t committed_until_ms() const;
  const std::shared_ptr<const GovernedTimeline>& timeline() const { return timeline_; }
  const Telemetry& last_telemetry() const { return last_; }
  // Reads telemetry now (on the scheduler thread).
  const Telemetry& sample_now();

 private:
  void wake_at(ChairTime t);
  void tick();

  Scheduler& scheduler_;
  ActuatorBus& bus_;
  ExecutorOptions options_;
  ExecutorListener& listener_;

  std::shared_ptr<const GovernedTimeline> timeline_;
  ChairTime start_{};
  std::size_t cursor_ = 0;
  std::int64_t dispatched_to_ms_ = -1;  // session time up to which commands were sent
  bool ended_ = false;
  ChairTime quiet_after_{};  // stop ticking after this when nothing plays
  ChairTime next_lease_{};
  ChairTime next_sample_{};
  bool watch_idle_ = false;
  Scheduler::TimerId timer_ = 0;
  ChairTime timer_at_{};
  std::uint64_t generation_ = 0;  // bumped whenever a callback changes what plays
  std::vector<BusCommand> batch_;
  Telemetry last_;
};

}  // namespace chaird
