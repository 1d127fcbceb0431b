// chaird's database: created with its schema, migrated forward, refused (and left alone) when
// unreadable, damaged or newer, and never half-written by a process killed during a save.
#include "store/state_database.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/custom_program_store.hpp"
#include "store/heat_dose_store.hpp"
#include "store/session_history_store.hpp"
#include "store/user_profile_store.hpp"
#include "test_support.hpp"

namespace chaird::store {
namespace {

namespace fs = std::filesystem;
using test::make_temp_dir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string db_path(const std::string& dir) {
  return dir + "/" + StateDatabase::kFileName;
}

TEST(StateDatabase, CreatesItsDirectoryAndTheWholeSchemaPrivateToChaird) {
  const std::string dir = make_temp_dir("state") + "/nested/state";
  auto db = StateDatabase::open(dir);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ((*db)->schema_version(), static_cast<int>(StateDatabase::migrations().size()));
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(db_path(dir)).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  MutexLock lock((*db)->mutex());
  auto mode = (*db)->connection().query_text("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  EXPECT_EQ(*mode, "wal");
}

TEST(StateDatabase, CountsDaemonStartsAcrossReopening) {
  const std::string dir = make_temp_dir("state");
  {
    auto db = StateDatabase::open(dir);
    ASSERT_TRUE(db) << db.error();
    auto first = (*db)->record_daemon_start(1000);
    ASSERT_TRUE(first) << first.error();
    EXPECT_EQ(*first, 1);
  }
  auto db = StateDatabase::open(dir);
  ASSERT_TRUE(db) << db.error();
  auto second = (*db)->record_daemon_start(2000);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(*second, 2);
}

TEST(StateDatabase, MigratesAnOlderSchemaAndKeepsItsData) {
  const std::string dir = make_temp_dir("state");
  {
    // What the first chaird with a database wrote: schema version 1 only.
    auto old = StateDatabase::open_with(dir, StateDatabase::migrations().first(1));
    ASSERT_TRUE(old) << old.error();
    ASSERT_EQ((*old)->schema_version(), 1);
    CustomProgramStore programs(**old);
    ASSERT_TRUE(programs.put({"mine", "text of mine", 5}));
  }
  auto db = StateDatabase::open(dir);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ((*db)->schema_version(), static_cast<int>(StateDatabase::migrations().size()));
  CustomProgramStore programs(**db);
  auto all = programs.all();
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().text, "text of mine");
  SessionHistoryStore history(**db);  // the table version 2 added is there
  EXPECT_TRUE(history.record_start({"s-1", "ann", "p", "P", "kiosk", 1, 2, 1.0, 1.0}));
  EXPECT_TRUE(history.record_adjustment({"s-1", 5, "intensity 0.8"}));  // and version 4's
}

TEST(StateDatabase, AHistoryFromBeforeAdjustmentsWereKeptGainsThemAndKeepsItsSessions) {
  const std::string dir = make_temp_dir("state");
  {
    auto old = StateDatabase::open_with(dir, StateDatabase::migrations().first(3));
    ASSERT_TRUE(old) << old.error();
    SessionHistoryStore history(**old);
    ASSERT_TRUE(history.record_start({"s-1", "ann", "p", "P", "kiosk", 1, 2, 1.0, 1.0}));
  }
  auto db = StateDatabase::open(dir);
  ASSERT_TRUE(db) << db.error();
  SessionHistoryStore history(**db);
  ASSERT_TRUE(history.record_adjustment({"s-1", 60'000, "too strong: shoulders"}));
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 1u);
  ASSERT_EQ(rows->front().adjustments.size(), 1u);
  EXPECT_EQ(rows->front().adjustments.front().change, "too strong: shoulders");
}

// Each save replaces the last as a whole; a table another program filled is read only as far
// as the latest kMaxHeatSpans.
TEST(HeatDoseStore, ASaveReplacesTheLastAndOnlyTheLatestRowsAreRead) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  HeatDoseStore heat(**db);
  ASSERT_TRUE(
      heat.replace({{"heat.lumbar", 1000, 2000, "", 0, 0}, {"heat.calf", 1500, 2500, "", 0, 0}}));
  ASSERT_TRUE(heat.replace({{"heat.lumbar", 1000, 3000, "boot-1", 10, 2010}}));
  auto rows = heat.all();
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().actuator, "heat.lumbar");
  EXPECT_EQ(rows->front().ended_unix_ms, 3000);
  EXPECT_EQ(rows->front().boot_id, "boot-1");
  EXPECT_EQ(rows->front().began_boot_ms, 10);
  EXPECT_EQ(rows->front().ended_boot_ms, 2010);

  std::vector<HeatSpan> many;
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(kMaxHeatSpans) + 5; ++k)
    many.push_back({"heat.lumbar", k * 10, k * 10 + 5, "", 0, 0});
  ASSERT_TRUE(heat.replace(many));
  rows = heat.all();
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), kMaxHeatSpans);
  EXPECT_EQ(rows->front().ended_unix_ms, many.back().ended_unix_ms) << "the latest first";
}

