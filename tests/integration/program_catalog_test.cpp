// What a kiosk and an engineer ask before a session: the chair (GetChair), the programs that
// suit a sitter (ListPrograms' filters, GetProgram), whether a program text would be accepted
// (ValidateProgram) and what a start would do (PreviewSession). None of them moves anything.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "chair/v1/errors.pb.h"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The paths of the fields a refused call names.
std::vector<std::string> bad_fields(const grpc::Status& status) {
  std::vector<std::string> out;
  chair::v1::ErrorStatus details;
  EXPECT_TRUE(details.ParseFromString(status.error_details())) << status.error_message();
  for (const auto& any : details.details()) {
    chair::v1::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) out.push_back(v.field());
  }
  return out;
}

chair::v1::ListProgramsResponse list(DaemonProcess& daemon,
                                     const chair::v1::ListProgramsRequest& request,
                                     grpc::Status* status = nullptr) {
  grpc::ClientContext context;
  chair::v1::ListProgramsResponse response;
  const auto s = daemon.control().ListPrograms(&context, request, &response);
  if (status != nullptr) {
    *status = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  return response;
}

chair::v1::GetChairResponse get_chair(DaemonProcess& daemon) {
  grpc::ClientContext context;
  chair::v1::GetChairResponse response;
  EXPECT_TRUE(daemon.control().GetChair(&context, {}, &response).ok());
  return response;
}

TEST(ProgramCatalog, GetChairShowsTheModelItsStateAndTheLatchedFaults) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto chair = get_chair(daemon);
  EXPECT_FALSE(chair.profile().id().empty());
  EXPECT_FALSE(chair.profile().name().empty());
  EXPECT_GE(chair.profile().actuators_size(), 10);
  EXPECT_GT(chair.profile().limits().max_airbag_kpa(), 0.0);
  EXPECT_EQ(chair.state(), chair::v1::IDLE);
  EXPECT_THAT(chair.techniques(), Contains("shiatsu"));
  EXPECT_TRUE(chair.faults().empty());

  ASSERT_TRUE(daemon.emergency_stop("sitter pressed the red button").ok());
  chair = get_chair(daemon);
  EXPECT_EQ(chair.state(), chair::v1::EMERGENCY_STOPPED);
  ASSERT_EQ(chair.faults_size(), 1);
  EXPECT_EQ(chair.faults(0).code(), chair::v1::EMERGENCY_STOP);
  EXPECT_THAT(chair.faults(0).reason(), HasSubstr("red button"));

  grpc::ClientContext context;
  chair::v1::ResetFaultResponse reset;
  ASSERT_TRUE(daemon.control().ResetFault(&context, {}, &reset).ok());
  EXPECT_EQ(reset.state(), chair::v1::IDLE);
  chair = get_chair(daemon);
  EXPECT_EQ(chair.state(), chair::v1::IDLE);
  EXPECT_TRUE(chair.faults().empty());
}

TEST(ProgramCatalog, ResetSafetyStillResetsForAppsWrittenAgainstIt) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.emergency_stop().ok());
  grpc::ClientContext context;
  chair::v1::ResetSafetyResponse reset;
  ASSERT_TRUE(daemon.control().ResetSafety(&context, {}, &reset).ok());
  EXPECT_EQ(reset.state(), chair::v1::IDLE);
}

