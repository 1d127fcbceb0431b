// What chaird keeps in its database, over real gRPC against the real daemon: custom programs
// (saved, offered, run, deleted, surviving a SIGKILL), session ids unique across restarts, each
// sitter's history with how every session ended and their feedback, profiles, and a database
// that cannot be used, which stops chaird with its path rather than being replaced.
#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "chair/v1/errors.pb.h"
#include "cli_run.hpp"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

// A small program of the maker's own, on the rollers only.
std::string custom_text(const std::string& id, double intensity = 0.4) {
  return "metadata { id: \"" + id + "\" name: \"Mine " + id +
         "\" summary: \"Shoulders, gently.\" intensity_class: GENTLE }\n"
         "phases { kind: MAIN tracks { kind: BACK_ROLLERS items { step { name: \"press\" "
         "technique: \"shiatsu\" zone: \"shoulders\" duration_ms: 30000 intensity: " +
         std::to_string(intensity) + " } } } }\n";
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The fields a refused call names, and the reason it gives each.
std::vector<std::pair<std::string, std::string>> violations(const grpc::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  chair::v1::ErrorStatus details;
  EXPECT_TRUE(details.ParseFromString(status.error_details())) << status.error_message();
  for (const auto& any : details.details()) {
    chair::v1::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) out.emplace_back(v.field(), v.description());
  }
  return out;
}

bool names_field(const grpc::Status& status, const std::string& field) {
  for (const auto& [f, _] : violations(status))
    if (f == field) return true;
  return false;
}

grpc::Status save(DaemonProcess& daemon, const std::string& text, bool replace = false,
                  chair::v1::SaveProgramResponse* response = nullptr) {
  chair::v1::SaveProgramRequest request;
  request.set_text(text);
  request.set_file_name("mine.textproto");
  request.set_replace(replace);
  chair::v1::SaveProgramResponse ignored;
  grpc::ClientContext context;
  return daemon.control().SaveProgram(&context, request, response ? response : &ignored);
}

grpc::Status remove(DaemonProcess& daemon, const std::string& id) {
  chair::v1::DeleteProgramRequest request;
  request.set_program_id(id);
  chair::v1::DeleteProgramResponse response;
  grpc::ClientContext context;
  return daemon.control().DeleteProgram(&context, request, &response);
}

// The program's summary in ListPrograms, or none.
std::optional<chair::v1::ProgramSummary> listed(DaemonProcess& daemon, const std::string& id) {
  chair::v1::ListProgramsResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(daemon.control().ListPrograms(&context, {}, &response).ok());
  for (const auto& p : response.programs())
    if (p.metadata().id() == id) return p;
  return std::nullopt;
}

int program_count(DaemonProcess& daemon) {
  chair::v1::ListProgramsResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(daemon.control().ListPrograms(&context, {}, &response).ok());
  return response.programs_size();
}

DaemonOptions on_state(const std::string& state_dir) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.state_dir = state_dir;
  return options;
}

// The heat chaird has kept on disk for `heater`, ms, read as another process would.
std::int64_t kept_heat_ms(const std::string& state_dir, const std::string& heater) {
  sqlite3* db = nullptr;
  std::int64_t total = 0;
  if (sqlite3_open_v2((state_dir + "/chaird.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT coalesce(sum(ended_unix_ms - began_unix_ms), 0) FROM heat_spans "
                           "WHERE actuator = ?",
                           -1, &stmt, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, heater.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(stmt) == SQLITE_ROW) total = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return total;
}

// Saves go through the records thread, and the virtual clock's minutes pass in a moment: a
// test lets the save reach the disk before a kill, as seconds of real time would. True once
// chaird keeps at least `ms` of heat for `heater` (within 20 s).
bool heat_reaches_disk(const std::string& state_dir, const std::string& heater, std::int64_t ms) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (kept_heat_ms(state_dir, heater) < ms) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// The heat a sitter had survives chaird: killed right after a heated session (a crash, the OOM
// killer), chaird comes back at once, and the same heat again is still refused; an hour later
// it runs.
TEST(HeatDose, HeatFromBeforeAKillStillCountsAfterTheRestart) {
  DaemonOptions options = on_state(make_temp_dir("state"));
  options.chair_profile = short_heat_chair_path();
  {
    DaemonProcess daemon(options);
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(daemon.start("e2e_full").ok()) << daemon.log();
    daemon.advance(200000);
    ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);
    ASSERT_TRUE(heat_reaches_disk(options.state_dir, "heat.lumbar", 120000));
    daemon.kill_now();
  }
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  EXPECT_THAT(daemon.log(), HasSubstr("of heat from the last day, before this start, still count"));
  const auto again = daemon.start("e2e_full");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();
  EXPECT_THAT(again.error_message(), HasSubstr("in earlier sessions"));
  daemon.advance(3600000);
  EXPECT_TRUE(daemon.start("e2e_full").ok()) << daemon.log();
}

// Heat kept by a session cut short by a kill counts too: it was kept while the heater was on,
// every 5 s of chair time.
TEST(HeatDose, HeatOfASessionKilledWhileHeatingStillCounts) {
  DaemonOptions options = on_state(make_temp_dir("state"));
  options.chair_profile = short_heat_chair_path();
  {
    DaemonProcess daemon(options);
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(daemon.start("e2e_full").ok()) << daemon.log();
    daemon.advance(100000);  // 1:40 of its 2:00 of heat
    ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING);
    ASSERT_TRUE(heat_reaches_disk(options.state_dir, "heat.lumbar", 95000));
    daemon.kill_now();
  }
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto again = daemon.start("e2e_full");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();
}

TEST(CustomPrograms, ASavedProgramIsOfferedRunsAndSurvivesAKillAndADelete) {
  const std::string state = make_temp_dir("state");
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    chair::v1::SaveProgramResponse saved;
    const auto status = save(daemon, custom_text("my_neck"), false, &saved);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(saved.summary().custom());
    EXPECT_FALSE(saved.replaced());
    EXPECT_GT(saved.summary().saved_at_unix_ms(), 0);
    EXPECT_EQ(saved.summary().planned_duration_ms(), 30000);
    const auto summary = listed(daemon, "my_neck");
    ASSERT_TRUE(summary.has_value());
    EXPECT_TRUE(summary->custom());
    EXPECT_FALSE(listed(daemon, "e2e_full")->custom());
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start("my_neck", &started).ok()) << daemon.log();
    EXPECT_EQ(started.planned_duration_ms(), 30000);
    daemon.kill_now();  // no goodbye: the program must be on disk already
  }
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(listed(daemon, "my_neck").has_value()) << daemon.log();
    grpc::ClientContext context;
    chair::v1::GetProgramRequest request;
    request.set_program_id("my_neck");
    chair::v1::GetProgramResponse program;
    ASSERT_TRUE(daemon.control().GetProgram(&context, request, &program).ok());
    EXPECT_EQ(program.program().metadata().name(), "Mine my_neck");
    EXPECT_EQ(program.summary().source_path(), "custom/my_neck.textproto");
    // Replaced, then deleted.
    chair::v1::SaveProgramResponse replaced;
    ASSERT_TRUE(save(daemon, custom_text("my_neck", 0.3), true, &replaced).ok());
    EXPECT_TRUE(replaced.replaced());
    const auto deleted = remove(daemon, "my_neck");
    ASSERT_TRUE(deleted.ok()) << deleted.error_message();
    EXPECT_FALSE(listed(daemon, "my_neck").has_value());
    EXPECT_EQ(daemon.terminate(), 0);
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  EXPECT_FALSE(listed(daemon, "my_neck").has_value());
  EXPECT_EQ(program_count(daemon), 1);
}

