#include "api/session_history_recorder.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "common/utf8_text.hpp"

namespace chaird::api {

namespace {

constexpr std::size_t kRememberedRefusals = 16;

bool ends_a_session(chair::v1::SessionState s) {
  return s == chair::v1::COMPLETED || s == chair::v1::STOPPED || s == chair::v1::FAULTED ||
         s == chair::v1::EMERGENCY_STOPPED;
}

}  // namespace

SessionHistoryRecorder::SessionHistoryRecorder(store::SessionHistoryStore& store,
                                               WallClock now_unix_ms,
                                               HistoryRecorderOptions options)
    : store_(store), now_(std::move(now_unix_ms)), options_(options), thread_([this] { run(); }) {}

SessionHistoryRecorder::~SessionHistoryRecorder() {
  stop();
}

void SessionHistoryRecorder::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SessionHistoryRecorder::record(StatusHub::StatusPtr status) {
  const auto& id = status->session_id();
  if (id.empty() || !ends_a_session(status->state())) return;
  {
    MutexLock lock(mutex_);
    if (id == last_ended_) return;
    last_ended_ = id;
    if (id == running_session_) {
      running_session_.clear();
      running_user_.clear();
    }
    queue_line(store::SessionEndRecord{id, now_(), chair::v1::SessionState_Name(status->state()),
                                       status->reason(), status->elapsed_ms()});
  }
  wake_.notify_one();
}

void SessionHistoryRecorder::session_started(store::SessionStartRecord record) {
  {
    MutexLock lock(mutex_);
    // (A session whose end was queued first is not running.)
    if (record.session_id != last_ended_) {
      running_session_ = record.session_id;
      running_user_ = record.user_id;
    }
  }
  push(std::move(record));
}

std::string SessionHistoryRecorder::history_note(const std::string& session_id,
                                                 std::optional<std::int64_t> change_at_ms,
                                                 bool flushed) {
  if (!flushed) {
    return "may not be in the session history yet: another program holds chaird's database; "
           "chaird writes it when that program lets go";
  }
  MutexLock lock(mutex_);
  for (auto it = refused_.rbegin(); it != refused_.rend(); ++it) {
    if (it->session_id != session_id) continue;
    // A change is not in the history without its session's start either.
    if (it->start || (change_at_ms && it->change_at_ms == change_at_ms))
      return "is not in the session history: chaird could not write it (" + it->why + ")";
  }
  return {};
}

bool SessionHistoryRecorder::running_for(const std::string& user_id) const {
  return !running_session_.empty() && !user_id.empty() && running_user_ == user_id;
}

void SessionHistoryRecorder::session_adjusted(store::SessionAdjustmentRecord record) {
  push(std::move(record));
}

void SessionHistoryRecorder::push(Item item) {
  {
    MutexLock lock(mutex_);
    queue_line(std::move(item));
  }
  wake_.notify_one();
}

void SessionHistoryRecorder::queue_line(Item item) {
  // Counted, not logged: the dispatch thread queues only. The writer tells the count.
  // In flight counts too: the writer puts back what the lock kept out.
  if (queue_.size() + in_flight_ >= options_.max_queued_lines) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(item));
}

bool SessionHistoryRecorder::flush() {
  MutexLock lock(mutex_);
  if (writer_held_) return queue_.empty() && in_flight_ == 0;
  return drain(lock);
}

bool SessionHistoryRecorder::drain(MutexLock& lock) {
  // Stopped (or stopping): no writer is left to wait for.
  if (stopping_) return queue_.empty() && in_flight_ == 0;
  // Held back already: the writer tries now (briefly), rather than at its next retry.
  if (locked_out_) wake_.notify_one();
  const std::uint64_t lockouts = lockouts_;
  while (!(queue_.empty() && in_flight_ == 0) && lockouts_ == lockouts) lock.wait(drained_);
  return lockouts_ == lockouts;
}