TEST(ProgramCatalog, ListProgramsFiltersForTheSittersScreen) {
  DaemonProcess daemon;  // the shipped library
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto all = list(daemon, {});
  ASSERT_GE(all.programs_size(), 10);
  EXPECT_EQ(all.unsuitable_count(), 0u);
  auto has = [](const auto& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };

  chair::v1::ListProgramsRequest request;
  request.add_focus_areas("neck");
  request.add_focus_areas("feet");
  auto listed = list(daemon, request);
  int expected = 0;
  for (const auto& p : all.programs()) {
    if (has(p.metadata().focus_areas(), "neck") || has(p.metadata().focus_areas(), "feet"))
      ++expected;
  }
  ASSERT_GT(expected, 0);
  EXPECT_EQ(listed.programs_size(), expected);

  request.Clear();
  request.add_intensity_classes(chair::v1::GENTLE);
  request.set_max_duration_ms(15 * 60 * 1000);
  listed = list(daemon, request);
  expected = 0;
  for (const auto& p : all.programs()) {
    if (p.metadata().intensity_class() == chair::v1::GENTLE &&
        p.planned_duration_ms() <= 15 * 60 * 1000) {
      ++expected;
    }
  }
  ASSERT_GT(expected, 0);
  EXPECT_EQ(listed.programs_size(), expected);
  for (const auto& p : listed.programs())
    EXPECT_EQ(p.metadata().intensity_class(), chair::v1::GENTLE) << p.metadata().id();

  request.Clear();
  request.add_health_conditions("pregnancy");
  listed = list(daemon, request);
  int ruled_out = 0;
  for (const auto& p : all.programs())
    if (has(p.metadata().contraindications(), "pregnancy")) ++ruled_out;
  ASSERT_GT(ruled_out, 0);
  EXPECT_EQ(listed.unsuitable_count(), static_cast<unsigned>(ruled_out));
  EXPECT_EQ(listed.programs_size(), all.programs_size() - ruled_out);
  for (const auto& p : listed.programs())
    EXPECT_FALSE(has(p.metadata().contraindications(), "pregnancy")) << p.metadata().id();

  // Every bad filter is named.
  request.Clear();
  request.add_focus_areas("elbow");
  request.add_intensity_classes(static_cast<chair::v1::IntensityClass>(99));
  request.set_min_duration_ms(-5);
  request.add_health_conditions(std::string(100000, 'h'));
  grpc::Status status;
  list(daemon, request, &status);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_fields(status),
              ::testing::UnorderedElementsAre("focus_areas[0]", "intensity_classes[0]",
                                              "min_duration_ms", "health_conditions[0]"));
}

