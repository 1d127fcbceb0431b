#include "clock/steady_scheduler.hpp"

#include <stdexcept>

namespace chaird {

SteadyScheduler::SteadyScheduler(boost::asio::io_context& io, double time_scale,
                                 LatenessObserver observe_lateness)
    : io_(io),
      time_scale_(time_scale),
      epoch_(std::chrono::steady_clock::now()),
      timer_(io),
      observe_lateness_(std::move(observe_lateness)) {
  if (!(time_scale_ >= 1.0)) throw std::invalid_argument("time scale must be at least 1");
}

ChairTime SteadyScheduler::now() const {
  const auto real = std::chrono::steady_clock::now() - epoch_;
  const auto scaled = std::chrono::duration<double, std::micro>(real) * time_scale_;
  return ChairTime(std::chrono::duration_cast<ChairDuration>(scaled));
}

std::chrono::steady_clock::time_point SteadyScheduler::to_steady(ChairTime t) const {
  const auto real = std::chrono::duration<double, std::micro>(t.time_since_epoch()) / time_scale_;
  return epoch_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(real);
}

Scheduler::TimerId SteadyScheduler::call_at(ChairTime t, std::function<void()> fn) {
  const bool new_earliest = queue_.empty() || t < queue_.earliest();
  const TimerId id = queue_.add(t, std::move(fn));
  if (new_earliest) arm();
  return id;
}

void SteadyScheduler::cancel(TimerId id) {
  queue_.cancel(id);
}

void SteadyScheduler::arm() {
  if (queue_.empty()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(to_steady(queue_.earliest()));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) fire();
  });
}

void SteadyScheduler::fire() {
  // Run everything due, each callback seeing the queue as the previous one left it.
  while (!queue_.empty() && queue_.earliest() <= now()) {
    if (observe_lateness_)
      observe_lateness_(std::chrono::steady_clock::now() - to_steady(queue_.earliest()));
    auto fn = queue_.pop();
    fn();
  }
  arm();
}

}  // namespace chaird
