// The session history's writer when another process holds the database's write lock (sqlite3
// on the command line, a backup): a line is kept until it can be written, never dropped, and a
// call waiting for it is answered meanwhile.
#include "api/session_history_recorder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/session_history_store.hpp"
#include "store/state_database.hpp"
#include "store/user_profile_store.hpp"
#include "test_support.hpp"

namespace chaird::api {
namespace {

using store::SessionHistoryStore;
using store::StateDatabase;
using ::testing::HasSubstr;
using ::testing::Not;

// Another process's connection, holding the write lock until released.
class HeldLock {
 public:
  explicit HeldLock(const std::string& dir) {
    EXPECT_EQ(sqlite3_open((dir + "/" + StateDatabase::kFileName).c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);  // chaird may be writing a line of its own
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~HeldLock() { release(); }
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  void release() {
    if (db_ == nullptr) return;
    EXPECT_EQ(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

store::SessionStartRecord start_of(const std::string& session_id,
                                   const std::string& program_id = "back") {
  return {session_id, "ann", program_id, "Back", "kiosk", 1000, 900'000, 1.0, 1.0};
}

// What another program does to chaird's database (a trigger that refuses some lines).
void as_another_program(const std::string& dir, const std::string& sql) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/" + StateDatabase::kFileName).c_str(), &other), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(other, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(other);
  sqlite3_close(other);
}

// Another program's triggers: a start of the program 'refused', and a change 'bad', are refused
// for good (not busy: it is not a lock).
constexpr const char* kRefuseStartsOfRefused =
    "CREATE TRIGGER no_refused BEFORE INSERT ON sessions WHEN NEW.program_id = 'refused' "
    "BEGIN SELECT RAISE(ABORT, 'refused'); END;";
constexpr const char* kRefuseChangesBad =
    "CREATE TRIGGER no_bad BEFORE INSERT ON session_adjustments WHEN NEW.change = 'bad' "
    "BEGIN SELECT RAISE(ABORT, 'refused'); END;";

// After another program's lock went: a try that met the lock just before may still be
// counted, so the first flush can say "held back"; the next try writes.
void flush_once_let_go(SessionHistoryRecorder& recorder) {
  for (int i = 0; i < 100 && !recorder.flush(); ++i) {
  }
  ASSERT_TRUE(recorder.flush());
}

std::unique_ptr<StateDatabase> open_database(const std::string& dir) {
  store::StateDatabaseOptions options;
  options.busy_timeout_ms = 50;  // a lock held past this is "busy" at once
  auto db = StateDatabase::open(dir, options);
  EXPECT_TRUE(db) << db.error();
  return std::move(*db);
}

std::size_t sessions_of_ann(SessionHistoryStore& history) {
  auto rows = history.list("ann", 100'000);
  EXPECT_TRUE(rows) << rows.error();
  return rows ? rows->size() : 0;
}

// Found by reading the recorder: a line SQLite reported busy was logged and dropped, and the
// StartSession waiting for it answered OK, so a session the kiosk was told started had no row.
TEST(SessionHistoryRecorder, ALineTheLockKeepsOutIsWrittenOnceTheLockGoes) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  HeldLock lock(dir);
  recorder.session_started(start_of("s-1"));
  recorder.session_adjusted({"s-1", 1000, "intensity 0.8"});
  // Answers once the writer has found the lock held: a start must not wait on another process.
  recorder.flush();
  EXPECT_EQ(sessions_of_ann(history), 0u);
  lock.release();
  recorder.flush();
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 1u) << "the line was dropped while the lock was held";
  EXPECT_EQ(rows->front().start.session_id, "s-1");
  ASSERT_EQ(rows->front().adjustments.size(), 1u);  // and after its start, in order
  EXPECT_EQ(rows->front().adjustments.front().change, "intensity 0.8");
}

// A lock never let go must not grow chaird's memory without bound: past the bound a new line is
// dropped (and counted in the log); the lines before it are kept.
TEST(SessionHistoryRecorder, LinesWaitingForTheLockAreBounded) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  HistoryRecorderOptions options;
  options.retry_after = std::chrono::milliseconds(10);
  options.max_queued_lines = 3;
  SessionHistoryRecorder recorder(
      history, [] { return std::int64_t{5000}; }, options);
  HeldLock lock(dir);
  for (int i = 1; i <= 5; ++i) recorder.session_started(start_of("s-" + std::to_string(i)));
  recorder.flush();
  lock.release();
  recorder.flush();
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  std::vector<std::string> ids;
  for (const auto& row : *rows) ids.push_back(row.start.session_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"s-1", "s-2", "s-3"}));
}

// chaird stopping while another process holds the lock stops: it does not wait for the lock.
TEST(SessionHistoryRecorder, AStopWhileTheLockIsHeldDoesNotWaitForIt) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  HeldLock lock(dir);
  {
    SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
    recorder.session_started(start_of("s-1"));
    recorder.flush();
  }  // returns, with the line logged as unwritten
  lock.release();
  EXPECT_EQ(sessions_of_ann(history), 0u);
}

// Found by review: a line queued after stop() was kept with no writer left, and a flush waited
// for it for ever.
TEST(SessionHistoryRecorder, AFlushAfterStopDoesNotWait) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  recorder.stop();
  recorder.session_started(start_of("s-1"));
  EXPECT_FALSE(recorder.flush());
  EXPECT_EQ(sessions_of_ann(history), 0u);
}

StatusHub::StatusPtr ended(const std::string& session_id) {
  auto status = std::make_shared<chair::v1::SessionStatus>();
  status->set_session_id(session_id);
  status->set_state(chair::v1::STOPPED);
  return status;
}

// What a forget waits for (DeleteUserProfile): the sitter's session from its start until its
// end is queued, whichever order the two reach the recorder in.
TEST(SessionHistoryRecorder, KnowsWhoseSessionIsRunning) {
  using Quiet = SessionHistoryRecorder::Quiet;
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  const auto running = [&](const std::string& user_id) {
    return recorder.while_quiet_for(user_id, [] {}) == Quiet::kSessionRunning;
  };
  EXPECT_FALSE(running("ann"));
  recorder.session_started(start_of("s-1"));
  EXPECT_TRUE(running("ann"));
  EXPECT_FALSE(running("bob"));
  EXPECT_FALSE(running(""));
  recorder.record(ended("s-0"));  // another session's end
  EXPECT_TRUE(running("ann"));
  recorder.record(ended("s-1"));
  EXPECT_FALSE(running("ann"));
  // An end queued before its start: the session is over.
  recorder.record(ended("s-2"));
  recorder.session_started(start_of("s-2"));
  EXPECT_FALSE(running("ann"));
  // A sitter who did not sign in has no one to forget.
  auto anonymous = start_of("s-3");
  anonymous.user_id.clear();
  recorder.session_started(anonymous);
  EXPECT_FALSE(running(""));
  EXPECT_TRUE(recorder.flush());
}

// A forget runs with the writer held, once everything before it is written: a session of the
// sitter's that begins meanwhile is written whole, after it. Found by review: a start that began
// between the forget's checks and its delete was written before the delete, which removed its
// start; its end, written after, was a row of no one that no later forget could find.
TEST(SessionHistoryRecorder, AForgetRunsOnceTheSittersLinesAreWrittenWithTheWriterHeld) {
  using Quiet = SessionHistoryRecorder::Quiet;
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  store::UserProfileStore profiles(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  recorder.session_started(start_of("s-1"));
  EXPECT_EQ(recorder.while_quiet_for("ann", [] { ADD_FAILURE() << "ran while s-1 runs"; }),
            Quiet::kSessionRunning);
  recorder.record(ended("s-1"));
  bool ran = false;
  const Quiet quiet = recorder.while_quiet_for("ann", [&] {
    ran = true;
    EXPECT_EQ(sessions_of_ann(history), 1u) << "s-1's lines were not all written first";
    recorder.session_started(start_of("s-2"));  // begins while the forget runs
    EXPECT_FALSE(recorder.flush()) << "the writer wrote s-2 during the forget";
    auto forgotten = profiles.remove("ann", true);
    ASSERT_TRUE(forgotten) << forgotten.error();
    EXPECT_EQ(forgotten->sessions_forgotten, 1);
  });
  EXPECT_EQ(quiet, Quiet::kDone);
  EXPECT_TRUE(ran);
  EXPECT_TRUE(recorder.flush());
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 1u) << "s-2, whole, after the forget";
  EXPECT_EQ((*rows)[0].start.session_id, "s-2");

  // Lines held back by another process's lock: not run, as flush() says.
  HeldLock lock(dir);
  recorder.record(ended("s-2"));
  EXPECT_EQ(recorder.while_quiet_for("bob", [] { ADD_FAILURE() << "ran while lines wait"; }),
            Quiet::kHeldBack);
  lock.release();
  EXPECT_TRUE(recorder.flush());
}

// What a call is told of its own line: found by review, a note was kept per session, so after
// one change the database refused, every later change (written) was told it was not in the
// history too.
TEST(SessionHistoryRecorder, ANoteSaysWhetherThisLineIsInTheHistory) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  {
    // Another program's trigger refuses one change for good (not busy: it is not a lock).
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/" + StateDatabase::kFileName).c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other,
                           "CREATE TRIGGER no_bad BEFORE INSERT ON session_adjustments "
                           "WHEN NEW.change = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(other);
    sqlite3_close(other);
  }
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  const auto start = recorder.session_started(start_of("s-1"));
  const auto bad = recorder.session_adjusted({"s-1", 1000, "bad"});
  // Two changes at one moment of the program (both made while it was paused): told apart.
  const auto paused = recorder.session_adjusted({"s-1", 1000, "intensity 0.7"});
  const auto good = recorder.session_adjusted({"s-1", 2000, "intensity 0.8"});
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(recorder.history_note("s-1", start, true), "") << "the start is written";
  const std::string refused = recorder.history_note("s-1", bad, true);
  EXPECT_THAT(refused, HasSubstr("is not in the session history"));
  EXPECT_THAT(refused, HasSubstr("(refused)"));
  // SQLite's words, not where the database is: the kiosk's screen is not the log.
  EXPECT_THAT(refused, Not(HasSubstr(dir))) << refused;
  EXPECT_EQ(recorder.history_note("s-1", paused, true), "") << "written, at the same moment";
  EXPECT_EQ(recorder.history_note("s-1", good, true), "") << "this change is written";
  // Held back: may not be there yet, whichever line.
  EXPECT_THAT(recorder.history_note("s-1", good, false), HasSubstr("may not be"));
}

