// Writes each session into the history as it starts and as it ends. The dispatch thread only
// queues (it never waits for the disk or for a lock a gRPC thread holds); the recorder's own
// thread writes. A session's end is seen in the status stream, every status in order, so that
// no way of ending (completed, stopped, emergency stop, fault, pause timeout, shutdown) is missed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "common/thread_annotations.hpp"
#include "session/status_hub.hpp"
#include "store/session_history_store.hpp"

namespace chaird::api {

class SessionHistoryRecorder final : public StatusRecorder {
 public:
  using WallClock = std::function<std::int64_t()>;  // ms since the Unix epoch
  SessionHistoryRecorder(store::SessionHistoryStore& store, WallClock now_unix_ms);
  // Writes what is queued, then stops.
  ~SessionHistoryRecorder() override;
  SessionHistoryRecorder(const SessionHistoryRecorder&) = delete;
  SessionHistoryRecorder& operator=(const SessionHistoryRecorder&) = delete;

  // Dispatch thread: queue only.
  void record(StatusHub::StatusPtr status) override;
  void session_started(store::SessionStartRecord record);
  // Dispatch thread: queue only. An adjustment is written after its session's start.
  void session_adjusted(store::SessionAdjustmentRecord record);
  // Any other thread: returns once everything queued so far is written.
  void flush();
  std::int64_t now_unix_ms() const { return now_(); }

 private:
  using Item = std::variant<store::SessionStartRecord, store::SessionEndRecord,
                            store::SessionAdjustmentRecord>;
  void push(Item item);
  void run();

  store::SessionHistoryStore& store_;
  WallClock now_;
  Mutex mutex_;  // shared with the dispatch thread only for a push
  // The session whose end is queued already. Under the mutex, not the dispatch thread's: the
  // first status is published by the thread that builds the session manager.
  std::string last_ended_ CHAIRD_GUARDED_BY(mutex_);
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Item> queue_ CHAIRD_GUARDED_BY(mutex_);
  std::size_t in_flight_ CHAIRD_GUARDED_BY(mutex_) = 0;
  bool stopping_ CHAIRD_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace chaird::api
