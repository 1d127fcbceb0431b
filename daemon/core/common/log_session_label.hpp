// Which session chaird's log lines belong to. The session manager's statuses set it (on the
// dispatch thread); every thread's log line is tagged with it as the line is logged, so that
// one grep finds everything that happened to a sitter's session. Read and written without a
// lock: a log call never waits for the dispatch thread, nor it for a log call.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "common/shared_snapshot.hpp"

namespace chaird {

class LogSessionLabel {
 public:
  // The session now in progress; empty: none.
  void set(std::string_view session_id);
  // The session's id, or null when none is in progress.
  std::shared_ptr<const std::string> get() const { return label_.load(); }

 private:
  SharedSnapshot<const std::string> label_;
};

}  // namespace chaird