// A saved program's warnings come back as ValidateProgram's problems do: at most 100 and one
// that counts the rest. On a chair without roller.depth each kneading step says how it adapts,
// and a program may have thousands of steps.
TEST(CustomPrograms, ASaveAnswersAHundredWarningsAndCountsTheRest) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.chair_profile = source_dir() + "/sequences/chairs/generic_2d_s.textproto";
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  std::string text =
      "metadata { id: \"many\" name: \"Many\" total_duration_ms: 1500000 focus_areas: "
      "\"lumbar\" required_capabilities: \"roller.position\" required_capabilities: "
      "\"roller.knead\" }\nphases { kind: MAIN tracks { kind: BACK_ROLLERS\n";
  for (int i = 0; i < 150; ++i) {
    text += "items { step { name: \"s" + std::to_string(i) +
            "\" technique: \"kneading\" zone: \"lumbar\" duration_ms: 10000 intensity: 0.5 } }\n";
  }
  text += "} }\n";
  chair::v1::SaveProgramResponse saved;
  const auto status = save(daemon, text, false, &saved);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(saved.warnings_size(), 101);
  EXPECT_THAT(saved.warnings(0).message(), HasSubstr("no roller.depth"));
  EXPECT_EQ(saved.warnings(100).message(),
            "50 more warnings are not listed: fix the ones above and check again");
}

