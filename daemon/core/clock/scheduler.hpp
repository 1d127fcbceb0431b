// Timers on chair time. Every callback runs on the scheduler's io_context thread (the dispatch
// thread), so code scheduled here never races with itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "clock/chair_time.hpp"

namespace chaird {

class Scheduler : public Clock {
 public:
  using TimerId = std::uint64_t;

  // Runs fn at chair time t (at once if t has passed). Call on the io_context thread.
  virtual TimerId call_at(ChairTime t, std::function<void()> fn) = 0;
  // Forgets a timer that has not fired. Call on the io_context thread.
  virtual void cancel(TimerId id) = 0;
  virtual boost::asio::io_context& context() = 0;
  // True when time jumps straight to the next timer (free-running virtual time): there a timer
  // set only to keep watching an idle chair would drive time forward forever.
  virtual bool jumps_to_next_timer() const { return false; }
};

// Timers ordered by due time, then by the order they were set, so that replay is deterministic.
class TimerQueue {
 public:
  Scheduler::TimerId add(ChairTime t, std::function<void()> fn);
  void cancel(Scheduler::TimerId id);
  bool empty() const { return timers_.empty(); }
  ChairTime earliest() const { return timers_.begin()->first.first; }
  // Removes and returns the earliest timer's callback.
  std::function<void()> pop();

 private:
  using Key = std::pair<ChairTime, Scheduler::TimerId>;
  std::map<Key, std::function<void()>> timers_;
  std::map<Scheduler::TimerId, ChairTime> due_;
  Scheduler::TimerId next_id_ = 1;
};

}  // namespace chaird
