// Writes each session into the history as it starts and as it ends. The dispatch thread only
// queues (it never waits for the disk or for a lock a gRPC thread holds); the recorder's own
// thread writes. A session's end is seen in the status stream, every status in order, so that
// no way of ending (completed, stopped, emergency stop, fault, pause timeout, shutdown) is missed.
// A line another process's lock keeps out (sqlite3 on the command line, a backup) stays queued,
// in order, and is written when the lock goes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "common/thread_annotations.hpp"
#include "session/status_hub.hpp"
#include "store/session_history_store.hpp"

namespace chaird::api {

struct HistoryRecorderOptions {
  // A line the database's lock kept out is tried again after this long, or when another is
  // queued. Each try waits the database's busy timeout for the lock first.
  std::chrono::milliseconds retry_after{250};
  // While lines are held back, each try waits at most this long for the lock (the first waits
  // the database's busy timeout): a call that waits for a try is not kept long.
  int held_busy_timeout_ms = 100;
  // Lines waiting for the lock, at most: past this, a new line is dropped (and counted in the
  // log) rather than let memory grow while the lock is never let go.
  std::size_t max_queued_lines = 10'000;
};

class SessionHistoryRecorder final : public StatusRecorder {
 public:
  using WallClock = std::function<std::int64_t()>;  // ms since the Unix epoch
  SessionHistoryRecorder(store::SessionHistoryStore& store, WallClock now_unix_ms,
                         HistoryRecorderOptions options = {});
  // Stops, as stop() does.
  ~SessionHistoryRecorder() override;
  SessionHistoryRecorder(const SessionHistoryRecorder&) = delete;
  SessionHistoryRecorder& operator=(const SessionHistoryRecorder&) = delete;

  // Dispatch thread: queue only.
  void record(StatusHub::StatusPtr status) override;
  // Dispatch thread: queue only; the line's number, for history_note. An adjustment is written
  // after its session's start.
  std::uint64_t session_started(store::SessionStartRecord record);
  std::uint64_t session_adjusted(store::SessionAdjustmentRecord record);
  // Any other thread: true once everything queued so far is written (or failed for good, and
  // logged); false once a try finds another process's lock still held (what is queued is
  // written when it goes: a call must not wait on another process). The first try waits the
  // database's busy timeout; while lines are held back, a flush has the writer try at once,
  // waiting held_busy_timeout_ms. While the writer is held (while_quiet_for), answers at
  // once: false when lines wait.
  bool flush();
  // Writes what is queued and ends the writer, saying in the log what the lock kept out; before
  // the log is shut down. Once only; later lines are not written.
  void stop();
  std::int64_t now_unix_ms() const { return now_(); }
  // Records thread, after a flush that answered flushed: empty when line (session_id's start,
  // or one of its changes; none: its start) is in the history; otherwise one line a kiosk can show,
  // saying it may not be there yet (held back), or is not, and why: the database refused it (for a
  // change, or its session's start), the session has its first kMaxAdjustmentsPerSession changes,
  // or too many lines were waiting for another program's lock.
  std::string history_note(const std::string& session_id, std::optional<std::uint64_t> line,
                           bool flushed);
  // The note of a line held back: the only one that can stop being true.
  static constexpr std::string_view kHeldBackNote =
      "may not be in the session history yet: another program holds chaird's database; chaird "
      "writes it when that program lets go";
  enum class Quiet { kDone, kSessionRunning, kHeldBack };
  // Records thread: runs job (a forget) once nothing of user_id's is left to write, with the
  // writer held meanwhile, so that no line of theirs is written during it and none after it
  // but of a session that began after. Not run: user_id's session has started and its end is
  // not yet queued (it would be written after the job), or lines are held back (as flush()
  // says). Not from inside a job.
  Quiet while_quiet_for(const std::string& user_id, const std::function<void()>& job);

 private:
  using Record = std::variant<store::SessionStartRecord, store::SessionEndRecord,
                              store::SessionAdjustmentRecord>;
  struct Item {
    std::uint64_t line = 0;  // numbered as queued
    Record record;
  };
  // Why a line is not in the history.
  enum class Missing { kRefused, kPastTheFirstChanges, kDropped };
  std::uint64_t push(Record record);
  std::uint64_t queue_line(Record record) CHAIRD_REQUIRES(mutex_);
  void remember_missing(const Item& item, Missing why, std::string text = {})
      CHAIRD_REQUIRES(mutex_);
  bool running_for(const std::string& user_id) const CHAIRD_REQUIRES(mutex_);
  // Waits until everything queued is written (true) or a try finds the lock held (false).
  bool drain(MutexLock& lock) CHAIRD_REQUIRES(mutex_);
  void run();
  // The writer's thread: writes the batch in order, up to the first line the lock keeps out;
  // returns how many were done (written, or failed for good and logged).
  std::size_t write(const std::vector<Item>& batch, int busy_timeout_ms, std::string& busy_text);

  store::SessionHistoryStore& store_;
  WallClock now_;
  const HistoryRecorderOptions options_;
  Mutex mutex_;  // shared with the dispatch thread only for a push
  // The session whose end is queued already. Under the mutex, not the dispatch thread's: the
  // first status is published by the thread that builds the session manager.
  std::string last_ended_ CHAIRD_GUARDED_BY(mutex_);
  // The session started last, and its sitter (empty: not signed in), until its end is queued.
  std::string running_session_ CHAIRD_GUARDED_BY(mutex_);
  std::string running_user_ CHAIRD_GUARDED_BY(mutex_);
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Item> queue_ CHAIRD_GUARDED_BY(mutex_);
  std::uint64_t next_line_ CHAIRD_GUARDED_BY(mutex_) = 1;
  std::size_t in_flight_ CHAIRD_GUARDED_BY(mutex_) = 0;
  // Times the writer found the lock held: a flush waits for the next, not for the lock.
  std::uint64_t lockouts_ CHAIRD_GUARDED_BY(mutex_) = 0;
  bool locked_out_ CHAIRD_GUARDED_BY(mutex_) = false;    // told in the log once, until it goes
  std::uint64_t dropped_ CHAIRD_GUARDED_BY(mutex_) = 0;  // past max_queued_lines, not yet told
  bool stopping_ CHAIRD_GUARDED_BY(mutex_) = false;
  bool writer_held_ CHAIRD_GUARDED_BY(mutex_) = false;  // while_quiet_for's job runs
  // What the last sessions' calls may ask about: each session's start line and its lines not in
  // the history, and why. Kept per session, so that a flood of one session's (or many
  // sessions') refusals cannot make another's line look written.
  struct Refused {
    std::uint64_t line = 0;
    bool start = false;  // the session's start: none of its changes is in the history either
    Missing why = Missing::kRefused;
    std::string text;  // kRefused: the database's words, one plain line
  };
  struct SessionLines {
    std::string session_id;
    std::uint64_t start_line = 0;  // 0: not queued here
    std::vector<Refused> missing;  // the first few; the first change past the bound once
    // The lowest line left out but not in missing: from it on, nothing found is not proof.
    std::uint64_t untold_from = std::numeric_limits<std::uint64_t>::max();
  };
  // Found or added (starting: by its start; otherwise it vouches for none of its lines).
  SessionLines& lines_of(const std::string& session_id, bool starting) CHAIRD_REQUIRES(mutex_);
  std::deque<SessionLines> sessions_ CHAIRD_GUARDED_BY(mutex_);  // the last few, oldest first
  std::thread thread_;
};

}  // namespace chaird::api
