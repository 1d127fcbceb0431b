#include "session/status_hub.hpp"

#include <algorithm>

namespace chaird {

StatusHub::StatusHub() {
  auto initial = std::make_shared<chair::v1::SessionStatus>();
  initial->set_state(chair::v1::IDLE);
  latest_.store(std::move(initial));
  watchers_.store(std::make_shared<const List>());
}

void StatusHub::publish(StatusPtr status) {
  if (recorder_ != nullptr) recorder_->record(status);
  latest_.store(std::move(status));
  const auto watchers = watchers_.load();
  for (const auto& w : *watchers) w->on_status();
}

void StatusHub::add(std::shared_ptr<StatusWatcher> watcher) {
  std::lock_guard lock(edit_);
  auto next = std::make_shared<List>(*watchers_.load());
  next->push_back(std::move(watcher));
  watchers_.store(std::move(next));
}

void StatusHub::remove(const StatusWatcher* watcher) {
  std::lock_guard lock(edit_);
  auto next = std::make_shared<List>(*watchers_.load());
  next->erase(
      std::remove_if(next->begin(), next->end(), [&](const auto& w) { return w.get() == watcher; }),
      next->end());
  watchers_.store(std::move(next));
}

}  // namespace chaird
