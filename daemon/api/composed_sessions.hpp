// The sessions ComposeSession made lately, by id, for StartSession and PreviewSession to run.
// Bounded (the oldest goes first) and in memory only: a kiosk composes and starts within
// minutes; after a restart it composes again.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "library/program_library.hpp"

namespace chaird::api {

class ComposedSessions {
 public:
  static constexpr std::size_t kCapacity = 32;

  // Keeps the composition (entry.program's id names it); the same id again refreshes it.
  void keep(LibraryEntry entry);
  std::optional<LibraryEntry> find(const std::string& id) const;

 private:
  mutable std::mutex mutex_;
  std::deque<LibraryEntry> kept_;  // newest last; guarded by mutex_
};

}  // namespace chaird::api
