#include "session/start_hold.hpp"

#include <utility>

namespace chaird {

void StartHold::hold() {
  std::lock_guard lock(mutex_);
  held_ = !closed_;
}

void StartHold::release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
    waiting_call_cancelled_ = false;
    ++releases_;
  }
  released_.notify_all();
}

void StartHold::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    held_ = false;
    ++releases_;
  }
  released_.notify_all();
}

void StartHold::pass() {
  std::vector<std::function<void()>> notify;
  std::unique_lock lock(mutex_);
  if (!held_) return;
  ++waiting_;
  notify.swap(on_waiting_);
  const std::uint64_t released_at = releases_;
  lock.unlock();
  for (auto& then : notify) then();
  lock.lock();
  released_.wait(lock, [&] { return releases_ != released_at; });
  --waiting_;
}

void StartHold::note_call_cancelled() {
  std::vector<std::function<void()>> notify;
  {
    std::lock_guard lock(mutex_);
    if (waiting_ == 0) return;
    waiting_call_cancelled_ = true;
    notify.swap(on_cancelled_);
  }
  for (auto& then : notify) then();
}

void StartHold::when_waiting_call_cancelled(std::function<void()> then) {
  std::unique_lock lock(mutex_);
  if (!waiting_call_cancelled_) {
    on_cancelled_.push_back(std::move(then));
    return;
  }
  lock.unlock();
  then();
}

void StartHold::when_waiting(std::function<void()> then) {
  std::unique_lock lock(mutex_);
  if (waiting_ == 0) {
    on_waiting_.push_back(std::move(then));
    return;
  }
  lock.unlock();
  then();
}

}  // namespace chaird