TEST(CustomPrograms, RefusesBrokenProgramsTakenIdsAndDeletesThatWouldBreakAnother) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const int before = program_count(daemon);

  // Syntax: where, in the name the client gave.
  auto broken = save(daemon, "metadata { id: \"x\" name: \"X\" }\nphases { kind: MAIN oops }\n");
  EXPECT_EQ(broken.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_FALSE(violations(broken).empty());
  EXPECT_EQ(violations(broken)[0].first, "text");
  EXPECT_THAT(violations(broken)[0].second, HasSubstr("mine.textproto:2:"));
  // More errors than are listed: the count is every one of them, not the listed ones.
  std::string many;
  for (int i = 0; i < 50; ++i) many += "zz" + std::to_string(i) + ": 1\n";
  auto fifty = save(daemon, many);
  EXPECT_EQ(fifty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(fifty.error_message(), HasSubstr("the program has 50 errors; the first: "));
  // 19 of them, then one that counts the other 31 (a kiosk may list the violations only).
  ASSERT_EQ(violations(fifty).size(), 20u);
  EXPECT_THAT(violations(fifty)[18].second, HasSubstr("unknown field 'zz18'"));
  EXPECT_THAT(violations(fifty)[19].second, HasSubstr("31 more errors are not listed"));
  // Meaning: a technique the chair does not have, at its step.
  std::string unknown = custom_text("bad_tech");
  unknown.replace(unknown.find("shiatsu"), 7, "levitation");
  auto meaning = save(daemon, unknown);
  EXPECT_EQ(meaning.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(meaning.error_message(), HasSubstr("levitation"));
  // A shipped program's id.
  auto shipped = save(daemon, custom_text("e2e_full"));
  EXPECT_EQ(shipped.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(shipped.error_message(), HasSubstr("shipped"));
  // Hostile sizes and bytes.
  auto huge = save(daemon, std::string(2 << 20, ' '));
  EXPECT_EQ(huge.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(names_field(huge, "text"));
  EXPECT_EQ(program_count(daemon), before);

  // A custom one, saved again without replace.
  ASSERT_TRUE(save(daemon, custom_text("base")).ok());
  auto twice = save(daemon, custom_text("base"));
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(names_field(twice, "replace"));
  // Another includes it: it cannot go while that one needs it.
  const std::string wrapper =
      "metadata { id: \"wrapper\" name: \"Wrapper\" }\n"
      "phases { include_program: \"base\" }\n";
  const auto wrapped = save(daemon, wrapper);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error_message();
  const auto in_use = remove(daemon, "base");
  EXPECT_EQ(in_use.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(in_use.error_message(), HasSubstr("wrapper"));
  EXPECT_EQ(remove(daemon, "e2e_full").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(remove(daemon, "nothing_here").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(remove(daemon, std::string(100'000, 'x')).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(remove(daemon, "wrapper").ok());
  ASSERT_TRUE(remove(daemon, "base").ok());
  EXPECT_EQ(program_count(daemon), before);
}

TEST(SessionIds, StayUniqueAcrossRestarts) {
  const std::string state = make_temp_dir("state");
  std::string first;
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
    first = started.session_id();
    daemon.kill_now();
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
  EXPECT_THAT(first, ::testing::StartsWith("session-"));
  EXPECT_THAT(started.session_id(), ::testing::StartsWith("session-"));
  EXPECT_NE(started.session_id(), first);
}

grpc::Status feedback(DaemonProcess& daemon, const std::string& session, const std::string& user,
                      const chair::v1::SessionFeedback& f) {
  chair::v1::RecordSessionFeedbackRequest request;
  request.set_session_id(session);
  request.set_user_id(user);
  *request.mutable_feedback() = f;
  chair::v1::RecordSessionFeedbackResponse response;
  grpc::ClientContext context;
  return daemon.control().RecordSessionFeedback(&context, request, &response);
}

TEST(SessionHistory, KeepsHowEachSessionEndedAndTheSittersFeedback) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest as_ann;
  as_ann.set_user_id("ann@example");
  as_ann.set_intensity_scale(0.8);
  as_ann.set_client_name("kiosk 1");

  // Ann's first session: stopped a minute in.
  chair::v1::StartSessionResponse stopped;
  ASSERT_TRUE(daemon.start("e2e_full", &stopped, &as_ann).ok()) << daemon.log();
  daemon.advance(60000);
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse response;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &response).ok());
  }
  daemon.advance(20000);
  ASSERT_EQ(daemon.status().state(), chair::v1::STOPPED);
  // Her second: to the end.
  chair::v1::StartSessionResponse completed;
  ASSERT_TRUE(daemon.start("e2e_full", &completed, &as_ann).ok()) << daemon.log();
  daemon.advance(200000);
  ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  // Bob's: an emergency stop.
  chair::v1::StartSessionRequest as_bob;
  as_bob.set_user_id("bob");
  chair::v1::StartSessionResponse stopped_at_once;
  ASSERT_TRUE(daemon.start("e2e_full", &stopped_at_once, &as_bob).ok()) << daemon.log();
  daemon.advance(5000);
  ASSERT_TRUE(daemon.emergency_stop("a foot is caught").ok());

  auto ann = daemon.history("ann@example");
  ASSERT_EQ(ann.sessions_size(), 2);
  const auto& newest = ann.sessions(0);
  EXPECT_EQ(newest.session_id(), completed.session_id());
  EXPECT_EQ(newest.how_it_ended(), "COMPLETED");
  EXPECT_EQ(newest.program_id(), "e2e_full");
  EXPECT_EQ(newest.client_name(), "kiosk 1");
  EXPECT_DOUBLE_EQ(newest.intensity_scale(), 0.8);
  EXPECT_EQ(newest.elapsed_ms(), newest.planned_duration_ms());
  EXPECT_GE(newest.ended_at_unix_ms(), newest.started_at_unix_ms());
  const auto& older = ann.sessions(1);
  EXPECT_EQ(older.session_id(), stopped.session_id());
  EXPECT_EQ(older.how_it_ended(), "STOPPED");
  EXPECT_NEAR(static_cast<double>(older.elapsed_ms()), 60000.0, 1000.0);
  auto bob = daemon.history("bob");
  ASSERT_EQ(bob.sessions_size(), 1);
  EXPECT_EQ(bob.sessions(0).how_it_ended(), "EMERGENCY_STOPPED");
  EXPECT_THAT(bob.sessions(0).end_reason(), HasSubstr("a foot is caught"));

  // Feedback: Ann's on her own session; not Bob's on hers.
  chair::v1::SessionFeedback f;
  f.set_discomfort_before(7);
  f.set_discomfort_after(3);
  f.add_too_strong_zones("lumbar");
  f.set_note("better, but the lower back was too much");
  ASSERT_TRUE(feedback(daemon, completed.session_id(), "ann@example", f).ok());
  EXPECT_EQ(feedback(daemon, completed.session_id(), "bob", f).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(feedback(daemon, "session-999-1", "ann@example", f).error_code(),
            grpc::StatusCode::NOT_FOUND);
  chair::v1::SessionFeedback out_of_range;
  out_of_range.set_discomfort_after(11);
  out_of_range.add_too_strong_zones("elbows");
  out_of_range.set_note(std::string(1000, 'n'));
  const auto bad = feedback(daemon, completed.session_id(), "ann@example", out_of_range);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(names_field(bad, "feedback.discomfort_after"));
  EXPECT_TRUE(names_field(bad, "feedback.too_strong_zones[0]"));
  EXPECT_TRUE(names_field(bad, "feedback.note"));
  ann = daemon.history("ann@example");
  EXPECT_EQ(ann.sessions(0).feedback().discomfort_before(), 7);
  EXPECT_EQ(ann.sessions(0).feedback().discomfort_after(), 3);
  EXPECT_EQ(ann.sessions(0).feedback().too_strong_zones(0), "lumbar");

  // CSV: a header and Ann's two sessions.
  chair::v1::ListSessionHistoryRequest request;
  request.set_user_id("ann@example");
  chair::v1::ExportSessionHistoryResponse csv;
  grpc::ClientContext context;
  ASSERT_TRUE(daemon.control().ExportSessionHistory(&context, request, &csv).ok());
  EXPECT_EQ(csv.session_count(), 2u);
  EXPECT_THAT(csv.csv(), ::testing::StartsWith("session_id,started_at,program_id"));
  EXPECT_THAT(csv.csv(), HasSubstr(completed.session_id() + ","));
  EXPECT_THAT(csv.csv(), HasSubstr(",COMPLETED,3.0,7,3,lumbar,"));

  // Hostile requests: named, and nothing read.
  grpc::Status status;
  daemon.history("ann/../bob", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(names_field(status, "user_id"));
  daemon.history(std::string(100'000, 'a'), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  daemon.history("", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Takes the database's write lock, as a slow disk would hold chaird's writes.
sqlite3* hold_the_database(const std::string& state) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((state + "/chaird.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);  // chaird may be writing a line of its own
  EXPECT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  return db;
}

// A call whose record cannot be written is not answered; once the lock goes, it is.
grpc::Status answered_after_its_record(sqlite3* db, std::future<grpc::Status>& answer,
                                       const std::string& call) {
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout)
      << call << " was answered while its record was not in the history";
  EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  return answer.get();
}

// Found by bench/crash.sh: StartSession answered before the session's row in the history was
// written (the recorder writes off the dispatch thread), so chaird killed just after the answer
// lost a session the kiosk had been told started. The test holds the database's write lock, as
// a slow disk would: the answer must wait for the row, and the row must survive a SIGKILL.
// The app's name is text from a client: the history keeps it as one line, as the status shows
// it. Found by review: the status's controller was made one line, the history's copy was not,
// and a newline and an escape sequence came back to every app that lists the history.
TEST(SessionHistory, AnAppsNameIsKeptAsOneLine) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  request.set_user_id("ann@example");
  request.set_client_name(
      "kiosk\n2026-01-01 chaird info: all clear\x1b[2J\xe2\x80\xae"
      "1");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started, &request).ok()) << daemon.log();
  EXPECT_EQ(daemon.status().controller(), "kiosk 2026-01-01 chaird info: all clear [2J 1");
  const auto ann = daemon.history("ann@example");
  ASSERT_EQ(ann.sessions_size(), 1);
  EXPECT_EQ(ann.sessions(0).client_name(), "kiosk 2026-01-01 chaird info: all clear [2J 1");
}

// Writes `sessions` sessions of a sitter who adjusts a lot straight into chaird's database: the
// most each keeps (200 changes), far past the 4 MB a gRPC client takes in one answer.
void write_long_history(const std::string& state_dir, const std::string& user_id, int sessions) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((state_dir + "/chaird.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* session = nullptr;
  sqlite3_stmt* change = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO sessions (session_id, user_id, program_id, "
                               "program_name, started_at_unix_ms) VALUES (?, ?, 'e2e_full', "
                               "'Full', ?)",
                               -1, &session, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO session_adjustments (session_id, at_program_ms, "
                               "change) VALUES (?, ?, ?)",
                               -1, &change, nullptr),
            SQLITE_OK);
  const std::string words = "intensity 0.85; too strong: shoulders, neck and the upper back";
  for (int i = 0; i < sessions; ++i) {
    const std::string id = "session-old-" + std::to_string(i);
    sqlite3_bind_text(session, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(session, 2, user_id.c_str(), -1, SQLITE_TRANSIENT);
    // Two at a time share a start, as sessions in the same millisecond would.
    sqlite3_bind_int64(session, 3, 1'700'000'000'000 + (i / 2) * 60'000);
    ASSERT_EQ(sqlite3_step(session), SQLITE_DONE);
    sqlite3_reset(session);
    for (int a = 0; a < 200; ++a) {
      sqlite3_bind_text(change, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(change, 2, a * 1000);
      sqlite3_bind_text(change, 3, words.c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(change), SQLITE_DONE);
      sqlite3_reset(change);
    }
  }
  sqlite3_finalize(session);
  sqlite3_finalize(change);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// A history too long for one answer comes in pages: each under gRPC's default 4 MB, every
// session once, newest first, and a token chaird did not give is refused by name.
TEST(SessionHistory, AHistoryTooLongForOneAnswerComesInPages) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  write_long_history(state, "pat@example", 400);  // 5.6 MB in one answer
  const auto ask = [&](const std::string& token, auto* response) {
    chair::v1::ListSessionHistoryRequest request;
    request.set_user_id("pat@example");
    request.set_limit(1000);
    request.set_page_token(token);
    grpc::ClientContext context;
    daemon.authorize(context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if constexpr (std::is_same_v<std::remove_pointer_t<decltype(response)>,
                                 chair::v1::ListSessionHistoryResponse>) {
      return daemon.control().ListSessionHistory(&context, request, response);
    } else {
      return daemon.control().ExportSessionHistory(&context, request, response);
    }
  };

  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    chair::v1::ListSessionHistoryResponse page;
    const auto status = ask(token, &page);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    EXPECT_LT(page.ByteSizeLong(), 4u * 1024 * 1024);
    ASSERT_GT(page.sessions_size(), 0);
    for (const auto& s : page.sessions()) {
      listed.push_back(s.session_id());
      EXPECT_EQ(s.adjustments_size(), 200);
    }
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 100);
  EXPECT_GT(pages, 1);
  ASSERT_EQ(listed.size(), 400u);
  for (int i = 0; i < 400; ++i) {
    // Newest first; of two that share a start, the later written first.
    EXPECT_EQ(listed[static_cast<std::size_t>(i)], "session-old-" + std::to_string(399 - i));
  }

  std::uint32_t exported = 0;
  std::string csv;
  pages = 0;
  do {
    chair::v1::ExportSessionHistoryResponse page;
    const auto status = ask(token, &page);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    EXPECT_LT(page.ByteSizeLong(), 4u * 1024 * 1024);
    EXPECT_THAT(page.csv(), ::testing::StartsWith("session_id,started_at,program_id"));
    exported += page.session_count();
    csv += page.csv();
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 100);
  EXPECT_GT(pages, 1);
  EXPECT_EQ(exported, 400u);
  EXPECT_THAT(csv, HasSubstr("\r\nsession-old-0,"));

  // chairctl follows the pages up to its --limit, and its CSV has one header line.
  const auto count = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  const std::string socket = " --socket " + daemon.socket() + " ";
  const CliRun shown = run_chairctl(socket + "history pat@example --limit 450", false);
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_EQ(count(shown.output, " session-old-"), 400u);
  const CliRun some = run_chairctl(socket + "history pat@example --limit 300 --csv", false);
  EXPECT_EQ(some.exit_code, 0);
  EXPECT_EQ(count(some.output, "\r\nsession-old-"), 300u);
  EXPECT_EQ(count(some.output, "session_id,started_at"), 1u);

  chair::v1::ListSessionHistoryResponse refused;
  const auto bad = ask("h1:1:0; DROP TABLE sessions", &refused);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.error_message();
  EXPECT_TRUE(names_field(bad, "page_token")) << bad.error_message();
}

TEST(SessionHistory, AStartIsAcknowledgedOnlyOnceItsSessionIsInTheHistory) {
  const std::string state = make_temp_dir("state");
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    sqlite3* db = hold_the_database(state);
    chair::v1::StartSessionRequest request;
    request.set_program_id("e2e_full");
    request.set_user_id("held");
    auto answer = std::async(std::launch::async, [&] {
      chair::v1::StartSessionResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      return daemon.control().StartSession(&context, request, &response);
    });
    // The session starts; its row cannot be written while the test holds the lock.
    for (int i = 0; i < 300 && daemon.status().state() != chair::v1::RUNNING; ++i) {
      (void)answer.wait_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING) << daemon.log();
    const auto status = answered_after_its_record(db, answer, "StartSession");
    ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
    daemon.kill_now();  // at once after the answer: the row must be on disk already
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  EXPECT_EQ(daemon.history("held").sessions_size(), 1) << daemon.log();
}

// Starts e2e_full for the sitter 'held', as long as chaird takes: it answers once the session's
// line is written, or once it finds another process's lock held.
grpc::Status start_for_held(DaemonProcess& daemon, chair::v1::StartSessionResponse* started) {
  chair::v1::StartSessionRequest request;
  request.set_program_id("e2e_full");
  request.set_user_id("held");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return daemon.control().StartSession(&context, request, started);
}

// Another process holding the lock past chaird's busy timeout (2 s): the start is answered, for
// the session runs and a kiosk must not wait on another process, and its row joins the history
// once the lock goes. Found by reading the recorder: the row was dropped.
TEST(SessionHistory, AStartAnsweredWhileTheLockIsHeldJoinsTheHistoryWhenItGoes) {
  const std::string state = make_temp_dir("state");
  DaemonOptions options = on_state(state);
  options.log_to_pipe = true;
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  daemon.drain_log_pipe();
  sqlite3* db = hold_the_database(state);
  chair::v1::StartSessionResponse started;
  const auto status = start_for_held(daemon, &started);
  const bool told = daemon.wait_for_log("the session history is locked by another process");
  // The kiosk is told, and so is a reader meanwhile (WAL: reads go on under the write lock).
  grpc::Status listed;
  const auto while_held = daemon.history("held", &listed);
  EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
  EXPECT_TRUE(told) << daemon.log();
  EXPECT_THAT(started.history_note(), HasSubstr("may not be in the session history yet"));
  EXPECT_THAT(started.history_note(), HasSubstr("another program holds chaird's database"));
  EXPECT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(while_held.sessions_size(), 0);
  EXPECT_THAT(while_held.history_note(), HasSubstr("may be missing from this list"));
  const auto history = daemon.history("held");  // waits for what is queued
  ASSERT_EQ(history.sessions_size(), 1) << daemon.log();
  EXPECT_EQ(history.sessions(0).session_id(), started.session_id());
  EXPECT_EQ(history.history_note(), "");
}

// A retry of a start (the same request_id) gets the first attempt's answer, with its history
// note told afresh: the first said the session may not be in the history yet, and a retry after
// the lock went said so too, though it was there.
TEST(SessionHistory, ARetriedStartIsToldWhetherItsSessionIsInTheHistoryNow) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  request.set_program_id("e2e_full");
  request.set_user_id("held");
  request.set_request_id("0b7e5c1e-retry");
  const auto start = [&](chair::v1::StartSessionResponse* answer) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return daemon.control().StartSession(&context, request, answer);
  };
  sqlite3* db = hold_the_database(state);
  chair::v1::StartSessionResponse first;
  const auto status = start(&first);
  EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
  EXPECT_THAT(first.history_note(), HasSubstr("may not be in the session history yet"));
  chair::v1::StartSessionResponse again;
  // (A try that met the lock just before it went may be counted first; the next one writes.)
  for (int i = 0; i < 20; ++i) {
    again.Clear();
    ASSERT_TRUE(start(&again).ok()) << daemon.log();
    if (again.history_note().empty()) break;
  }
  EXPECT_EQ(again.session_id(), first.session_id()) << "a second session started";
  EXPECT_EQ(again.history_note(), "");
  EXPECT_EQ(daemon.history("held").sessions_size(), 1);
}

// A session the history refuses for good (a full disk; here another program's trigger, whose
// text is hostile: two lines) runs, and the kiosk is told it is not in the history, and why,
// in one line. It was told nothing: the line was dropped, logged, and the start answered OK.
TEST(SessionHistory, AStartTheHistoryRefusesRunsAndTheKioskIsToldWhy) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((state + "/chaird.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    EXPECT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER no_room BEFORE INSERT ON sessions BEGIN "
                           "SELECT RAISE(ABORT, 'no room\nleft'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(start_for_held(daemon, &started).ok()) << daemon.log();
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  EXPECT_THAT(started.history_note(), HasSubstr("is not in the session history"));
  EXPECT_THAT(started.history_note(), HasSubstr("no room left")) << started.history_note();
  // A change to it is not in the history either (it has no row to join), and says so.
  chair::v1::AdjustSessionRequest change;
  change.set_lease_token(started.lease_token());
  change.set_intensity_scale(0.8);
  grpc::ClientContext context;
  chair::v1::AdjustSessionResponse adjusted;
  ASSERT_TRUE(daemon.control().AdjustSession(&context, change, &adjusted).ok()) << daemon.log();
  EXPECT_THAT(adjusted.history_note(), HasSubstr("is not in the session history"));
  EXPECT_EQ(daemon.history("held").sessions_size(), 0);
}

// The database's words can come from another program (a trigger; here on profiles and custom
// programs): what chaird logs of a save they refuse is one line, which cannot forge a line of
// chaird's own. It was logged as it came.
TEST(SessionHistory, ASaveTheDatabaseRefusesIsLoggedAsOneLine) {
  const std::string state = make_temp_dir("state");
  DaemonOptions options = on_state(state);
  options.log_to_pipe = true;
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  daemon.drain_log_pipe();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((state + "/chaird.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    for (const char* table : {"user_profiles", "custom_programs"}) {
      const std::string trigger =
          std::string("CREATE TRIGGER no_room_") + table + " BEFORE INSERT ON " + table +
          " BEGIN SELECT RAISE(ABORT, 'no room\n[chaird] [info] " + table + " forged'); END";
      EXPECT_EQ(sqlite3_exec(db, trigger.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
          << sqlite3_errmsg(db);
    }
    sqlite3_close(db);
  }
  chair::v1::UserProfile ann;
  ann.set_user_id("ann");
  chair::v1::UserProfile out;
  grpc::ClientContext context;
  const auto refused = daemon.control().SaveUserProfile(&context, ann, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  const auto saved = save(daemon, custom_text("my_neck"));
  EXPECT_EQ(saved.error_code(), grpc::StatusCode::UNAVAILABLE) << saved.error_message();
  // The details (where the database is, SQLite's words) are for the log, not the kiosk.
  for (const std::string& message : {refused.error_message(), saved.error_message()}) {
    EXPECT_THAT(message, Not(HasSubstr(state))) << message;
    EXPECT_THAT(message, Not(HasSubstr("no room"))) << message;
    EXPECT_THAT(message, HasSubstr("chaird's log says why")) << message;
  }
  for (const std::string table : {"user_profiles", "custom_programs"}) {
    EXPECT_TRUE(daemon.wait_for_log("no room [chaird] [info] " + table + " forged"))
        << daemon.log();
    EXPECT_THAT(daemon.log(), Not(HasSubstr("\n[chaird] [info] " + table))) << daemon.log();
  }
}

// chaird stopped while another process holds the lock: it stops at once and cleanly, and says
// which lines of history it could not write. Found by review: the recorder's last try ran after
// the log was shut down, and its log line crashed chaird on its way out.
TEST(SessionHistory, AStopWhileTheLockIsHeldEndsCleanlyAndSaysWhatIsUnwritten) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  sqlite3* db = hold_the_database(state);
  chair::v1::StartSessionResponse started;
  const auto status = start_for_held(daemon, &started);
  const int exit_code = daemon.terminate();
  EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
  EXPECT_EQ(exit_code, 0) << daemon.log();
  EXPECT_THAT(daemon.log(), HasSubstr("lines of the session history it could not write"))
      << daemon.log();
}

// Forgetting a sitter while another process's lock holds a line of theirs back is refused, to be
// tried again: found by review, the forget went through once the lock went, and then the held
// line was written, bringing a session of the forgotten sitter back.
TEST(SessionHistory, ForgettingASitterWhileTheirHistoryIsHeldBackIsRefusedForNow) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest as_held;
  as_held.set_user_id("held");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started, &as_held).ok()) << daemon.log();
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok()) << daemon.log();
  }
  daemon.advance(30'000);  // through the cool-down
  sqlite3* db = hold_the_database(state);
  ASSERT_TRUE(start_for_held(daemon, &started).ok()) << daemon.log();
  {
    // Ended, or the forget is refused for the running session before the held line counts.
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok()) << daemon.log();
  }
  daemon.advance(30'000);  // through the cool-down
  chair::v1::DeleteUserProfileRequest forget;
  forget.set_user_id("held");
  forget.set_forget_history(true);
  auto answer = std::async(std::launch::async, [&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    chair::v1::DeleteUserProfileResponse forgotten;
    return daemon.control().DeleteUserProfile(&context, forget, &forgotten);
  });
  // The lock goes while a forget that went ahead would be waiting for it: after the writer's
  // next try (250 ms, then chaird's 2 s busy timeout), within the forget's own 2 s.
  (void)answer.wait_for(std::chrono::milliseconds(3300));
  EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const grpc::Status status = answer.get();
  const auto history = daemon.history("held");
  if (status.ok()) {
    EXPECT_EQ(history.sessions_size(), 0) << "a session came back after the sitter was forgotten";
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("try again")) << status.error_message();
  EXPECT_EQ(history.sessions_size(), 2) << daemon.log();
}

// Rows of one session in the database (the session's and its changes'), whatever their user:
// what a forget must leave none of.
int rows_of_session(const std::string& state, const std::string& session_id) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((state + "/chaird.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  int rows = 0;
  for (const char* table : {"sessions", "session_adjustments"}) {
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = std::string("SELECT count(*) FROM ") + table + " WHERE session_id = ?";
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, session_id.c_str(), -1, SQLITE_TRANSIENT);
    rows += sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 1000;
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return rows;
}

// Forgetting a sitter whose session is running is refused until it ends: found by review, the
// forget went through, and the session's end, queued after it, came back as a row the forget
// had not removed (with the session's id and how it ended, and no user).
TEST(SessionHistory, ForgettingASitterWhoseSessionRunsIsRefusedUntilItEnds) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest as_ann;
  as_ann.set_user_id("ann");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started, &as_ann).ok()) << daemon.log();
  daemon.advance(2'000);
  chair::v1::DeleteUserProfileRequest forget;
  forget.set_user_id("ann");
  forget.set_forget_history(true);
  {
    grpc::ClientContext context;
    chair::v1::DeleteUserProfileResponse forgotten;
    const auto refused = daemon.control().DeleteUserProfile(&context, forget, &forgotten);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << refused.error_message();
    EXPECT_THAT(refused.error_message(), HasSubstr("the sitter's session has not ended"));
  }
  EXPECT_EQ(daemon.history("ann").sessions_size(), 1) << "the refused forget removed something";
  {
    // A change: its row must go with the session's.
    chair::v1::AdjustSessionRequest change;
    change.set_lease_token(started.lease_token());
    change.set_intensity_scale(0.8);
    grpc::ClientContext context;
    chair::v1::AdjustSessionResponse adjusted;
    ASSERT_TRUE(daemon.control().AdjustSession(&context, change, &adjusted).ok()) << daemon.log();
  }
  // A forget of the profile alone leaves the history, so it need not wait.
  {
    chair::v1::DeleteUserProfileRequest profile_only;
    profile_only.set_user_id("ann");
    grpc::ClientContext context;
    chair::v1::DeleteUserProfileResponse forgotten;
    EXPECT_EQ(daemon.control().DeleteUserProfile(&context, profile_only, &forgotten).error_code(),
              grpc::StatusCode::NOT_FOUND);  // she saved none; not refused for the session
  }
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok()) << daemon.log();
  }
  {
    // Stopped, and easing off: the kiosk that asked at once is told to ask again in a moment,
    // not to stop a session it has stopped (it was, with FAILED_PRECONDITION).
    ASSERT_EQ(daemon.status().state(), chair::v1::STOPPING);
    grpc::ClientContext context;
    chair::v1::DeleteUserProfileResponse forgotten;
    const auto refused = daemon.control().DeleteUserProfile(&context, forget, &forgotten);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
    EXPECT_THAT(refused.error_message(), HasSubstr("the sitter's session is ending"));
  }
  daemon.advance(30'000);  // through the cool-down
  {
    grpc::ClientContext context;
    chair::v1::DeleteUserProfileResponse forgotten;
    const auto status = daemon.control().DeleteUserProfile(&context, forget, &forgotten);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(forgotten.sessions_forgotten(), 1u);
  }
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  EXPECT_EQ(rows_of_session(state, started.session_id()), 0)
      << "a row of the forgotten sitter's session outlived the forget";
}

// The same for a change: AdjustSession answered before its line in the history was written, so
// chaird killed just after the answer lost a change the kiosk had been told was made.
TEST(SessionHistory, AnAdjustmentIsAcknowledgedOnlyOnceItIsInTheHistory) {
  const std::string state = make_temp_dir("state");
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    chair::v1::StartSessionRequest as_held;
    as_held.set_user_id("held");
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start("e2e_full", &started, &as_held).ok()) << daemon.log();
    daemon.advance(5'000);
    sqlite3* db = hold_the_database(state);
    chair::v1::AdjustSessionRequest request;
    request.set_lease_token(started.lease_token());
    request.set_intensity_scale(0.5);
    auto answer = std::async(std::launch::async, [&] {
      chair::v1::AdjustSessionResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      return daemon.control().AdjustSession(&context, request, &response);
    });
    // The change is made at once; its line cannot be written while the test holds the lock.
    const auto status = answered_after_its_record(db, answer, "AdjustSession");
    ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
    daemon.kill_now();  // at once after the answer: the line must be on disk already
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto history = daemon.history("held");
  ASSERT_EQ(history.sessions_size(), 1) << daemon.log();
  ASSERT_EQ(history.sessions(0).adjustments_size(), 1) << daemon.log();
  EXPECT_EQ(history.sessions(0).adjustments(0).change(), "intensity 0.5");
}

// A stop or an emergency stop pressed while a start or a change waits for its line in the
// history (the two calls above): the chair stops at once, for nothing that stops it waits for
// the disk; the waiting call is answered once its line is written (the session did start, the
// change was made); and the history keeps the start, the change and how the session ended.
// The lock is held only as long as the stop takes: chaird's writes give up after 2 s.
TEST(SessionHistory, AStopWhileACallWaitsForItsRecordStopsTheChairAtOnce) {
  const std::string state = make_temp_dir("state");
  {
    DaemonOptions options = on_state(state);
    options.log_to_pipe = true;  // to see a change made: "[session-1-2] adjusted from 0:05"
    DaemonProcess daemon(options);
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    daemon.drain_log_pipe();
    chair::v1::StartSessionRequest as_held;
    as_held.set_user_id("held");
    as_held.set_program_id("e2e_full");
    for (const bool emergency : {false, true}) {
      for (const bool adjust : {false, true}) {
        SCOPED_TRACE(std::string(emergency ? "emergency stop" : "stop") + " while " +
                     (adjust ? "AdjustSession" : "StartSession") + " waits");
        chair::v1::StartSessionResponse started;
        if (adjust) {
          ASSERT_TRUE(daemon.start("e2e_full", &started, &as_held).ok()) << daemon.log();
          daemon.advance(5'000);
        }
        // The last round's end written first: its write, under the lock, would start the
        // busy timeout before this round's line is queued.
        (void)daemon.history("held");
        sqlite3* db = hold_the_database(state);
        // When chaird's write began, at the earliest: the guard below measures from it.
        auto held_at = std::chrono::steady_clock::now();
        auto answer = std::async(std::launch::async, [&] {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
          if (!adjust) return daemon.control().StartSession(&context, as_held, &started);
          chair::v1::AdjustSessionRequest request;
          request.set_lease_token(started.lease_token());
          request.set_intensity_scale(0.5);
          chair::v1::AdjustSessionResponse response;
          return daemon.control().AdjustSession(&context, request, &response);
        });
        // The call has done its part on the dispatch thread and waits for the disk.
        if (adjust) {
          if (!daemon.wait_for_log("[" + started.session_id() + "] adjusted from")) {
            sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
            sqlite3_close(db);
            const auto status = answer.get();
            FAIL() << "no change was made; AdjustSession: " << status.error_message();
          }
        } else {
          // The line is queued as the session begins, after the plan (which a loaded machine
          // makes slow): after the last look that found the chair not yet running.
          for (int i = 0; i < 300; ++i) {
            const auto looked_at = std::chrono::steady_clock::now();
            if (daemon.status().state() == chair::v1::RUNNING) break;
            held_at = looked_at;
            (void)answer.wait_for(std::chrono::milliseconds(10));
          }
          ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING) << daemon.log();
        }
        grpc::ClientContext stop_context;
        stop_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
        if (emergency) {
          chair::v1::EmergencyStopRequest request;
          request.set_reason("held");
          chair::v1::EmergencyStopResponse stopped;
          ASSERT_TRUE(daemon.control().EmergencyStop(&stop_context, request, &stopped).ok());
          EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
        } else {
          chair::v1::StopSessionResponse stopped;
          ASSERT_TRUE(daemon.control().StopSession(&stop_context, {}, &stopped).ok());
          EXPECT_NE(daemon.status().state(), chair::v1::RUNNING);
        }
        // chaird's write waits 2 s for the lock (its busy timeout); past that, the call is
        // answered with its line still queued, and what follows would not judge a call that
        // waited for its line.
        ASSERT_LT(std::chrono::steady_clock::now() - held_at, std::chrono::milliseconds(1500))
            << "the machine is too slow for this test: chaird's write may have given up";
        EXPECT_EQ(answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
            << "answered while its line was not in the history";
        EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        const auto status = answer.get();
        EXPECT_TRUE(status.ok()) << status.error_message() << daemon.log();
        daemon.advance(30'000);
        if (emergency) {
          EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
          grpc::ClientContext context;
          chair::v1::ResetFaultResponse reset;
          ASSERT_TRUE(daemon.control().ResetFault(&context, {}, &reset).ok()) << daemon.log();
        } else {
          EXPECT_EQ(daemon.status().state(), chair::v1::STOPPED);
        }
      }
    }
    EXPECT_EQ(daemon.terminate(), 0) << daemon.log();  // writes how the last session ended
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto history = daemon.history("held");
  ASSERT_EQ(history.sessions_size(), 4) << daemon.log();
  // Newest first: e-stop while adjusting, e-stop while starting, stop while adjusting, stop
  // while starting.
  const char* ended[] = {"EMERGENCY_STOPPED", "EMERGENCY_STOPPED", "STOPPED", "STOPPED"};
  const int changes[] = {1, 0, 1, 0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(history.sessions(i).how_it_ended(), ended[i]) << i;
    EXPECT_EQ(history.sessions(i).adjustments_size(), changes[i]) << i;
  }
}

TEST(UserProfiles, AreSavedCheckedReadAfterARestartAndForgottenWithTheirHistory) {
  const std::string state = make_temp_dir("state");
  std::string session;
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    chair::v1::GetUserProfileRequest get;
    get.set_user_id("ann");
    chair::v1::UserProfile out;
    {
      grpc::ClientContext context;
      EXPECT_EQ(daemon.control().GetUserProfile(&context, get, &out).error_code(),
                grpc::StatusCode::NOT_FOUND);
    }
    chair::v1::UserProfile bad;
    bad.set_user_id("ann");
    bad.set_display_name("Ann\nDROP TABLE");
    bad.set_preferred_intensity_scale(std::nan(""));
    bad.set_shoulder_offset_mm(1e9);
    bad.add_remembered_conditions("broken_heart");
    for (int i = 0; i < 40; ++i) bad.add_favourite_programs("e2e_full");
    {
      grpc::ClientContext context;
      const auto refused = daemon.control().SaveUserProfile(&context, bad, &out);
      EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      for (const char* field : {"display_name", "preferred_intensity_scale", "shoulder_offset_mm",
                                "remembered_conditions[0]", "favourite_programs"}) {
        EXPECT_TRUE(names_field(refused, field)) << field << ": " << refused.error_message();
      }
    }
    chair::v1::UserProfile ann;
    ann.set_user_id("ann");
    ann.set_display_name("Ann");
    ann.set_preferred_intensity_scale(0.7);
    ann.set_shoulder_offset_mm(-20);
    ann.add_favourite_programs("e2e_full");
    ann.add_remembered_conditions("varicose_veins");
    {
      grpc::ClientContext context;
      const auto saved = daemon.control().SaveUserProfile(&context, ann, &out);
      ASSERT_TRUE(saved.ok()) << saved.error_message();
      EXPECT_GT(out.updated_at_unix_ms(), 0);
    }
    {
      // Bytes that are not UTF-8 are refused with the field, and nothing is stored.
      chair::v1::UserProfile garbled = ann;
      garbled.set_display_name(std::string("Ann \xff\xfe", 6));
      grpc::ClientContext context;
      const auto refused = daemon.control().SaveUserProfile(&context, garbled, &out);
      EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_THAT(refused.error_message(), HasSubstr("display_name is not valid UTF-8"));
    }
    chair::v1::StartSessionRequest as_ann;
    as_ann.set_user_id("ann");
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start("e2e_full", &started, &as_ann).ok()) << daemon.log();
    session = started.session_id();
    EXPECT_EQ(daemon.terminate(), 0);
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::GetUserProfileRequest get;
  get.set_user_id("ann");
  chair::v1::UserProfile out;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(daemon.control().GetUserProfile(&context, get, &out).ok());
  }
  EXPECT_EQ(out.display_name(), "Ann");
  EXPECT_DOUBLE_EQ(out.preferred_intensity_scale(), 0.7);
  EXPECT_EQ(out.remembered_conditions(0), "varicose_veins");
  // The session chaird ended at its shutdown is in her history, and how it ended.
  auto ann_history = daemon.history("ann");
  ASSERT_EQ(ann_history.sessions_size(), 1);
  EXPECT_EQ(ann_history.sessions(0).session_id(), session);
  EXPECT_FALSE(ann_history.sessions(0).how_it_ended().empty());

  chair::v1::DeleteUserProfileRequest forget;
  forget.set_user_id("ann");
  forget.set_forget_history(true);
  chair::v1::DeleteUserProfileResponse forgotten;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(daemon.control().DeleteUserProfile(&context, forget, &forgotten).ok());
  }
  EXPECT_TRUE(forgotten.profile_deleted());
  EXPECT_EQ(forgotten.sessions_forgotten(), 1u);
  EXPECT_EQ(daemon.history("ann").sessions_size(), 0);
  grpc::ClientContext context;
  EXPECT_EQ(daemon.control().GetUserProfile(&context, get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(StateDatabase, ADatabaseChairdCannotUseStopsItNamingThePathAndIsLeftAlone) {
  const std::string state = make_temp_dir("state");
  const std::string path = state + "/chaird.db";
  const std::string junk = "not a database at all\n" + std::string(8192, '#');
  std::ofstream(path, std::ios::binary) << junk;
  DaemonProcess daemon(on_state(state));
  EXPECT_FALSE(daemon.ready());
  EXPECT_NE(daemon.wait_for_exit(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr(path));
  EXPECT_THAT(daemon.log(), HasSubstr("move it aside"));
  EXPECT_EQ(read_bytes(path), junk);
}

}  // namespace
}  // namespace chaird::test

namespace chaird::test {
namespace {

// A SaveProgram on its own thread, so that the test can act while it is held (SimBench's hold).
class PendingSave {
 public:
  PendingSave(DaemonProcess& daemon, std::string text)
      : thread_([this, &daemon, text = std::move(text)] {
          chair::v1::SaveProgramRequest request;
          request.set_text(text);
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
          status_ = daemon.control().SaveProgram(&context, request, &response_);
        }) {}
  ~PendingSave() {
    if (thread_.joinable()) thread_.join();
  }
  grpc::Status result() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  chair::v1::SaveProgramResponse response_;
  grpc::Status status_;
  std::thread thread_;
};

std::string wrapper_of(const std::string& id, const std::string& included) {
  return "metadata { id: \"" + id + "\" name: \"Wrapper\" }\nphases { include_program: \"" +
         included + "\" }\n";
}

TEST(CustomPrograms, ADeleteThatComesFirstAbortsASaveIncludingItAndNothingIsSaved) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(save(daemon, custom_text("base")).ok());
  daemon.hold_starts();
  PendingSave pending(daemon, wrapper_of("wrapper", "base"));
  daemon.await_held_start();  // checked against a library that has base
  ASSERT_TRUE(remove(daemon, "base").ok());
  daemon.release_starts();
  const auto result = pending.result();
  EXPECT_EQ(result.error_code(), grpc::StatusCode::ABORTED) << result.error_message();
  EXPECT_THAT(result.error_message(), HasSubstr("nothing was saved"));
  EXPECT_FALSE(listed(daemon, "wrapper").has_value());
  EXPECT_FALSE(listed(daemon, "base").has_value());
}

TEST(CustomPrograms, AReplacementMustKeepEveryProgramThatIncludesItWorking) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(save(daemon, custom_text("base")).ok());
  ASSERT_TRUE(save(daemon, wrapper_of("wrapper", "base")).ok());
  EXPECT_EQ(listed(daemon, "wrapper")->planned_duration_ms(), 30000);
  // Not for pregnant sitters, while the wrapper does not say so: refused, naming the wrapper.
  std::string unsafe = custom_text("base");
  unsafe.replace(unsafe.find("intensity_class"), 0, "contraindications: \"pregnancy\" ");
  const auto refused = save(daemon, unsafe, true);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("wrapper"));
  EXPECT_EQ(listed(daemon, "base")->planned_duration_ms(), 30000);
  // Longer: accepted, and the wrapper's length follows.
  std::string longer = custom_text("base");
  longer.replace(longer.find("30000"), 5, "45000");
  ASSERT_TRUE(save(daemon, longer, true).ok());
  EXPECT_EQ(listed(daemon, "wrapper")->planned_duration_ms(), 45000);
}

TEST(CustomPrograms, AStoredProgramThatIsNotOfferedCanStillBeDeleted) {
  const std::string state = make_temp_dir("state");
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(save(daemon, custom_text("mine")).ok());
  }
  // An update ships a program with the same id: the shipped one is offered, the custom one kept.
  const std::string shipped = make_temp_dir("shipped");
  std::ofstream(shipped + "/mine.textproto") << custom_text("mine", 0.5);
  std::filesystem::copy(fixture_programs() + "/e2e_full.textproto", shipped);
  {
    DaemonOptions options = with_programs({shipped});
    options.state_dir = state;
    DaemonProcess daemon(options);
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(listed(daemon, "mine").has_value());
    EXPECT_FALSE(listed(daemon, "mine")->custom());
    EXPECT_THAT(daemon.log(), HasSubstr("custom program 'mine' is not offered"));
    const auto deleted = remove(daemon, "mine");
    EXPECT_TRUE(deleted.ok()) << deleted.error_message();
    // The shipped one stays.
    EXPECT_TRUE(listed(daemon, "mine").has_value());
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  EXPECT_FALSE(listed(daemon, "mine").has_value());
}

// A row another program changed: stored under one id, its text says another. It is not
// offered (a delete of the id it shows would remove nothing from the database, and the program
// would come back at the next start), and it can be deleted under the id it is stored as.
TEST(CustomPrograms, ARowWhoseIdIsNotItsProgramsIsNotOfferedAndCanBeDeleted) {
  const std::string state = make_temp_dir("state");
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(save(daemon, custom_text("mine")).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((state + "/chaird.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "UPDATE custom_programs SET id = 'other' WHERE id = 'mine'", nullptr,
                           nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  {
    DaemonProcess daemon(on_state(state));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    EXPECT_FALSE(listed(daemon, "mine").has_value());
    EXPECT_FALSE(listed(daemon, "other").has_value());
    EXPECT_THAT(daemon.log(), HasSubstr("stored as 'other'"));
    const auto deleted = remove(daemon, "other");
    EXPECT_TRUE(deleted.ok()) << deleted.error_message();
  }
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  EXPECT_FALSE(listed(daemon, "mine").has_value());
  EXPECT_THAT(daemon.log(), Not(HasSubstr("stored as 'other'")));
}

TEST(CustomPrograms, TextAKioskShowsIsShortAndPrintable) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  std::string long_name = custom_text("long");
  long_name.replace(long_name.find("Mine long"), 9, std::string(100'000, 'n'));
  const auto refused = save(daemon, long_name);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("metadata.name is 100000 bytes long"));
  EXPECT_LT(refused.error_message().size(), 1100u);
  std::string escape = custom_text("escape");
  escape.replace(escape.find("Mine escape"), 11, "Mine \\x1b[2J");
  const auto control = save(daemon, escape);
  EXPECT_EQ(control.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(control.error_message(), HasSubstr("control characters"));
  // The file name comes back in every diagnostic's location: one plain line too.
  for (const char* name : {"a\x1b[2J.textproto", "a\u202e.textproto", "a\u0085.textproto"}) {
    chair::v1::SaveProgramRequest request;
    request.set_text(custom_text("named"));
    request.set_file_name(name);
    chair::v1::SaveProgramResponse ignored;
    grpc::ClientContext context;
    const auto named = daemon.control().SaveProgram(&context, request, &ignored);
    EXPECT_EQ(named.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_TRUE(names_field(named, "file_name")) << named.error_message();
    chair::v1::ValidateProgramRequest validate;
    validate.set_text(custom_text("named"));
    validate.set_file_name(name);
    chair::v1::ValidateProgramResponse checked;
    grpc::ClientContext validate_context;
    const auto validated = daemon.control().ValidateProgram(&validate_context, validate, &checked);
    EXPECT_EQ(validated.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
}

TEST(UserProfiles, KeepOnlyWhatChairdChecked) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::UserProfile ann;
  ann.set_user_id("ann");
  // A field this chaird does not know (a newer kiosk's, or 100 kB of anything).
  ann.GetReflection()->MutableUnknownFields(&ann)->AddLengthDelimited(999,
                                                                      std::string(100'000, 'x'));
  chair::v1::UserProfile out;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(daemon.control().SaveUserProfile(&context, ann, &out).ok());
  }
  EXPECT_EQ(out.GetReflection()->GetUnknownFields(out).field_count(), 0);
  chair::v1::GetUserProfileRequest get;
  get.set_user_id("ann");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(daemon.control().GetUserProfile(&context, get, &out).ok());
  }
  EXPECT_EQ(out.GetReflection()->GetUnknownFields(out).field_count(), 0);
  EXPECT_LT(out.ByteSizeLong(), 100u);
  // A name that would move a terminal's cursor.
  ann.set_display_name("Ann\x1b[2J");
  grpc::ClientContext context;
  const auto refused = daemon.control().SaveUserProfile(&context, ann, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(names_field(refused, "display_name"));
}

// A profile another program wrote into chaird's database is checked like one a kiosk saves:
// a name that clears a screen, a scale past StartSession's range, another sitter's id, or a
// field chaird does not know is not handed to the kiosk as the sitter's profile.
TEST(UserProfiles, AProfileChangedOutsideChairdIsCheckedBeforeAKioskGetsIt) {
  const std::string state = make_temp_dir("state");
  DaemonProcess daemon(on_state(state));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::UserProfile ann;
  ann.set_user_id("ann");
  ann.set_display_name("Ann");
  {
    grpc::ClientContext context;
    chair::v1::UserProfile out;
    ASSERT_TRUE(daemon.control().SaveUserProfile(&context, ann, &out).ok());
  }
  const auto write_blob = [&](const chair::v1::UserProfile& profile) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((state + "/chaird.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE user_profiles SET profile = ? WHERE user_id = 'ann'",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    const std::string blob = profile.SerializeAsString();
    sqlite3_bind_blob(stmt, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  };
  const auto get = [&](chair::v1::UserProfile* out) {
    chair::v1::GetUserProfileRequest request;
    request.set_user_id("ann");
    grpc::ClientContext context;
    return daemon.control().GetUserProfile(&context, request, out);
  };
  chair::v1::UserProfile screen = ann;
  screen.set_display_name("Ann\x1b[2J");
  chair::v1::UserProfile strong = ann;
  strong.set_preferred_intensity_scale(5.0);
  chair::v1::UserProfile bob = ann;
  bob.set_user_id("bob");
  for (const auto* bad : {&screen, &strong, &bob}) {
    write_blob(*bad);
    chair::v1::UserProfile out;
    const auto refused = get(&out);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::DATA_LOSS) << bad->ShortDebugString();
    EXPECT_THAT(refused.error_message(), HasSubstr("changed outside chaird"));
    EXPECT_EQ(refused.error_message().find('\x1b'), std::string::npos);
  }
  // A field chaird does not know (another program's) is dropped; the rest is the profile.
  chair::v1::UserProfile extra = ann;
  extra.GetReflection()->MutableUnknownFields(&extra)->AddLengthDelimited(999, "elsewhere");
  write_blob(extra);
  chair::v1::UserProfile out;
  ASSERT_TRUE(get(&out).ok());
  EXPECT_EQ(out.display_name(), "Ann");
  EXPECT_EQ(out.GetReflection()->GetUnknownFields(out).field_count(), 0);
}

// What a kiosk shows of a sitter (their name, their favourites, their notes) is one plain line
// (a note may have several): no 8-bit escape, no line separator, no override that makes what
// follows read backwards, as well as no ASCII control.
TEST(UserProfiles, NamesFavouritesAndNotesHoldNoControlCharacters) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto save = [&](const chair::v1::UserProfile& profile) {
    grpc::ClientContext context;
    chair::v1::UserProfile out;
    return daemon.control().SaveUserProfile(&context, profile, &out);
  };
  for (const char* name : {"Ann\u009b2J", "Ann\u2028Staff", "\u202eAnn", "Ann\u2066"}) {
    chair::v1::UserProfile ann;
    ann.set_user_id("ann");
    ann.set_display_name(name);
    const auto refused = save(ann);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_TRUE(names_field(refused, "display_name")) << refused.error_message();
  }
  chair::v1::UserProfile ann;
  ann.set_user_id("ann");
  ann.set_display_name("Ann \u00e9\u00e8");  // letters from outside ASCII are welcome
  ASSERT_TRUE(save(ann).ok());
  ann.add_favourite_programs("x\x1b[2J");
  const auto favourite = save(ann);
  EXPECT_EQ(favourite.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(names_field(favourite, "favourite_programs[0]")) << favourite.error_message();

  chair::v1::RecordSessionFeedbackRequest feedback;
  feedback.set_session_id("session-1-1");
  feedback.mutable_feedback()->set_note("fine\nthen \u202eworse");
  grpc::ClientContext context;
  chair::v1::RecordSessionFeedbackResponse ignored;
  const auto note = daemon.control().RecordSessionFeedback(&context, feedback, &ignored);
  EXPECT_EQ(note.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << note.error_message();
  EXPECT_TRUE(names_field(note, "feedback.note")) << note.error_message();
}

}  // namespace
}  // namespace chaird::test
