// Refusals a kiosk can act on: every refused call carries chair.v1.ErrorStatus in its status
// details (which fields, their allowed ranges, which state or which answers block the call, a
// message for the sitter), and every invalid field is reported, not only the first.
#include "error_details.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>

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

TEST(ErrorDetails, EveryInvalidFieldOfAStartIsReportedWithItsPathAndRange) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  request.set_intensity_scale(3.0);
  request.set_speed_scale(std::nan(""));
  request.mutable_body_scan()->set_height_cm(120);
  request.set_shoulder_offset_mm(-std::numeric_limits<double>::infinity());
  request.add_health_conditions("thrombosis");  // known: fine
  request.add_health_conditions("broken_heart");
  request.add_health_conditions(std::string(100000, 'x'));
  request.set_client_name(std::string(100000, 'k'));
  request.mutable_limits()->set_max_airbag_kpa(1000);  // looser than the chair's

  const auto status = daemon.start("e2e_full", nullptr, &request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("8 fields of the start request are invalid"));
  EXPECT_LE(status.error_message().size(), 1000u);
  const Details d = details_of(status);
  ASSERT_EQ(d.fields.size(), 8u) << d.status.DebugString();

  const auto& intensity = d.fields.at("intensity_scale");
  EXPECT_EQ(intensity.reason(), "OUT_OF_RANGE");
  EXPECT_DOUBLE_EQ(intensity.min(), 0.2);
  EXPECT_DOUBLE_EQ(intensity.max(), 1.5);
  EXPECT_EQ(d.fields.at("speed_scale").reason(), "NOT_A_NUMBER");
  const auto& height = d.fields.at("body_scan.height_cm");
  EXPECT_DOUBLE_EQ(height.min(), 150);
  EXPECT_DOUBLE_EQ(height.max(), 195);
  EXPECT_THAT(height.description(), HasSubstr("fits sitters from 150 to 195 cm"));
  EXPECT_EQ(d.fields.at("shoulder_offset_mm").reason(), "NOT_A_NUMBER");
  const auto& condition = d.fields.at("health_conditions[1]");
  EXPECT_EQ(condition.reason(), "UNKNOWN_VALUE");
  EXPECT_THAT(condition.allowed_values(), Contains("thrombosis"));
  EXPECT_EQ(d.fields.at("health_conditions[2]").reason(), "UNKNOWN_VALUE");
  EXPECT_EQ(d.fields.at("client_name").reason(), "TOO_LONG");
  const auto& limits = d.fields.at("limits.max_airbag_kpa");
  EXPECT_EQ(limits.reason(), "LOOSER_THAN_CHAIR");
  EXPECT_THAT(limits.description(), HasSubstr("would loosen"));
  for (const auto& [path, v] : d.fields)
    EXPECT_LE(v.description().size(), 300u) << path << " is quoted short";

  daemon.advance(2000);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
}

TEST(ErrorDetails, ManyBadAnswersStillMakeAStatusTheKioskCanRead) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  for (int i = 0; i < 30; ++i) request.add_health_conditions("made_up_" + std::to_string(i));
  const auto status = daemon.start("e2e_full", nullptr, &request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(),
              HasSubstr("30 fields of the start request are invalid (the first 20 listed)"));
  const Details d = details_of(status);
  // Bounded to fit a trailer: the first problems whole, in order.
  EXPECT_GE(d.fields.size(), 5u);
  EXPECT_LE(d.fields.size(), 20u);
  EXPECT_EQ(d.fields.count("health_conditions[0]"), 1u);
  EXPECT_LE(status.error_details().size(), 3000u);
}

