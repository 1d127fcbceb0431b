// Keeps the log's session label (common/log_session_label.hpp) on the session in progress: a
// status recorder on the hub, so it runs on the dispatch thread as each status is published.
// A session is in progress while it runs, pauses or cools down, and while a fault it latched
// is unreset; once it has completed or stopped, lines are untagged again.
#pragma once

#include <memory>

#include "common/log_session_label.hpp"
#include "session/status_hub.hpp"

namespace chaird {

class LogSessionTagger final : public StatusRecorder {
 public:
  explicit LogSessionTagger(std::shared_ptr<LogSessionLabel> label) : label_(std::move(label)) {}

  void record(std::shared_ptr<const chair::v1::SessionStatus> status) override {
    switch (status->state()) {
      case chair::v1::RUNNING:
      case chair::v1::PAUSED:
      case chair::v1::STOPPING:
      case chair::v1::FAULTED:
      case chair::v1::EMERGENCY_STOPPED:
        label_->set(status->session_id());
        return;
      default:
        label_->set({});
    }
  }

 private:
  std::shared_ptr<LogSessionLabel> label_;
};

}  // namespace chaird
