#include "composed_sessions.hpp"

#include <algorithm>

namespace chaird::api {

void ComposedSessions::keep(ComposedSession session) {
  MutexLock lock(mutex_);
  const std::string& id = session.entry.program->id();
  kept_.erase(std::remove_if(kept_.begin(), kept_.end(),
                             [&](const ComposedSession& c) { return c.entry.program->id() == id; }),
              kept_.end());
  kept_.push_back(std::move(session));
  while (kept_.size() > kCapacity) kept_.pop_front();
}

std::optional<ComposedSession> ComposedSessions::find(const std::string& id) const {
  MutexLock lock(mutex_);
  for (const auto& c : kept_)
    if (c.entry.program->id() == id) return c;
  return std::nullopt;
}

}  // namespace chaird::api
