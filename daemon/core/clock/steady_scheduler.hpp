// Real time (time_scale 1) or accelerated real time (time_scale > 1, for demos), with Asio's
// steady timer waking the dispatch thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "clock/scheduler.hpp"

namespace chaird {

class SteadyScheduler final : public Scheduler {
 public:
  // How late a timer ran: from its due time to the moment its callback starts (the dispatch
  // thread's wake-up, plus the callbacks due before it). For benchmarks; called on io's thread.
  using LatenessObserver = std::function<void(std::chrono::nanoseconds late)>;

  SteadyScheduler(boost::asio::io_context& io, double time_scale = 1.0,
                  LatenessObserver observe_lateness = {});

  ChairTime now() const override;
  TimerId call_at(ChairTime t, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  boost::asio::io_context& context() override { return io_; }

 private:
  void arm();
  void fire();
  std::chrono::steady_clock::time_point to_steady(ChairTime t) const;

  boost::asio::io_context& io_;
  double time_scale_;
  std::chrono::steady_clock::time_point epoch_;
  boost::asio::steady_timer timer_;
  TimerQueue queue_;
  LatenessObserver observe_lateness_;
};

}  // namespace chaird
