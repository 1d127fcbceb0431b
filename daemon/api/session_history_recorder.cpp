#include "api/session_history_recorder.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "common/utf8_text.hpp"

namespace chaird::api {

namespace {

// Sessions whose lines a call may still ask about: as many as StartSession's retries remember.
constexpr std::size_t kRememberedSessions = 64;
// Lines of one session left out, remembered one by one (past this, from the first untold on).
constexpr std::size_t kRememberedPerSession = 16;

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

std::uint64_t SessionHistoryRecorder::session_started(store::SessionStartRecord record) {
  std::uint64_t line = 0;
  {
    MutexLock lock(mutex_);
    // (A session whose end was queued first is not running.)
    if (record.session_id != last_ended_) {
      running_session_ = record.session_id;
      running_user_ = record.user_id;
    }
    SessionLines& lines = lines_of(record.session_id, true);
    line = queue_line(std::move(record));
    lines.start_line = line;
  }
  wake_.notify_one();
  return line;
}

SessionHistoryRecorder::SessionLines& SessionHistoryRecorder::lines_of(
    const std::string& session_id, bool starting) {
  for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it)
    if (it->session_id == session_id) return *it;
  if (sessions_.size() >= kRememberedSessions) sessions_.pop_front();
  // A session remembered afresh after it fell out knows nothing of its earlier lines.
  sessions_.push_back(
      SessionLines{session_id, 0, {}, starting ? std::numeric_limits<std::uint64_t>::max() : 0});
  return sessions_.back();
}

std::string SessionHistoryRecorder::history_note(const std::string& session_id,
                                                 std::optional<std::uint64_t> line, bool flushed) {
  {
    MutexLock lock(mutex_);
    const SessionLines* lines = nullptr;
    for (auto it = sessions_.rbegin(); it != sessions_.rend() && lines == nullptr; ++it)
      if (it->session_id == session_id) lines = &*it;
    if (lines == nullptr || (!line && lines->start_line == 0)) {
      return "may not be in the session history: chaird no longer remembers this session's "
             "lines; ListSessionHistory shows whether it is";
    }
    const std::uint64_t asked = line ? *line : lines->start_line;
    for (const Refused& m : lines->missing) {
      const bool this_line = m.line == asked;
      // A change is not in the history without its session's start either; nor is any change
      // after the first one past the session's first changes.
      const bool covers = asked > m.line && (m.start || m.why == Missing::kPastTheFirstChanges);
      if (!this_line && !covers) continue;
      switch (m.why) {
        case Missing::kRefused:
          return fmt::format("is not in the session history: chaird could not write {} ({})",
                             this_line ? "it" : "its session's start", m.text);
        case Missing::kPastTheFirstChanges:
          return fmt::format(
              "is not in the session history: it keeps the first {} changes of a session",
              store::kMaxAdjustmentsPerSession);
        case Missing::kDropped:
          return fmt::format(
              "is not in the session history: {} lines were already waiting for chaird's "
              "database, which another program holds",
              options_.max_queued_lines);
      }
    }
    if (asked >= lines->untold_from) {
      return "may not be in the session history: more of this session's lines were left out "
             "than chaird remembers; ListSessionHistory shows whether it is";
    }
  }
  if (!flushed) return std::string(kHeldBackNote);
  return {};
}

void SessionHistoryRecorder::remember_missing(const Item& item, Missing why, std::string text) {
  if (std::holds_alternative<store::SessionEndRecord>(item.record)) return;  // no call asks
  Refused missing;
  missing.line = item.line;
  missing.why = why;
  missing.text = std::move(text);
  missing.start = std::holds_alternative<store::SessionStartRecord>(item.record);
  const std::string& session_id =
      std::visit([](const auto& r) -> const std::string& { return r.session_id; }, item.record);
  SessionLines& lines = lines_of(session_id, false);
  // The first change past the bound speaks for every later one of its session.
  if (why == Missing::kPastTheFirstChanges) {
    for (const Refused& earlier : lines.missing)
      if (earlier.why == why) return;
  }
  // A start, and the first change past the bound, are always kept (once each): they speak for
  // the later lines.
  if (lines.missing.size() >= kRememberedPerSession && !missing.start &&
      why != Missing::kPastTheFirstChanges) {
    lines.untold_from = std::min(lines.untold_from, missing.line);
    return;
  }
  lines.missing.push_back(std::move(missing));
}

bool SessionHistoryRecorder::running_for(const std::string& user_id) const {
  return !running_session_.empty() && !user_id.empty() && running_user_ == user_id;
}

std::uint64_t SessionHistoryRecorder::session_adjusted(store::SessionAdjustmentRecord record) {
  return push(std::move(record));
}

std::uint64_t SessionHistoryRecorder::push(Record record) {
  std::uint64_t line = 0;
  {
    MutexLock lock(mutex_);
    line = queue_line(std::move(record));
  }
  wake_.notify_one();
  return line;
}

std::uint64_t SessionHistoryRecorder::queue_line(Record record) {
  Item item{next_line_++, std::move(record)};
  // Counted, not logged: the dispatch thread queues only. The writer tells the count; the
  // call that waits for the line is told it is not in the history.
  // In flight counts too: the writer puts back what the lock kept out.
  if (queue_.size() + in_flight_ >= options_.max_queued_lines) {
    ++dropped_;
    remember_missing(item, Missing::kDropped);
    return item.line;
  }
  queue_.push_back(std::move(item));
  return queue_.back().line;
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
          using Written = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<Written, store::SessionStartRecord>) {
            return store_.record_start(r, busy_timeout_ms);
          } else if constexpr (std::is_same_v<Written, store::SessionAdjustmentRecord>) {
            return store_.record_adjustment(r, busy_timeout_ms);
          } else {
            return store_.record_end(r, busy_timeout_ms);
          }
        },
        batch[done].record);
    if (written) {
      // Written, or (a change) left out: the session has its first changes already.
      if (!*written) {
        MutexLock lock(mutex_);
        remember_missing(batch[done], Missing::kPastTheFirstChanges);
      }
      continue;
    }
    if (written.error().busy) {
      busy_text = one_line(written.error().text, 400);
      break;
    }
    // The session itself is not affected; the history misses this line, and says so (the
    // log, and the call that waits for it).
    spdlog::error("the session history could not be written: {}",
                  one_line(written.error().text, 400));
    // The database's words (not its path: the kiosk's screen is not the log) may come from
    // another program (a trigger): one plain line.
    MutexLock lock(mutex_);
    remember_missing(batch[done], Missing::kRefused, one_line(written.error().reason, 300));
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
