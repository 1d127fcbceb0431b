#include "store/session_history_store.hpp"

#include <fmt/format.h>

#include <limits>

namespace chaird::store {

namespace {

std::string join_zones(const std::vector<std::string>& zones) {
  std::string out;
  for (const auto& z : zones) out += (out.empty() ? "" : ",") + z;
  return out;
}

std::vector<std::string> split_zones(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from < text.size()) {
    const auto comma = text.find(',', from);
    const auto to = comma == std::string::npos ? text.size() : comma;
    if (to > from) out.push_back(text.substr(from, to - from));
    from = to + 1;
  }
  return out;
}

// A discomfort score as chaird writes it (0 to kMaxDiscomfort), or none: another program may have
// written anything into the row, and a score past an int would overflow the sums relief is judged
// on.
std::optional<int> score(const Statement& stmt, int column) {
  if (stmt.is_null(column)) return std::nullopt;
  const std::int64_t v = stmt.integer(column);
  if (v < 0 || v > kMaxDiscomfort) return std::nullopt;
  return static_cast<int>(v);
}

std::string csv_cell(const std::string& text) {
  std::string value = text;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    value.insert(value.begin(), '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string iso_utc(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// A write's failure, told whether it may succeed later. Under the database's lock: the
// connection remembers its last failure.
Unexpected<HistoryWriteFailure> failure(const std::string& text, const SqliteConnection& db) {
  const std::string where = db.path() + ": ";
  return Unexpected{HistoryWriteFailure{text,
                                        text.starts_with(where) ? text.substr(where.size()) : text,
                                        db.last_failure_was_busy()}};
}

// A line a statement that ran did not write: another program's trigger dropped it
// (RAISE(IGNORE)). Not busy: trying again would drop it again.
Unexpected<HistoryWriteFailure> left_out(const SqliteConnection& db) {
  const std::string reason = "the database left it out (another program's trigger)";
  return Unexpected{HistoryWriteFailure{db.path() + ": " + reason, reason, false}};
}

Expected<bool, HistoryWriteFailure> written(const Expected<bool, std::string>& done,
                                            const SqliteConnection& db) {
  if (done) return true;
  return failure(done.error(), db);
}

// For one call, under the database's lock: another wait for another process's lock, then the
// database's own again.
class BusyTimeout {
 public:
  BusyTimeout(StateDatabase& db, SqliteConnection& connection, int ms)
      : db_(db), connection_(connection), set_(ms >= 0) {
    if (set_) connection_.set_busy_timeout(ms);
  }
  ~BusyTimeout() {
    if (set_) connection_.set_busy_timeout(db_.busy_timeout_ms());
  }
  BusyTimeout(const BusyTimeout&) = delete;
  BusyTimeout& operator=(const BusyTimeout&) = delete;

 private:
  StateDatabase& db_;
  SqliteConnection& connection_;
  bool set_;
};

}  // namespace

Expected<bool, HistoryWriteFailure> SessionHistoryStore::record_start(const SessionStartRecord& r,
                                                                      int busy_timeout_ms) {
  MutexLock guard(db_.mutex());
  const BusyTimeout patience(db_, db_.connection(), busy_timeout_ms);
  auto stmt = db_.connection().prepare(
      "INSERT INTO sessions (session_id, user_id, program_id, program_name, client, "
      "started_at_unix_ms, planned_duration_ms, intensity_scale, speed_scale) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET "
      "user_id = excluded.user_id, program_id = excluded.program_id, "
      "program_name = excluded.program_name, client = excluded.client, "
      "started_at_unix_ms = excluded.started_at_unix_ms, "
      "planned_duration_ms = excluded.planned_duration_ms, "
      "intensity_scale = excluded.intensity_scale, speed_scale = excluded.speed_scale");
  if (!stmt) return failure(stmt.error(), db_.connection());
  auto ran = stmt->bind(1, r.session_id)
                 .bind(2, r.user_id)
                 .bind(3, r.program_id)
                 .bind(4, r.program_name)
                 .bind(5, r.client)
                 .bind(6, r.started_at_unix_ms)
                 .bind(7, r.planned_duration_ms)
                 .bind(8, r.intensity_scale)
                 .bind(9, r.speed_scale)
                 .run();
  if (!ran) return failure(ran.error(), db_.connection());
  // An insert or an update changes one row; none: dropped.
  if (db_.connection().changes() == 0) return left_out(db_.connection());
  return true;
}

Expected<bool, HistoryWriteFailure> SessionHistoryStore::record_adjustment(
    const SessionAdjustmentRecord& r, int busy_timeout_ms) {
  MutexLock guard(db_.mutex());
  const BusyTimeout patience(db_, db_.connection(), busy_timeout_ms);
  // The first kMaxAdjustmentsPerSession of a session: a kiosk in a loop must not grow a
  // sitter's history (and every answer that lists it) without bound.
  auto stmt = db_.connection().prepare(fmt::format(
      "INSERT INTO session_adjustments (session_id, at_program_ms, change) SELECT ?1, ?2, ?3 "
      "WHERE (SELECT COUNT(*) FROM session_adjustments WHERE session_id = ?1) < {}",
      kMaxAdjustmentsPerSession));
  if (!stmt) return failure(stmt.error(), db_.connection());
  auto ran = stmt->bind(1, r.session_id).bind(2, r.at_program_ms).bind(3, r.change).run();
  if (!ran) return failure(ran.error(), db_.connection());
  if (db_.connection().changes() > 0) return true;
  // Past the bound, or dropped by another program's trigger: the count tells which.
  auto count =
      db_.connection().prepare("SELECT COUNT(*) FROM session_adjustments WHERE session_id = ?");
  if (!count) return failure(count.error(), db_.connection());
  auto row = count->bind(1, r.session_id).step();
  if (!row) return failure(row.error(), db_.connection());
  if (*row && count->integer(0) >= kMaxAdjustmentsPerSession) return false;
  return left_out(db_.connection());
}

Expected<bool, HistoryWriteFailure> SessionHistoryStore::record_end(const SessionEndRecord& r,
                                                                    int busy_timeout_ms) {
  MutexLock guard(db_.mutex());
  const BusyTimeout patience(db_, db_.connection(), busy_timeout_ms);
  auto stmt = db_.connection().prepare(
      "INSERT INTO sessions (session_id, ended_at_unix_ms, end_state, end_reason, elapsed_ms) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET "
      "ended_at_unix_ms = excluded.ended_at_unix_ms, end_state = excluded.end_state, "
      "end_reason = excluded.end_reason, elapsed_ms = excluded.elapsed_ms");
  if (!stmt) return failure(stmt.error(), db_.connection());
  return written(stmt->bind(1, r.session_id)
                     .bind(2, r.ended_at_unix_ms)
                     .bind(3, r.end_state)
                     .bind(4, r.end_reason)
                     .bind(5, r.elapsed_ms)
                     .run(),
                 db_.connection());
}

Expected<bool, std::string> SessionHistoryStore::record_feedback(const SessionFeedbackRecord& r) {
  MutexLock guard(db_.mutex());
  auto& db = db_.connection();
  auto stmt = db.prepare(
      "UPDATE sessions SET discomfort_before = ?, discomfort_after = ?, too_strong_zones = ?, "
      "feedback_note = ? WHERE session_id = ?");
  if (!stmt) return Unexpected{stmt.error()};
  if (r.discomfort_before) {
    stmt->bind(1, static_cast<std::int64_t>(*r.discomfort_before));
  } else {
    stmt->bind_null(1);
  }
  if (r.discomfort_after) {
    stmt->bind(2, static_cast<std::int64_t>(*r.discomfort_after));
  } else {
    stmt->bind_null(2);
  }
  stmt->bind(3, join_zones(r.too_strong_zones)).bind(4, r.note).bind(5, r.session_id);
  if (auto done = stmt->run(); !done) return done;
  return db.changes() > 0;
}

Expected<std::vector<HistoryRow>, std::string> SessionHistoryStore::list(
    const std::string& user_id, std::int64_t limit, const std::optional<HistoryCursor>& after) {
  MutexLock guard(db_.mutex());
  // Without a cursor, from before the first row there can be.
  const HistoryCursor from = after.value_or(HistoryCursor{
      std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()});
  auto stmt = db_.connection().prepare(
      "SELECT session_id, user_id, program_id, program_name, client, started_at_unix_ms, "
      "planned_duration_ms, intensity_scale, speed_scale, ended_at_unix_ms, end_state, "
      "end_reason, elapsed_ms, discomfort_before, discomfort_after, too_strong_zones, "
      "feedback_note, rowid FROM sessions WHERE user_id = ? "
      "AND (started_at_unix_ms < ? OR (started_at_unix_ms = ? AND rowid < ?)) "
      "ORDER BY started_at_unix_ms DESC, rowid DESC LIMIT ?");
  if (!stmt) return Unexpected{stmt.error()};
  stmt->bind(1, user_id)
      .bind(2, from.started_at_unix_ms)
      .bind(3, from.started_at_unix_ms)
      .bind(4, from.row)
      .bind(5, limit);
  std::vector<HistoryRow> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return Unexpected{row.error()};
    if (!*row) break;
    HistoryRow h;
    h.start = {stmt->text(0),    stmt->text(1),    stmt->text(2), stmt->text(3), stmt->text(4),
               stmt->integer(5), stmt->integer(6), stmt->real(7), stmt->real(8)};
    if (!stmt->is_null(9)) {
      h.end = SessionEndRecord{stmt->text(0), stmt->integer(9), stmt->text(10), stmt->text(11),
                               stmt->integer(12)};
    }
    h.feedback.session_id = stmt->text(0);
    h.feedback.discomfort_before = score(*stmt, 13);
    h.feedback.discomfort_after = score(*stmt, 14);
    h.feedback.too_strong_zones = split_zones(stmt->text(15));
    h.feedback.note = stmt->text(16);
    h.cursor = {h.start.started_at_unix_ms, stmt->integer(17)};
    out.push_back(std::move(h));
  }
  auto adjusted = db_.connection().prepare(
      "SELECT at_program_ms, change FROM session_adjustments WHERE session_id = ? "
      "ORDER BY number");
  if (!adjusted) return Unexpected{adjusted.error()};
  for (auto& h : out) {
    adjusted->reset();
    adjusted->bind(1, h.start.session_id);
    for (;;) {
      auto row = adjusted->step();
      if (!row) return Unexpected{row.error()};
      if (!*row) break;
      h.adjustments.push_back({h.start.session_id, adjusted->integer(0), adjusted->text(1)});
    }
  }
  return out;
}

Expected<std::optional<std::string>, std::string> SessionHistoryStore::owner(
    const std::string& session_id) {
  MutexLock guard(db_.mutex());
  auto stmt = db_.connection().prepare("SELECT user_id FROM sessions WHERE session_id = ?");
  if (!stmt) return Unexpected{stmt.error()};
  stmt->bind(1, session_id);
  auto row = stmt->step();
  if (!row) return Unexpected{row.error()};
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

std::string history_csv_header() {
  return "session_id,started_at,program_id,program_name,planned_min,intensity_scale,speed_scale,"
         "ended_at,how_it_ended,minutes_done,discomfort_before,discomfort_after,too_strong_zones,"
         "note,adjustments\r\n";
}

std::string history_csv_line(const HistoryRow& r) {
  const auto number = [](const std::optional<int>& v) {
    return v ? std::to_string(*v) : std::string();
  };
  // Each adjustment as "at minute: change", in order.
  std::string adjustments;
  for (const auto& a : r.adjustments) {
    adjustments += fmt::format("{}{:.1f} min: {}", adjustments.empty() ? "" : " | ",
                               static_cast<double>(a.at_program_ms) / 60000.0, a.change);
  }
  return fmt::format(
      "{},{},{},{},{:.1f},{:.2f},{:.2f},{},{},{},{},{},{},{},{}\r\n", csv_cell(r.start.session_id),
      r.start.started_at_unix_ms > 0 ? iso_utc(r.start.started_at_unix_ms) : "",
      csv_cell(r.start.program_id), csv_cell(r.start.program_name),
      static_cast<double>(r.start.planned_duration_ms) / 60000.0, r.start.intensity_scale,
      r.start.speed_scale, r.end ? iso_utc(r.end->ended_at_unix_ms) : "",
      r.end ? csv_cell(r.end->end_state) : "",
      r.end ? fmt::format("{:.1f}", static_cast<double>(r.end->elapsed_ms) / 60000.0) : "",
      number(r.feedback.discomfort_before), number(r.feedback.discomfort_after),
      csv_cell(join_zones(r.feedback.too_strong_zones)), csv_cell(r.feedback.note),
      csv_cell(adjustments));
}

std::string history_csv(const std::vector<HistoryRow>& rows) {
  std::string out = history_csv_header();
  for (const auto& r : rows) out += history_csv_line(r);
  return out;
}

}  // namespace chaird::store
