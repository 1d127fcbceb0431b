#include "composed_sessions.hpp"

#include <algorithm>

namespace chaird::api {

void ComposedSessions::keep(LibraryEntry entry) {
  std::lock_guard lock(mutex_);
  const std::string& id = entry.program->id();
  kept_.erase(std::remove_if(kept_.begin(), kept_.end(),
                             [&](const LibraryEntry& e) { return e.program->id() == id; }),
              kept_.end());
  kept_.push_back(std::move(entry));
  while (kept_.size() > kCapacity) kept_.pop_front();
}

std::optional<LibraryEntry> ComposedSessions::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : kept_)
    if (e.program->id() == id) return e;
  return std::nullopt;
}

}  // namespace chaird::api
