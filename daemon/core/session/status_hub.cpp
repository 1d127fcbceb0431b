#include "session/status_hub.hpp"

#include <algorithm>

namespace chaird {

StatusHub::StatusHub() {
  auto initial = std::make_shared<chair::v1::SessionStatus>();
  initial->set_state(chair::v1::IDLE);
  latest_.store(std::move(initial));
  watchers_.store(std::make_shared<const List>());
}

StatusHub::~StatusHub() {
  stop_fanout();
}

void StatusHub::start_fanout() {
  if (fanout_.joinable()) return;
  stopping_.store(false);
  fanout_ = std::thread([this] { fanout_loop(); });
}

void StatusHub::stop_fanout() {
  if (!fanout_.joinable()) return;
  stopping_.store(true);
  if (!pending_.exchange(true)) wake_.release();
  fanout_.join();
  pending_.store(false);
}

void StatusHub::fanout_loop() {
  for (;;) {
    wake_.acquire();
    pending_.store(false);  // before reading: a publish from now on wakes the loop again
    if (stopping_.load()) return;
    poke_all();
  }
}

void StatusHub::poke_all() const {
  const auto watchers = watchers_.load();
  for (const auto& w : *watchers) w->on_status();
}

void StatusHub::publish(StatusPtr status) {
  for (auto* recorder : recorders_) recorder->record(status);
  latest_.store(std::move(status));
  if (!fanout_.joinable()) {
    poke_all();
    return;
  }
  if (!pending_.exchange(true)) wake_.release();
}

void StatusHub::add(std::shared_ptr<StatusWatcher> watcher) {
  MutexLock lock(edit_);
  auto next = std::make_shared<List>(*watchers_.load());
  next->push_back(std::move(watcher));
  watchers_.store(std::move(next));
}

void StatusHub::remove(const StatusWatcher* watcher) {
  MutexLock lock(edit_);
  auto next = std::make_shared<List>(*watchers_.load());
  next->erase(
      std::remove_if(next->begin(), next->end(), [&](const auto& w) { return w.get() == watcher; }),
      next->end());
  watchers_.store(std::move(next));
}

}  // namespace chaird