// A session keeps its first 200 changes (a kiosk in a loop must not grow a sitter's history
// without bound). The 201st was answered as if it were in the history: the store counted the
// insert that inserted nothing as done.
TEST(SessionHistoryRecorder, AChangePastASessionsFirst200IsToldItIsNotKept) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  recorder.session_started(start_of("s-1"));
  std::vector<std::uint64_t> changes;
  for (int i = 0; i < store::kMaxAdjustmentsPerSession + 2; ++i)
    changes.push_back(recorder.session_adjusted({"s-1", 1000 + i, "intensity 0.8"}));
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(recorder.history_note("s-1", changes[199], true), "") << "the 200th is kept";
  for (const std::size_t past : {200u, 201u}) {
    const std::string note = recorder.history_note("s-1", changes[past], true);
    EXPECT_THAT(note, HasSubstr("is not in the session history")) << past;
    EXPECT_THAT(note, HasSubstr("first 200 changes")) << note;
  }
  // Another session's changes are its own.
  recorder.session_started(start_of("s-2"));
  const auto other = recorder.session_adjusted({"s-2", 1000, "intensity 0.8"});
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(recorder.history_note("s-2", other, true), "");
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].adjustments.size(), 200u);
}

// Past the lines that may wait for another program's lock, a line is dropped. Its call was
// told "chaird writes it when that program lets go"; it never would.
TEST(SessionHistoryRecorder, ALineDroppedWhileTheLockIsHeldIsToldItIsNotKept) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  SessionHistoryStore history(*db);
  HistoryRecorderOptions options;
  options.retry_after = std::chrono::milliseconds(10);
  options.max_queued_lines = 2;
  SessionHistoryRecorder recorder(
      history, [] { return std::int64_t{5000}; }, options);
  HeldLock lock(dir);
  const auto kept = recorder.session_started(start_of("s-1"));
  recorder.session_started(start_of("s-2"));
  const auto dropped = recorder.session_started(start_of("s-3"));
  for (int i = 0; i < 17; ++i) recorder.session_adjusted({"s-3", 1000 + i, "intensity 0.8"});
  EXPECT_FALSE(recorder.flush());
  // Held back, and told so (not that chaird lost track), however many were dropped after it.
  EXPECT_EQ(recorder.history_note("s-1", kept, false), SessionHistoryRecorder::kHeldBackNote);
  const std::string note = recorder.history_note("s-3", dropped, false);
  EXPECT_THAT(note, HasSubstr("is not in the session history")) << note;
  EXPECT_THAT(note, HasSubstr("2 lines were already waiting")) << note;
  lock.release();
  flush_once_let_go(recorder);
  EXPECT_EQ(recorder.history_note("s-1", kept, true), "");
  EXPECT_THAT(recorder.history_note("s-3", dropped, true), HasSubstr("is not in"));
}