SessionHistoryRecorder::Quiet SessionHistoryRecorder::while_quiet_for(
    const std::string& user_id, const std::function<void()>& job) {
  {
    MutexLock lock(mutex_);
    if (!drain(lock)) return Quiet::kHeldBack;
    if (running_for(user_id)) return Quiet::kSessionRunning;
    // From here the writer takes nothing: a session that begins meanwhile is written whole,
    // after the job.
    writer_held_ = true;
  }
  // Let go however the job ends.
  struct Release {
    SessionHistoryRecorder& r;
    ~Release() {
      {
        MutexLock lock(r.mutex_);
        r.writer_held_ = false;
      }
      r.wake_.notify_one();
    }
  } release{*this};
  job();
  return Quiet::kDone;
}

std::size_t SessionHistoryRecorder::write(const std::vector<Item>& batch, int busy_timeout_ms,
                                          std::string& busy_text) {
  std::size_t done = 0;
  for (; done < batch.size(); ++done) {
    auto written = std::visit(
        [this, busy_timeout_ms](const auto& r) {
          using Record = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<Record, store::SessionStartRecord>) {
            return store_.record_start(r, busy_timeout_ms);
          } else if constexpr (std::is_same_v<Record, store::SessionAdjustmentRecord>) {
            return store_.record_adjustment(r, busy_timeout_ms);
          } else {
            return store_.record_end(r, busy_timeout_ms);
          }
        },
        batch[done]);
    if (written) continue;
    if (written.error().busy) {
      busy_text = std::move(written.error().text);
      break;
    }
    // The session itself is not affected; the history misses this line, and says so (the
    // log, and the call that waits for it).
    spdlog::error("the session history could not be written: {}",
                  one_line(written.error().text, 400));
    Refused refused;
    std::visit(
        [&refused](const auto& r) {
          using Record = std::decay_t<decltype(r)>;
          refused.session_id = r.session_id;
          if constexpr (std::is_same_v<Record, store::SessionStartRecord>) refused.start = true;
          if constexpr (std::is_same_v<Record, store::SessionAdjustmentRecord>)
            refused.change_at_ms = r.at_program_ms;
        },
        batch[done]);
    // The database's text may come from another program (a trigger): one plain line.
    refused.why = one_line(written.error().text, 300);
    MutexLock lock(mutex_);
    refused_.push_back(std::move(refused));
    if (refused_.size() > kRememberedRefusals) refused_.pop_front();
  }
  return done;
}

void SessionHistoryRecorder::run() {
  MutexLock lock(mutex_);
  for (;;) {
    // (Held, even when stopping: a job runs briefly, and what it waits for is not the stop.)
    while (writer_held_ || (!stopping_ && queue_.empty())) lock.wait(wake_);
    if (queue_.empty() && stopping_) break;
    std::vector<Item> batch(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
    queue_.clear();
    in_flight_ = batch.size();
    const int busy_timeout_ms = locked_out_ ? options_.held_busy_timeout_ms : -1;
    lock.unlock();
    std::string busy_text;
    const std::size_t done = write(batch, busy_timeout_ms, busy_text);
    lock.lock();
    in_flight_ = 0;
    if (dropped_ > 0) {
      spdlog::error(
          "{} lines of the session history were dropped: {} were already waiting for the "
          "database's lock",
          dropped_, options_.max_queued_lines);
      dropped_ = 0;
    }
    if (done == batch.size()) {
      if (locked_out_) spdlog::info("the session history is written again");
      locked_out_ = false;
      drained_.notify_all();
      continue;
    }
    // Kept ahead of what came meanwhile, so that a change is never written before its start.
    queue_.insert(queue_.begin(),
                  std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(done)),
                  std::make_move_iterator(batch.end()));
    ++lockouts_;
    drained_.notify_all();
    if (stopping_) {
      spdlog::error(
          "chaird stops with {} lines of the session history it could not write (another "
          "process holds the database's lock): {}",
          queue_.size(), busy_text);
      queue_.clear();
      break;
    }
    if (!locked_out_) {
      spdlog::warn(
          "the session history is locked by another process ({}); chaird keeps its lines and "
          "writes them when the lock goes",
          busy_text);
      locked_out_ = true;
    }
    if (!stopping_) lock.wait_for(wake_, options_.retry_after);
  }
  drained_.notify_all();
}

}  // namespace chaird::api
