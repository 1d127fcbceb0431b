#include "clock/scheduler.hpp"

namespace chaird {

Scheduler::TimerId TimerQueue::add(ChairTime t, std::function<void()> fn) {
  const Scheduler::TimerId id = next_id_++;
  timers_.emplace(Key{t, id}, std::move(fn));
  due_.emplace(id, t);
  return id;
}

void TimerQueue::cancel(Scheduler::TimerId id) {
  const auto it = due_.find(id);
  if (it == due_.end()) return;
  timers_.erase(Key{it->second, id});
  due_.erase(it);
}

std::function<void()> TimerQueue::pop() {
  auto it = timers_.begin();
  std::function<void()> fn = std::move(it->second);
  due_.erase(it->first.second);
  timers_.erase(it);
  return fn;
}

}  // namespace chaird
