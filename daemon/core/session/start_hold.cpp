#include "session/start_hold.hpp"

#include <utility>

namespace chaird {

void StartHold::hold() {
  MutexLock lock(mutex_);
  held_ = !closed_;
}

void StartHold::release() {
  {
    MutexLock lock(mutex_);
    held_ = false;
    waiting_call_cancelled_ = false;
    ++releases_;
  }
  released_.notify_all();
}

void StartHold::close() {
  {
    MutexLock lock(mutex_);
    closed_ = true;
    held_ = false;
    ++releases_;
  }
  released_.notify_all();
}

void StartHold::pass() {
  std::vector<std::function<void()>> notify;
  MutexLock lock(mutex_);
  if (!held_) return;
  ++waiting_;
  notify.swap(on_waiting_);
  const std::uint64_t released_at = releases_;
  lock.unlock();
  for (auto& then : notify) then();
  lock.lock();
  while (releases_ == released_at) lock.wait(released_);
  --waiting_;
}

void StartHold::note_call_cancelled() {
  std::vector<std::function<void()>> notify;
  {
    MutexLock lock(mutex_);
    if (waiting_ == 0) return;
    waiting_call_cancelled_ = true;
    notify.swap(on_cancelled_);
  }
  for (auto& then : notify) then();
}

void StartHold::when_waiting_call_cancelled(std::function<void()> then) {
  MutexLock lock(mutex_);
  if (!waiting_call_cancelled_) {
    on_cancelled_.push_back(std::move(then));
    return;
  }
  lock.unlock();
  then();
}

void StartHold::when_waiting(std::function<void()> then) {
  MutexLock lock(mutex_);
  if (waiting_ == 0) {
    on_waiting_.push_back(std::move(then));
    return;
  }
  lock.unlock();
  then();
}

}  // namespace chaird
