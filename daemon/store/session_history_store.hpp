// What each session was, for the sitter's own history: who, which program, how strong, how it
// ended, and the sitter's feedback afterwards. A session's row is written in two halves that
// may arrive in either order (its start from the API, its end from the status stream), and
// feedback later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "store/state_database.hpp"

namespace chaird::store {

struct SessionStartRecord {
  std::string session_id;
  std::string user_id;  // empty: a sitter who did not sign in
  std::string program_id;
  std::string program_name;
  std::string client;
  std::int64_t started_at_unix_ms = 0;
  std::int64_t planned_duration_ms = 0;
  double intensity_scale = 1.0;
  double speed_scale = 1.0;
};

struct SessionEndRecord {
  std::string session_id;
  std::int64_t ended_at_unix_ms = 0;
  std::string end_state;  // COMPLETED, STOPPED, EMERGENCY_STOPPED, FAULTED, ...
  std::string end_reason;
  std::int64_t elapsed_ms = 0;  // how far into the program it got
};

// A discomfort score: 0 (none) to this (the worst).
constexpr int kMaxDiscomfort = 10;

struct SessionFeedbackRecord {
  std::string session_id;
  std::optional<int> discomfort_before;  // 0..kMaxDiscomfort
  std::optional<int> discomfort_after;   // 0..kMaxDiscomfort
  std::vector<std::string> too_strong_zones;
  std::string note;
};

// A session keeps at most this many adjustments (the first).
inline constexpr int kMaxAdjustmentsPerSession = 200;

// A change made during the session (AdjustSession).
struct SessionAdjustmentRecord {
  std::string session_id;
  std::int64_t at_program_ms = 0;
  std::string change;  // "intensity 0.8; too strong: shoulders"
};

// Why a line of history was not written. busy: another process held the database's write lock
// past the busy timeout, and the same line can be written once it lets go.
struct HistoryWriteFailure {
  std::string text;    // "<path>: <SQLite's words>", for the log
  std::string reason;  // SQLite's words alone, for a note a kiosk shows
  bool busy = false;
};

// Where a page of the history ends: the next page lists the sessions after it, older ones.
struct HistoryCursor {
  std::int64_t started_at_unix_ms = 0;
  std::int64_t row = 0;  // the session's row in the database, which orders equal start times
  friend bool operator==(const HistoryCursor&, const HistoryCursor&) = default;
};

struct HistoryRow {
  SessionStartRecord start;
  std::vector<SessionAdjustmentRecord> adjustments;  // in order
  std::optional<SessionEndRecord> end;  // none while the session runs (or if chaird died)
  SessionFeedbackRecord feedback;
  HistoryCursor cursor;  // where this row is in the list
};

class SessionHistoryStore {
 public:
  explicit SessionHistoryStore(StateDatabase& db) : db_(db) {}

  // busy_timeout_ms: how long to wait for another process's lock; -1: the database's own.
  Expected<bool, HistoryWriteFailure> record_start(const SessionStartRecord& r,
                                                   int busy_timeout_ms = -1);
  Expected<bool, HistoryWriteFailure> record_end(const SessionEndRecord& r,
                                                 int busy_timeout_ms = -1);
  // false: not kept, for the session has its first kMaxAdjustmentsPerSession already. A line
  // another program's trigger drops (RAISE(IGNORE)) is a failure, not busy.
  Expected<bool, HistoryWriteFailure> record_adjustment(const SessionAdjustmentRecord& r,
                                                        int busy_timeout_ms = -1);
  // false when no such session is known; feedback given again replaces the earlier.
  Expected<bool, std::string> record_feedback(const SessionFeedbackRecord& r);
  // The user's sessions, newest first; at most limit of them, from the one after `after` (a
  // row's cursor) when given.
  Expected<std::vector<HistoryRow>, std::string> list(
      const std::string& user_id, std::int64_t limit,
      const std::optional<HistoryCursor>& after = std::nullopt);
  // The user id a session was started for, if the session is known.
  Expected<std::optional<std::string>, std::string> owner(const std::string& session_id);

 private:
  StateDatabase& db_;
};

// The rows as CSV (RFC 4180, a header line first), safe to open in a spreadsheet: a text cell
// that a spreadsheet would take for a formula is prefixed with an apostrophe.
std::string history_csv(const std::vector<HistoryRow>& rows);
// The same in parts, for an answer built up to a size: the header line, and one row's line.
std::string history_csv_header();
std::string history_csv_line(const HistoryRow& row);

}  // namespace chaird::store
