#include "clock/virtual_scheduler.hpp"

#include <boost/asio/post.hpp>

namespace chaird {

VirtualScheduler::VirtualScheduler(boost::asio::io_context& io, Mode mode) : io_(io), mode_(mode) {}

void VirtualScheduler::set_now(ChairTime t) {
  if (t > now()) now_us_.store(t.time_since_epoch().count());
}

Scheduler::TimerId VirtualScheduler::call_at(ChairTime t, std::function<void()> fn) {
  const TimerId id = queue_.add(t, std::move(fn));
  if (mode_ == Mode::kFreeRunning) schedule_pump();
  return id;
}

void VirtualScheduler::cancel(TimerId id) {
  queue_.cancel(id);
}

void VirtualScheduler::schedule_pump() {
  if (pump_posted_) return;
  pump_posted_ = true;
  // One timer per turn of the io_context, so that work posted by gRPC handlers (a stop, an
  // emergency stop) interleaves with replay instead of waiting for it to finish.
  boost::asio::post(io_, [this] { pump(); });
}

void VirtualScheduler::pump() {
  pump_posted_ = false;
  if (queue_.empty()) return;
  set_now(queue_.earliest());
  auto fn = queue_.pop();
  fn();
  if (!queue_.empty()) schedule_pump();
}

void VirtualScheduler::advance(ChairDuration by) {
  const ChairTime until = now() + by;
  while (!queue_.empty() && queue_.earliest() <= until) {
    set_now(queue_.earliest());
    auto fn = queue_.pop();
    fn();
  }
  set_now(until);
}

}  // namespace chaird
