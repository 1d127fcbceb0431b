// Writes every status sample to a trace file for the engineer's bench: CSV (one row per sample,
// one target and one measured column per actuator) or JSONL (one SessionStatus per line),
// chosen by the file's extension. Writing happens on the recorder's own thread; the dispatch
// thread only hands over a pointer.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/expected.hpp"
#include "common/thread_annotations.hpp"
#include "session/status_hub.hpp"

namespace chaird::sim {

class TraceRecorder final : public StatusRecorder {
 public:
  static Expected<std::unique_ptr<TraceRecorder>, std::string> open(const std::string& path);
  ~TraceRecorder() override;

  // Dispatch thread: queue a sample; never waits for the disk.
  void record(StatusHub::StatusPtr status) override;
  // Any other thread: returns when everything queued so far is on disk.
  void flush();

 private:
  TraceRecorder(std::FILE* file, bool jsonl);
  void run();
  void write(const chair::v1::SessionStatus& s);

  std::FILE* file_;
  bool jsonl_;
  bool header_written_ = false;
  Mutex mutex_;  // shared with the dispatch thread only for a push
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<StatusHub::StatusPtr> queue_ CHAIRD_GUARDED_BY(mutex_);
  std::size_t in_flight_ CHAIRD_GUARDED_BY(mutex_) = 0;
  bool stopping_ CHAIRD_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace chaird::sim
