#include "api/session_history_recorder.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace chaird::api {

namespace {

bool ends_a_session(chair::v1::SessionState s) {
  return s == chair::v1::COMPLETED || s == chair::v1::STOPPED || s == chair::v1::FAULTED ||
         s == chair::v1::EMERGENCY_STOPPED;
}

}  // namespace

SessionHistoryRecorder::SessionHistoryRecorder(store::SessionHistoryStore& store,
                                               WallClock now_unix_ms)
    : store_(store), now_(std::move(now_unix_ms)), thread_([this] { run(); }) {}

SessionHistoryRecorder::~SessionHistoryRecorder() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SessionHistoryRecorder::record(StatusHub::StatusPtr status) {
  const auto& id = status->session_id();
  if (id.empty() || !ends_a_session(status->state())) return;
  {
    MutexLock lock(mutex_);
    if (id == last_ended_) return;
    last_ended_ = id;
    queue_.push_back(store::SessionEndRecord{id, now_(),
                                             chair::v1::SessionState_Name(status->state()),
                                             status->reason(), status->elapsed_ms()});
  }
  wake_.notify_one();
}

void SessionHistoryRecorder::session_started(store::SessionStartRecord record) {
  push(std::move(record));
}

void SessionHistoryRecorder::session_adjusted(store::SessionAdjustmentRecord record) {
  push(std::move(record));
}

void SessionHistoryRecorder::push(Item item) {
  {
    MutexLock lock(mutex_);
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
}

void SessionHistoryRecorder::flush() {
  MutexLock lock(mutex_);
  while (!(queue_.empty() && in_flight_ == 0)) lock.wait(drained_);
}

void SessionHistoryRecorder::run() {
  MutexLock lock(mutex_);
  for (;;) {
    while (!stopping_ && queue_.empty()) lock.wait(wake_);
    if (queue_.empty() && stopping_) break;
    std::vector<Item> batch(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
    queue_.clear();
    in_flight_ = batch.size();
    lock.unlock();
    for (const auto& item : batch) {
      auto written = std::visit(
          [this](const auto& r) {
            using Record = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<Record, store::SessionStartRecord>) {
              return store_.record_start(r);
            } else if constexpr (std::is_same_v<Record, store::SessionAdjustmentRecord>) {
              return store_.record_adjustment(r);
            } else {
              return store_.record_end(r);
            }
          },
          item);
      // The session itself is not affected; the history misses this line, and says so.
      if (!written) spdlog::error("the session history could not be written: {}", written.error());
    }
    lock.lock();
    in_flight_ = 0;
    drained_.notify_all();
  }
  drained_.notify_all();
}

}  // namespace chaird::api
