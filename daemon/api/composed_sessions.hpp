// The sessions ComposeSession made lately, by id, for StartSession and PreviewSession to run.
// Bounded (the oldest goes first) and in memory only: a kiosk composes and starts within
// minutes; after a restart it composes again.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/thread_annotations.hpp"
#include "library/program_library.hpp"

namespace chaird::api {

struct ComposedSession {
  LibraryEntry entry;  // entry.program's id names it
  // The sitter's answers it was composed for: their rules hold when it runs, whatever the
  // start request repeats.
  std::vector<std::string> conditions;
  // The library it was composed from: once that changed (a program saved or deleted), the
  // segments may no longer be what the library holds, and it is composed again.
  std::shared_ptr<const ProgramLibrary> library;
};

class ComposedSessions {
 public:
  static constexpr std::size_t kCapacity = 32;

  // Keeps the composition; the same id again refreshes it.
  void keep(ComposedSession session);
  std::optional<ComposedSession> find(const std::string& id) const;

 private:
  mutable Mutex mutex_;
  std::deque<ComposedSession> kept_ CHAIRD_GUARDED_BY(mutex_);  // newest last
};

}  // namespace chaird::api