TEST(ProgramCatalog, GetProgramReturnsTheWholeProgram) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext c1;
  chair::v1::GetProgramRequest request;
  request.set_program_id("e2e_full");
  chair::v1::GetProgramResponse program;
  ASSERT_TRUE(daemon.control().GetProgram(&c1, request, &program).ok());
  EXPECT_EQ(program.summary().metadata().id(), "e2e_full");
  EXPECT_EQ(program.summary().planned_duration_ms(), 180000);
  ASSERT_EQ(program.program().phases_size(), 2);
  EXPECT_EQ(program.program().phases(0).tracks(0).items(0).step().name(), "shoulder press");

  grpc::ClientContext c2;
  request.set_program_id("no_such_program");
  const auto missing = daemon.control().GetProgram(&c2, request, &program);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(bad_fields(missing), Contains("program_id"));
  grpc::ClientContext c3;
  request.set_program_id(std::string(100000, 'p'));
  EXPECT_EQ(daemon.control().GetProgram(&c3, request, &program).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

chair::v1::ValidateProgramResponse validate(DaemonProcess& daemon, const std::string& text,
                                            const std::string& file_name = "") {
  grpc::ClientContext context;
  chair::v1::ValidateProgramRequest request;
  request.set_text(text);
  request.set_file_name(file_name);
  chair::v1::ValidateProgramResponse response;
  const auto status = daemon.control().ValidateProgram(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

TEST(ProgramCatalog, ValidateProgramPointsAtEveryProblemAndStoresNothing) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string good = read_text(fixture_programs() + "/e2e_full.textproto");
  auto checked = validate(daemon, good, "mine.textproto");
  EXPECT_TRUE(checked.valid());
  EXPECT_EQ(checked.program_id(), "e2e_full");
  EXPECT_EQ(checked.planned_duration_ms(), 180000);
  EXPECT_GT(checked.step_count(), 0u);
  for (const auto& d : checked.diagnostics())
    EXPECT_EQ(d.severity(), chair::v1::ProgramDiagnostic::WARNING) << d.message();

  // A syntax error: where, and what was expected.
  checked = validate(daemon, "metadata {\n  id: \"x\"\n  name: 7 7\n}\n");
  EXPECT_FALSE(checked.valid());
  ASSERT_GE(checked.diagnostics_size(), 1);
  EXPECT_EQ(checked.diagnostics(0).file(), "upload.textproto");
  EXPECT_EQ(checked.diagnostics(0).line(), 3);
  EXPECT_GT(checked.diagnostics(0).column(), 0);

  // Semantic errors: each at its step.
  std::string bad = good;
  bad.replace(bad.find("technique: \"acupressure\""), 24, "technique: \"no_such_one\"");
  bad.replace(bad.find("zone: \"legs\""), 12, "zone: \"wings\"");
  checked = validate(daemon, bad, "mine.textproto");
  EXPECT_FALSE(checked.valid());
  int errors = 0;
  for (const auto& d : checked.diagnostics()) {
    if (d.severity() != chair::v1::ProgramDiagnostic::ERROR) continue;
    ++errors;
    EXPECT_EQ(d.file(), "mine.textproto");
    EXPECT_GT(d.line(), 10) << d.message();
  }
  EXPECT_GE(errors, 2) << checked.DebugString();

  // Hostile text within the size limit: a name or a value of 900 KB is a diagnostic like any
  // other (explaining it once overflowed the stack and took chaird down), and chaird goes on.
  for (const std::string& huge :
       {"metadata { " + std::string(900'000, 'x') + ": 1 }\n",
        "phases { tracks { items { step { intensity: \"" + std::string(900'000, '7') +
            "\" } } } }\n",
        "metadata { id: \"" + std::string(900'000, 'i') + "\" name: \"H\" }\n",
        "metadata { id: \"h\" name: \"H\" }\nphases { kind: MAIN tracks { items { repeat { count: "
        "2 items { step { technique: \"" +
            std::string(900'000, 't') + "\" zone: \"lumbar\" duration_ms: 20000 } } } } } }\n"}) {
    checked = validate(daemon, huge);
    EXPECT_FALSE(checked.valid());
    EXPECT_GE(checked.diagnostics_size(), 1);
  }
  // A megabyte of unknown fields: the first 20, then one error that counts the rest. Listing
  // all 91,920 took a minute on the planning thread, which every start waits for.
  std::string unknown;
  for (int i = 0; unknown.size() < 1'000'000; ++i) unknown += "zz" + std::to_string(i) + ": 1\n";
  checked = validate(daemon, unknown);
  EXPECT_FALSE(checked.valid());
  ASSERT_EQ(checked.diagnostics_size(), 21);
  EXPECT_NE(checked.diagnostics(20).message().find("more errors from here on are not listed"),
            std::string::npos)
      << checked.diagnostics(20).message();
  EXPECT_EQ(checked.diagnostics(20).line(), 21);
  EXPECT_TRUE(validate(daemon, good).valid()) << daemon.log();

  // The request itself: empty, too large, a file name on two lines.
  for (const auto& [text, name, field] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"", "", "text"},
           {std::string(2 << 20, ' '), "", "text"},
           {good, "a\nb", "file_name"}}) {
    grpc::ClientContext context;
    chair::v1::ValidateProgramRequest request;
    request.set_text(text);
    request.set_file_name(name);
    chair::v1::ValidateProgramResponse response;
    const auto status = daemon.control().ValidateProgram(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(bad_fields(status), Contains(field));
  }

  // Validation stores nothing: the library is as it was.
  EXPECT_EQ(list(daemon, {}).programs_size(), 1);
  daemon.advance(1000);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
}

// A program with a problem in each of thousands of steps: a kiosk or an editor gets a hundred
// of them (errors first) and one line that counts the rest, not an answer of megabytes (past 4 MB,
// gRPC's default for what a client takes, it would get no answer at all).
TEST(ProgramCatalog, ValidateProgramListsAHundredProblemsAndCountsTheRest) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string name(80, 'n');
  std::string text = "metadata { id: \"many\" name: \"Many\" }\nphases { kind: MAIN tracks {\n";
  constexpr int kSteps = 3000;
  for (int i = 0; i < kSteps; ++i) {
    text += "items { step { name: \"" + name + "\" technique: \"" + name + "\" zone: \"" + name +
            "\" duration_ms: 1000 } }\n";
  }
  text += "} }\n";
  ASSERT_LT(text.size(), std::size_t{1} << 20);
  const auto checked = validate(daemon, text, std::string(200, 'f'));
  EXPECT_FALSE(checked.valid());
  ASSERT_EQ(checked.diagnostics_size(), 101) << checked.ByteSizeLong() << " bytes";
  EXPECT_LT(checked.ByteSizeLong(), 200'000u);
  const auto& last = checked.diagnostics(100);
  EXPECT_EQ(last.severity(), chair::v1::ProgramDiagnostic::ERROR);
  EXPECT_THAT(last.message(), HasSubstr("more errors"));
  EXPECT_THAT(last.message(), HasSubstr("not listed"));
  EXPECT_GT(last.line(), 0);  // at the first it does not list
  // Listed ones are whole diagnostics, in order.
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(checked.diagnostics(i).file(), std::string(200, 'f'));
    EXPECT_THAT(checked.diagnostics(i).message(), ::testing::Not(HasSubstr("not listed")));
  }
  EXPECT_TRUE(validate(daemon, read_text(fixture_programs() + "/e2e_full.textproto")).valid());
}

chair::v1::PreviewSessionResponse preview(DaemonProcess& daemon,
                                          chair::v1::StartSessionRequest request,
                                          grpc::Status* status = nullptr) {
  grpc::ClientContext context;
  if (request.program_id().empty()) request.set_program_id("e2e_full");
  chair::v1::PreviewSessionResponse response;
  const auto s = daemon.control().PreviewSession(&context, request, &response);
  if (status != nullptr) {
    *status = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  return response;
}

TEST(ProgramCatalog, PreviewSaysWhatAStartWouldDoAndMovesNothing) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();

  auto as_asked = preview(daemon, {});
  EXPECT_NE(as_asked.outcome(), chair::v1::PreviewSessionResponse::REFUSED) << as_asked.refusal();
  EXPECT_EQ(as_asked.planned_duration_ms(), 180000);
  EXPECT_EQ(as_asked.chair_state(), chair::v1::IDLE);

  chair::v1::StartSessionRequest request;
  request.add_health_conditions("thrombosis");
  auto unsuitable = preview(daemon, request);
  EXPECT_EQ(unsuitable.outcome(), chair::v1::PreviewSessionResponse::REFUSED);
  EXPECT_THAT(unsuitable.refusal(), HasSubstr("thrombosis"));
  EXPECT_EQ(unsuitable.error_status().code(), grpc::StatusCode::FAILED_PRECONDITION);

  // A session limit the program cannot keep: refused, with the governor's reason.
  request.Clear();
  request.mutable_limits()->set_max_session_ms(60000);
  auto too_long = preview(daemon, request);
  EXPECT_EQ(too_long.outcome(), chair::v1::PreviewSessionResponse::REFUSED);
  EXPECT_FALSE(too_long.refusal().empty());

  // Bad fields are the same INVALID_ARGUMENT a start would get.
  request.Clear();
  request.set_intensity_scale(0);
  grpc::Status status;
  preview(daemon, request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_fields(status), Contains("intensity_scale"));

  // What the preview said is what the start does.
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  EXPECT_EQ(started.planned_duration_ms(), as_asked.planned_duration_ms());
  EXPECT_EQ(started.adaptations_size(), as_asked.adaptations_size());
}

TEST(ProgramCatalog, APreviewWhileEmergencyStoppedSaysSoAndMovesNothing) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.emergency_stop().ok());
  chair::v1::StartSessionRequest request;
  request.set_intensity_scale(1.4);
  const auto previewed = preview(daemon, request);
  EXPECT_EQ(previewed.chair_state(), chair::v1::EMERGENCY_STOPPED);
  daemon.advance(3000);
  EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
  EXPECT_EQ(daemon.terminate(), 0);
  const Trace trace = Trace::read(daemon.trace_path());
  ASSERT_GT(trace.size(), 0u);
  for (std::size_t r = 0; r < trace.size(); ++r)
    EXPECT_NE(trace.text(r, "state"), "RUNNING") << "no session began";
}

}  // namespace
}  // namespace chaird::test
