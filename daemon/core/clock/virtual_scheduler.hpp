// Virtual chair time for replay and tests: a 30-minute session plays in milliseconds through
// the same code as real time, deterministically.
//   kFreeRunning: time jumps to the next timer as soon as the dispatch thread is free.
//   kManual: time moves only when advance() is called (tests, SimBench.AdvanceClock).
#pragma once

#include <atomic>

#include "clock/scheduler.hpp"

namespace chaird {

class VirtualScheduler final : public Scheduler {
 public:
  enum class Mode { kFreeRunning, kManual };

  VirtualScheduler(boost::asio::io_context& io, Mode mode);

  ChairTime now() const override { return ChairTime(ChairDuration(now_us_.load())); }
  TimerId call_at(ChairTime t, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  boost::asio::io_context& context() override { return io_; }
  bool jumps_to_next_timer() const override { return mode_ == Mode::kFreeRunning; }

  // Manual mode: runs every timer due within the next `by`, in order, then sets the clock to
  // now + by. Call on the io_context thread. Timers set by callbacks are honoured too.
  void advance(ChairDuration by);
  Mode mode() const { return mode_; }
  bool idle() const { return queue_.empty(); }

 private:
  void schedule_pump();
  void pump();
  void set_now(ChairTime t);

  boost::asio::io_context& io_;
  Mode mode_;
  std::atomic<std::int64_t> now_us_{0};
  TimerQueue queue_;
  bool pump_posted_ = false;
};

}  // namespace chaird