// Found by review, twice: the recorder remembered the last 16 lines left out, of any session.
// A line whose entry later ones had pushed out was told it was written: a retried start (which
// may ask long after), a change of a session whose start was refused. It now remembers per
// session, for the last sessions, and past a session's own bound says it cannot tell.
TEST(SessionHistoryRecorder, ALineLeftOutIsNotToldItIsWrittenWhateverIsLeftOutAfter) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  as_another_program(dir, std::string(kRefuseStartsOfRefused) + kRefuseChangesBad);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  const auto start = recorder.session_started(start_of("s-1", "refused"));
  for (int i = 0; i < 20; ++i)
    recorder.session_started(start_of("other-" + std::to_string(i), "refused"));
  ASSERT_TRUE(recorder.flush());
  EXPECT_THAT(recorder.history_note("s-1", start, true), HasSubstr("is not in"));
  EXPECT_THAT(recorder.history_note("s-1", std::nullopt, true), HasSubstr("is not in"))
      << "a retry's question";
  // Its change is written (the table has no key to its start), but not in the session's history.
  const auto change = recorder.session_adjusted({"s-1", 1000, "intensity 0.8"});
  ASSERT_TRUE(recorder.flush());
  EXPECT_THAT(recorder.history_note("s-1", change, true), HasSubstr("its session's start"));

  // One session's flood of refused changes: the ones it cannot list are not told written.
  const auto s2 = recorder.session_started(start_of("s-2"));
  std::vector<std::uint64_t> bad;
  for (int i = 0; i < 20; ++i) bad.push_back(recorder.session_adjusted({"s-2", 1000 + i, "bad"}));
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(recorder.history_note("s-2", s2, true), "");
  EXPECT_THAT(recorder.history_note("s-2", bad.front(), true), HasSubstr("is not in"));
  EXPECT_THAT(recorder.history_note("s-2", bad.back(), true), HasSubstr("ListSessionHistory"));
  // Another session after all that is told plainly.
  const auto later = recorder.session_started(start_of("s-3"));
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(recorder.history_note("s-3", later, true), "");
  EXPECT_EQ(recorder.history_note("s-3", std::nullopt, true), "");
}