// A million answers cost chaird one problem, not a million records (and not its memory).
TEST(ErrorDetails, ARepeatedFieldWithFarTooManyEntriesIsOneProblem) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  for (int i = 0; i < 1000; ++i) request.add_health_conditions("thrombosis");
  const auto start = daemon.start("e2e_full", nullptr, &request);
  ASSERT_EQ(start.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << start.error_message();
  const Details d = details_of(start);
  ASSERT_EQ(d.fields.size(), 1u);
  EXPECT_EQ(d.fields.at("health_conditions").reason(), "TOO_MANY");
  EXPECT_DOUBLE_EQ(d.fields.at("health_conditions").max(), 32);

  chair::v1::ListProgramsRequest filter;
  for (int i = 0; i < 1'000'000; ++i) filter.add_focus_areas("");
  grpc::ClientContext context;
  chair::v1::ListProgramsResponse listed;
  const auto list = daemon.control().ListPrograms(&context, filter, &listed);
  ASSERT_EQ(list.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(list.error_message(), HasSubstr("focus_areas has 1000000 entries; at most 32"));
  EXPECT_TRUE(daemon.running());
}

TEST(ErrorDetails, AStartBlockedByTheChairsStateSaysWhichState) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.emergency_stop().ok());
  const auto status = daemon.start("e2e_full");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const Details d = details_of(status);
  ASSERT_EQ(d.blocking.size(), 1u);
  EXPECT_EQ(d.blocking[0].type(), "SESSION_STATE");
  EXPECT_EQ(d.blocking[0].subject(), "EMERGENCY_STOPPED");
  EXPECT_THAT(d.sitter_message, HasSubstr("ask staff"));

  // Pausing with nothing running: the state that blocks it is named too.
  grpc::ClientContext context;
  chair::v1::PauseSessionResponse paused;
  const auto pause = daemon.control().PauseSession(&context, {}, &paused);
  ASSERT_EQ(pause.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const Details p = details_of(pause);
  ASSERT_EQ(p.blocking.size(), 1u);
  EXPECT_EQ(p.blocking[0].subject(), "EMERGENCY_STOPPED");
}

TEST(ErrorDetails, AnUnsuitableProgramNamesEveryConditionThatRulesItOut) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  for (int i = 0; i < 30; ++i) request.add_health_conditions("pregnancy");  // each named once
  request.add_health_conditions("thrombosis");
  const auto status = daemon.start("e2e_full", nullptr, &request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const Details d = details_of(status);
  ASSERT_EQ(d.blocking.size(), 2u);
  std::set<std::string> subjects;
  for (const auto& b : d.blocking) {
    EXPECT_EQ(b.type(), "CONTRAINDICATION");
    subjects.insert(b.subject());
  }
  EXPECT_EQ(subjects, (std::set<std::string>{"pregnancy", "thrombosis"}));
  EXPECT_THAT(d.sitter_message, HasSubstr("not suitable for you"));
}

TEST(ErrorDetails, AnUnknownProgramIsNotFoundAndNamesTheField) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto status = daemon.start("no_such_program");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  const Details d = details_of(status);
  ASSERT_EQ(d.fields.count("program_id"), 1u);
  EXPECT_EQ(d.fields.at("program_id").reason(), "UNKNOWN_VALUE");

  const auto empty = daemon.start("");
  ASSERT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(details_of(empty).fields.at("program_id").reason(), "REQUIRED");
}

TEST(ErrorDetails, EveryRefusedCallIsLoggedWithWhoAskedAndWhy) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  request.set_intensity_scale(0);
  ASSERT_EQ(daemon.start("e2e_full", nullptr, &request).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  {
    grpc::ClientContext context;
    chair::v1::PauseSessionResponse paused;
    ASSERT_EQ(daemon.control().PauseSession(&context, {}, &paused).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);  // finished on the dispatch thread
  }
  ASSERT_TRUE(daemon.start("e2e_full").ok());  // not a refusal: not logged as one
  ASSERT_EQ(daemon.terminate(), 0);
  const std::string who =
      fmt::format("from uid {} gid {} pid {} refused: ", ::getuid(), ::getgid(), ::getpid());
  EXPECT_THAT(daemon.log(), HasSubstr("/chair.v1.ChairControl/StartSession " + who +
                                      "INVALID_ARGUMENT: intensity_scale must be between"));
  EXPECT_THAT(daemon.log(), HasSubstr("/chair.v1.ChairControl/PauseSession " + who +
                                      "FAILED_PRECONDITION: there is no running session"));
  EXPECT_EQ(daemon.log().find("StartSession from uid", daemon.log().find("FAILED_PRECONDITION")),
            std::string::npos)
      << daemon.log();
}

}  // namespace
}  // namespace chaird::test