// A table another program dropped is an error to report, not an exception.
TEST(HeatDoseStore, AMissingTableIsAnErrorWithThePath) {
  const std::string dir = make_temp_dir("state");
  auto db = StateDatabase::open(dir);
  ASSERT_TRUE(db) << db.error();
  {
    MutexLock lock((*db)->mutex());
    ASSERT_TRUE((*db)->connection().exec("DROP TABLE heat_spans"));
  }
  HeatDoseStore heat(**db);
  const auto rows = heat.all();
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().find("heat_spans"), std::string::npos) << rows.error();
}

TEST(SessionHistoryStore, KeepsEachSessionsAdjustmentsInOrder) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  SessionHistoryStore history(**db);
  ASSERT_TRUE(history.record_start({"s-1", "ann", "back", "Back", "kiosk", 1000, 900'000, 1, 1}));
  ASSERT_TRUE(history.record_start({"s-2", "ann", "neck", "Neck", "kiosk", 2000, 600'000, 1, 1}));
  ASSERT_TRUE(history.record_adjustment({"s-1", 90'000, "intensity 0.8"}));
  ASSERT_TRUE(history.record_adjustment({"s-2", 30'000, "focus: neck"}));
  ASSERT_TRUE(history.record_adjustment({"s-1", 30'000, "too strong: lumbar"}));
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  const auto& s1 = (*rows)[1];
  ASSERT_EQ(s1.start.session_id, "s-1");
  ASSERT_EQ(s1.adjustments.size(), 2u);
  // In the order they were made, not by program time.
  EXPECT_EQ(s1.adjustments[0].change, "intensity 0.8");
  EXPECT_EQ(s1.adjustments[0].at_program_ms, 90'000);
  EXPECT_EQ(s1.adjustments[1].change, "too strong: lumbar");
  ASSERT_EQ((*rows)[0].adjustments.size(), 1u);
  EXPECT_EQ((*rows)[0].adjustments[0].change, "focus: neck");
  // A kiosk in a loop: the first 200 are kept.
  // It has one already; past the bound, the store says the change is not kept.
  for (int i = 0; i < kMaxAdjustmentsPerSession + 50; ++i) {
    auto kept = history.record_adjustment({"s-2", i, fmt::format("intensity {}", i)});
    ASSERT_TRUE(kept) << kept.error().text;
    EXPECT_EQ(*kept, i < kMaxAdjustmentsPerSession - 1) << i;
  }
  auto capped = history.list("ann", 10);
  ASSERT_TRUE(capped) << capped.error();
  EXPECT_EQ((*capped)[0].adjustments.size(), static_cast<std::size_t>(kMaxAdjustmentsPerSession));
  EXPECT_EQ((*capped)[0].adjustments.back().change, "intensity 198");
  const std::string csv = history_csv({s1});
  EXPECT_NE(csv.find(",adjustments\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",1.5 min: intensity 0.8 | 0.5 min: too strong: lumbar\r\n"),
            std::string::npos)
      << csv;
}

TEST(StateDatabase, RefusesADatabaseFromANewerChairdAndLeavesItAsItIs) {
  const std::string dir = make_temp_dir("state");
  {
    auto db = StateDatabase::open(dir);
    ASSERT_TRUE(db) << db.error();
    MutexLock lock((*db)->mutex());
    ASSERT_TRUE((*db)->connection().exec("PRAGMA user_version = 99"));
  }
  const std::string before = read_bytes(db_path(dir));
  auto db = StateDatabase::open(dir);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find(db_path(dir)), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("newer chaird"), std::string::npos) << db.error();
  EXPECT_EQ(read_bytes(db_path(dir)), before);
}

// Another program may set any schema version: one below zero is no chaird's, and is refused
// like a newer one, the file left as it is (not migrated from a version that does not exist).
TEST(StateDatabase, RefusesADatabaseWithASchemaVersionBelowZeroAndLeavesItAsItIs) {
  const std::string dir = make_temp_dir("state");
  {
    auto db = StateDatabase::open(dir);
    ASSERT_TRUE(db) << db.error();
    MutexLock lock((*db)->mutex());
    ASSERT_TRUE((*db)->connection().exec("PRAGMA user_version = -1"));
  }
  const std::string before = read_bytes(db_path(dir));
  auto db = StateDatabase::open(dir);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find(db_path(dir)), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("schema version -1"), std::string::npos) << db.error();
  EXPECT_EQ(read_bytes(db_path(dir)), before);
}

TEST(StateDatabase, ANewerDatabaseIsNotEvenSwitchedToWriteAheadLogging) {
  const std::string dir = make_temp_dir("state");
  {
    // A newer chaird's database, in SQLite's default rollback-journal mode.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_path(dir).c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE future (x); PRAGMA user_version = 99", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  const std::string before = read_bytes(db_path(dir));
  auto db = StateDatabase::open(dir);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find("newer chaird"), std::string::npos) << db.error();
  EXPECT_EQ(read_bytes(db_path(dir)), before);
  EXPECT_FALSE(fs::exists(db_path(dir) + "-wal"));
}

TEST(StateDatabase, RefusesAStateDirectoryItsGroupMayWriteToAndKeepsTheFilePrivate) {
  const std::string shared = make_temp_dir("state");
  ::chmod(shared.c_str(), 0770);
  auto refused = StateDatabase::open(shared);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("chmod go-w"), std::string::npos) << refused.error();

  const std::string dir = make_temp_dir("state");
  { ASSERT_TRUE(StateDatabase::open(dir)); }
  ::chmod(db_path(dir).c_str(), 0644);  // someone loosened it
  ASSERT_TRUE(StateDatabase::open(dir));
  EXPECT_EQ(fs::status(db_path(dir)).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(StateDatabase, RefusesAFileThatIsNotADatabaseNamingItAndNeverReplacesIt) {
  const std::string dir = make_temp_dir("state");
  const std::string junk = "this is a shopping list, not a database\n" + std::string(5000, 'x');
  std::ofstream(db_path(dir), std::ios::binary) << junk;
  auto db = StateDatabase::open(dir);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find(db_path(dir)), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("not a database"), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("move it aside"), std::string::npos) << db.error();
  EXPECT_EQ(read_bytes(db_path(dir)), junk);
}

TEST(StateDatabase, RefusesADamagedDatabaseNamingIt) {
  const std::string dir = make_temp_dir("state");
  {
    auto db = StateDatabase::open(dir);
    ASSERT_TRUE(db) << db.error();
    CustomProgramStore programs(**db);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(programs.put({"p" + std::to_string(i), std::string(2000, 'a' + i % 26), i}));
    }
  }  // closing checkpoints the log into the file
  std::string bytes = read_bytes(db_path(dir));
  ASSERT_GT(bytes.size(), 40'000u);
  // Scribble over the middle of the file, as a failing card would.
  for (std::size_t i = 20'000; i < 36'000; ++i) bytes[i] = static_cast<char>(i * 7);
  std::ofstream(db_path(dir), std::ios::binary | std::ios::trunc) << bytes;
  auto db = StateDatabase::open(dir);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find(db_path(dir)), std::string::npos) << db.error();
  EXPECT_EQ(read_bytes(db_path(dir)), bytes);
}

TEST(StateDatabase, RefusesAStateDirectoryEveryoneMayWriteTo) {
  const std::string dir = make_temp_dir("state");
  ::chmod(dir.c_str(), 0777);
  auto db = StateDatabase::open(dir);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find("writable by others than its owner"), std::string::npos) << db.error();
  EXPECT_FALSE(fs::exists(db_path(dir)));
}

TEST(CustomProgramStore, SavesReplacesListsAndDeletes) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  CustomProgramStore programs(**db);
  ASSERT_TRUE(programs.put({"b", "text b", 1}));
  ASSERT_TRUE(programs.put({"a", "text a", 2}));
  ASSERT_TRUE(programs.put({"b", "text b2", 3}));
  auto all = programs.all();
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
  EXPECT_EQ((*all)[1].text, "text b2");
  EXPECT_EQ((*all)[1].saved_at_unix_ms, 3);
  auto removed = programs.remove("a");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto again = programs.remove("a");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(programs.all()->size(), 1u);
}

// A process killed with SIGKILL during a save, at its kill_at-th commit (a save that commits
// in pieces would be caught between them): true when it died, false when the save finished
// first.
bool save_or_die(const std::string& dir, const StoredProgram& program, int kill_at) {
  const pid_t child = fork();
  if (child < 0) {
    ADD_FAILURE() << "fork: " << errno;
    return false;
  }
  if (child == 0) {
    StateDatabaseOptions options;
    options.before_commit = [kill_at, commits = 0]() mutable {
      if (++commits == kill_at) ::raise(SIGKILL);
    };
    auto db = StateDatabase::open(dir, std::move(options));
    if (!db) ::_exit(3);
    CustomProgramStore programs(**db);
    ::_exit(programs.put(program) ? 0 : 4);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) {
    ADD_FAILURE() << "waitpid: " << errno;
    return false;
  }
  if (WIFSIGNALED(status)) {
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    return true;
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the save failed";
  return false;
}

std::vector<StoredProgram> stored(const std::string& dir) {
  auto db = StateDatabase::open(dir);
  if (!db) {
    ADD_FAILURE() << db.error();
    return {};
  }
  auto all = CustomProgramStore(**db).all();
  if (!all) ADD_FAILURE() << all.error();
  return all ? *all : std::vector<StoredProgram>{};
}

TEST(CustomProgramStore, AProcessKilledInTheMiddleOfASaveLeavesTheOldTextWhole) {
  const std::string dir = make_temp_dir("state");
  const StoredProgram old_text{"mine", std::string(50'000, 'o'), 1};
  const StoredProgram new_text{"mine", std::string(50'000, 'n'), 2};
  int killed = 0;
  for (int kill_at = 1; kill_at <= 3; ++kill_at) {
    {
      auto db = StateDatabase::open(dir);
      ASSERT_TRUE(db) << db.error();
      ASSERT_TRUE(CustomProgramStore(**db).put(old_text));
    }
    const bool died = save_or_die(dir, new_text, kill_at);
    killed += died ? 1 : 0;
    const auto all = stored(dir);
    ASSERT_EQ(all.size(), 1u) << "killed at commit " << kill_at;
    EXPECT_EQ(all.front().text, died ? old_text.text : new_text.text) << "commit " << kill_at;
    EXPECT_EQ(all.front().saved_at_unix_ms, died ? 1 : 2) << "commit " << kill_at;
  }
  EXPECT_GE(killed, 1);
  // A first save killed leaves no trace of the program.
  EXPECT_TRUE(save_or_die(dir, {"other", "new program", 3}, 1));
  EXPECT_EQ(stored(dir).size(), 1u);
}

TEST(SessionHistoryStore, JoinsStartAndEndInEitherOrderAndListsNewestFirst) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  SessionHistoryStore history(**db);
  // The end of s-2 arrives before its start (a short session, a busy API thread).
  ASSERT_TRUE(history.record_end({"s-2", 9000, "STOPPED", "stopped on request", 60'000}));
  ASSERT_TRUE(
      history.record_start({"s-2", "ann", "neck", "Neck", "kiosk", 8000, 600'000, 0.8, 1.0}));
  ASSERT_TRUE(
      history.record_start({"s-1", "ann", "back", "Back", "kiosk", 1000, 900'000, 1.0, 1.0}));
  ASSERT_TRUE(
      history.record_end({"s-1", 2000, "COMPLETED", "the program ran to its end", 900'000}));
  ASSERT_TRUE(history.record_start({"s-3", "bob", "back", "Back", "kiosk", 9500, 1, 1.0, 1.0}));
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].start.session_id, "s-2");
  EXPECT_EQ((*rows)[0].start.program_id, "neck");
  ASSERT_TRUE((*rows)[0].end.has_value());
  EXPECT_EQ((*rows)[0].end->end_state, "STOPPED");
  EXPECT_EQ((*rows)[0].end->elapsed_ms, 60'000);
  EXPECT_EQ((*rows)[1].start.session_id, "s-1");
  EXPECT_EQ(history.list("ann", 1)->size(), 1u);
  auto bobs = history.list("bob", 10);
  ASSERT_EQ(bobs->size(), 1u);
  EXPECT_FALSE(bobs->front().end.has_value());  // still running
}

// A page starts after the row it is given: sessions that started in the same millisecond are
// neither listed twice nor left out, and another user's sessions never show.
TEST(SessionHistoryStore, ListsPageAfterPageWithoutLosingOrRepeatingASession) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  SessionHistoryStore history(**db);
  for (int i = 0; i < 7; ++i) {
    const std::int64_t started = 1000 + (i / 3) * 1000;  // three at a time share a start
    ASSERT_TRUE(history.record_start(
        {fmt::format("s-{}", i), "ann", "back", "Back", "kiosk", started, 1, 1.0, 1.0}));
    ASSERT_TRUE(history.record_start(
        {fmt::format("b-{}", i), "bob", "back", "Back", "kiosk", started, 1, 1.0, 1.0}));
  }
  auto whole = history.list("ann", 100);
  ASSERT_TRUE(whole) << whole.error();
  ASSERT_EQ(whole->size(), 7u);
  std::vector<std::string> paged;
  std::optional<HistoryCursor> after;
  for (int page = 0; page < 10; ++page) {
    auto rows = history.list("ann", 2, after);
    ASSERT_TRUE(rows) << rows.error();
    if (rows->empty()) break;
    for (const auto& r : *rows) paged.push_back(r.start.session_id);
    after = rows->back().cursor;
  }
  std::vector<std::string> listed;
  for (const auto& r : *whole) listed.push_back(r.start.session_id);
  EXPECT_EQ(paged, listed);
  EXPECT_EQ(listed.front(), "s-6");
  EXPECT_EQ(listed.back(), "s-0");
}

TEST(SessionHistoryStore, KeepsFeedbackForKnownSessionsOnly) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  SessionHistoryStore history(**db);
  ASSERT_TRUE(history.record_start({"s-1", "ann", "back", "Back", "kiosk", 1000, 1, 1.0, 1.0}));
  auto kept = history.record_feedback({"s-1", 6, 2, {"lower_back", "neck"}, "better"});
  ASSERT_TRUE(kept);
  EXPECT_TRUE(*kept);
  auto unknown = history.record_feedback({"s-9", 6, 2, {}, ""});
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
  auto rows = history.list("ann", 10);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().feedback.discomfort_before, 6);
  EXPECT_EQ(rows->front().feedback.discomfort_after, 2);
  EXPECT_EQ(rows->front().feedback.too_strong_zones,
            (std::vector<std::string>{"lower_back", "neck"}));
  EXPECT_EQ(*history.owner("s-1"), std::optional<std::string>("ann"));
  EXPECT_EQ(*history.owner("s-9"), std::nullopt);
}

// Another program may write anything into a row: a score outside 0..10 is no score (it would
// overflow the sums the feedback's relief is judged on, and be shown to the sitter).
TEST(SessionHistoryStore, AScoreAnotherProgramWroteOutside0To10IsNoScore) {
  auto db = StateDatabase::open(make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  SessionHistoryStore history(**db);
  ASSERT_TRUE(history.record_start({"s-1", "ann", "back", "Back", "kiosk", 1000, 1, 1.0, 1.0}));
  ASSERT_TRUE(history.record_start({"s-2", "ann", "back", "Back", "kiosk", 2000, 1, 1.0, 1.0}));
  ASSERT_TRUE(history.record_feedback({"s-1", 6, 2, {}, ""}));
  {
    MutexLock lock((*db)->mutex());
    ASSERT_TRUE((*db)->connection().exec(
        "UPDATE sessions SET discomfort_before = 2147483647, discomfort_after = -3 "
        "WHERE session_id = 's-2'"));
    ASSERT_TRUE((*db)->connection().exec(
        "UPDATE sessions SET discomfort_after = 99999999999 WHERE session_id = 's-1'"));
  }
  auto rows = history.list("ann", 10);
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].feedback.discomfort_before, std::nullopt);
  EXPECT_EQ((*rows)[0].feedback.discomfort_after, std::nullopt);
  EXPECT_EQ((*rows)[1].feedback.discomfort_before, 6);
  EXPECT_EQ((*rows)[1].feedback.discomfort_after, std::nullopt);
}

TEST(SessionHistoryCsv, QuotesWhatNeedsQuotingAndDisarmsFormulas) {
  HistoryRow row;
  row.start = {"s-1", "ann", "back", "Back, \"deep\"", "kiosk", 0, 600'000, 1.0, 1.0};
  row.end = SessionEndRecord{"s-1", 0, "COMPLETED", "", 600'000};
  row.feedback.note = "=HYPERLINK(\"http://x\")";
  row.feedback.discomfort_before = 7;
  const std::string csv = history_csv({row});
  const auto lines = csv.substr(csv.find("\r\n") + 2);
  EXPECT_NE(lines.find("\"Back, \"\"deep\"\"\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"'=HYPERLINK(\"\"http://x\"\")\""), std::string::npos) << lines;
  EXPECT_NE(lines.find(",10.0,1.00,1.00,1970-01-01T00:00:00Z,COMPLETED,10.0,7,,,"),
            std::string::npos)
      << lines;
}

}  // namespace
}  // namespace chaird::store

namespace chaird::store {
namespace {

TEST(UserProfileStore, KeepsReplacesAndForgetsWithOrWithoutTheHistory) {
  auto db = StateDatabase::open(test::make_temp_dir("state"));
  ASSERT_TRUE(db) << db.error();
  UserProfileStore profiles(**db);
  SessionHistoryStore history(**db);
  // A serialized message is not text. ("\x01" ends before "binary": b is a hex digit.)
  const std::string bytes(
      "\0\x01"
      "binary\xff",
      9);
  ASSERT_TRUE(profiles.put("ann", bytes, 1));
  ASSERT_TRUE(profiles.put("bob", "b", 1));
  ASSERT_TRUE(profiles.put("bob", "b2", 2));
  EXPECT_EQ(**profiles.get("ann"), bytes);
  EXPECT_EQ(**profiles.get("bob"), "b2");
  EXPECT_EQ(*profiles.get("cy"), std::nullopt);
  ASSERT_TRUE(history.record_start({"s-1", "ann", "p", "P", "k", 1, 1, 1.0, 1.0}));
  ASSERT_TRUE(history.record_start({"s-2", "bob", "p", "P", "k", 1, 1, 1.0, 1.0}));
  auto kept = profiles.remove("bob", false);
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->profile_deleted);
  EXPECT_EQ(kept->sessions_forgotten, 0);
  EXPECT_EQ(history.list("bob", 10)->size(), 1u);
  ASSERT_TRUE(history.record_adjustment({"s-1", 1, "intensity 0.8"}));
  auto forgotten = profiles.remove("ann", true);
  ASSERT_TRUE(forgotten);
  EXPECT_TRUE(forgotten->profile_deleted);
  EXPECT_EQ(forgotten->sessions_forgotten, 1);
  EXPECT_TRUE(history.list("ann", 10)->empty());
  EXPECT_EQ(*profiles.get("ann"), std::nullopt);
  // Nothing of ann's sessions is left: a session of that id started again has no adjustments.
  ASSERT_TRUE(history.record_start({"s-1", "ann", "p", "P", "k", 2, 1, 1.0, 1.0}));
  EXPECT_TRUE(history.list("ann", 10)->front().adjustments.empty());
}

}  // namespace
}  // namespace chaird::store