// Found by review: a session that fell out of the last 64 and then had another line left out
// was remembered afresh with that line only, and its earlier refused line was told written.
TEST(SessionHistoryRecorder, ASessionRememberedAfreshDoesNotVouchForItsEarlierLines) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  as_another_program(dir, kRefuseChangesBad);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  recorder.session_started(start_of("s-1"));
  const auto first = recorder.session_adjusted({"s-1", 1000, "bad"});
  ASSERT_TRUE(recorder.flush());
  for (int i = 0; i < 64; ++i) recorder.session_started(start_of("other-" + std::to_string(i)));
  const auto second = recorder.session_adjusted({"s-1", 2000, "bad"});
  ASSERT_TRUE(recorder.flush());
  EXPECT_THAT(recorder.history_note("s-1", second, true), HasSubstr("is not in"));
  EXPECT_NE(recorder.history_note("s-1", first, true), "");
}

// Found by review, twice: the first change past a session's 200 speaks for the later ones, but
// lines of other sessions left out after a later change pushed it out of the 16 remembered, and
// that change was told it was written.
TEST(SessionHistoryRecorder, TheChangesPastTheBoundStayToldWhateverIsLeftOutAfter) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  as_another_program(dir, kRefuseStartsOfRefused);
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  recorder.session_started(start_of("s-1"));
  for (int i = 0; i <= store::kMaxAdjustmentsPerSession; ++i)
    recorder.session_adjusted({"s-1", 1000 + i, "intensity 0.8"});
  for (int i = 0; i < 15; ++i)
    recorder.session_started(start_of("other-" + std::to_string(i), "refused"));
  const auto latest = recorder.session_adjusted({"s-1", 5000, "intensity 0.7"});
  for (int i = 0; i < 16; ++i)
    recorder.session_started(start_of("more-" + std::to_string(i), "refused"));
  ASSERT_TRUE(recorder.flush());
  EXPECT_THAT(recorder.history_note("s-1", latest, true), HasSubstr("first 200 changes"));
}

// Found by review: a trigger that quietly drops a line (RAISE(IGNORE)) left the store reporting
// it written, or, for a change, as past the session's 200 (and every later change with it).
TEST(SessionHistoryRecorder, ALineAnotherProgramQuietlyDropsIsToldItIsNotInTheHistory) {
  const std::string dir = test::make_temp_dir("state");
  auto db = open_database(dir);
  as_another_program(dir,
                     "CREATE TRIGGER quiet_change BEFORE INSERT ON session_adjustments WHEN "
                     "NEW.change = 'x' BEGIN SELECT RAISE(IGNORE); END; "
                     "CREATE TRIGGER quiet_start BEFORE INSERT ON sessions WHEN "
                     "NEW.program_id = 'ignored' BEGIN SELECT RAISE(IGNORE); END");
  SessionHistoryStore history(*db);
  SessionHistoryRecorder recorder(history, [] { return std::int64_t{5000}; });
  const auto start = recorder.session_started(start_of("s-1"));
  const auto x = recorder.session_adjusted({"s-1", 1000, "x"});
  const auto y = recorder.session_adjusted({"s-1", 2000, "y"});
  const auto ignored = recorder.session_started(start_of("s-2", "ignored"));
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(recorder.history_note("s-1", start, true), "");
  EXPECT_THAT(recorder.history_note("s-1", x, true), HasSubstr("is not in the session history"));
  EXPECT_THAT(recorder.history_note("s-1", x, true), Not(HasSubstr("first 200")));
  EXPECT_EQ(recorder.history_note("s-1", y, true), "");
  EXPECT_THAT(recorder.history_note("s-2", ignored, true),
              HasSubstr("is not in the session history"));
}

}  // namespace
}  // namespace chaird::api
