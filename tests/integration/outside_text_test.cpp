// Text from a client is hostile until checked: what chaird echoes (in a status, an error
// message, its log) is valid UTF-8, short, and cannot forge a log line, whatever a client sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/utf8_text.hpp"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(OutsideText, AnEmergencyStopReasonOfWideCharactersKeepsEveryStatusStreamReadable) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  ASSERT_TRUE(daemon.emergency_stop(repeat("急", 100)).ok());  // 300 bytes of UTF-8

  // A new watcher, after the stop: the status must parse, and say why the chair stopped.
  grpc::ClientContext context;
  auto reader = daemon.control().WatchSession(&context, {});
  chair::v1::SessionStatus status;
  ASSERT_TRUE(reader->Read(&status)) << reader->Finish().error_message();
  EXPECT_EQ(status.state(), chair::v1::EMERGENCY_STOPPED);
  EXPECT_THAT(status.reason(), HasSubstr("emergency stop: 急急"));
  EXPECT_EQ(first_invalid_utf8(status.reason()), std::string::npos);
  EXPECT_LE(status.reason().size(), 240u);
  context.TryCancel();
  (void)reader->Finish();
  daemon.advance(1000);  // statuses keep flowing
  EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
}

TEST(OutsideText, AReasonWithANewlineCannotForgeALogLine) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.emergency_stop("button\n2026-01-01 00:00:00.000 chaird info: all clear").ok());
  daemon.advance(100);
  ASSERT_EQ(daemon.terminate(), 0);
  std::istringstream log(daemon.log());
  std::string line;
  bool reason_logged = false;
  while (std::getline(log, line)) {
    EXPECT_NE(line.rfind("2026-01-01 00:00:00.000 chaird info: all clear", 0), 0u)
        << "a client forged a log line";
    reason_logged = reason_logged || line.find("all clear") != std::string::npos;
  }
  EXPECT_TRUE(reason_logged) << daemon.log();
}

TEST(OutsideText, AHugeProgramIdIsRefusedAsTooLongWithAShortMessage) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto status = daemon.start(std::string(10000, 'x'));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message().size();
  EXPECT_LT(status.error_message().size(), 200u);
  EXPECT_THAT(status.error_message(), HasSubstr("program_id is 10000 bytes long"));
  // Not too long, but no program: quoted as a short excerpt.
  const auto unknown = daemon.start(std::string(120, 'x'));
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LT(unknown.error_message().size(), 200u);
  EXPECT_THAT(unknown.error_message(), HasSubstr("xxxx…"));
}

TEST(OutsideText, ControlCharactersInAProgramIdAreEscapedInTheAnswer) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto status = daemon.start("e2e\nfull\x1b[2J");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("'e2e\\nfull\\x1b[2J'"));
}

// A body zone the chair does not know, in the limits a start tightens: escaped in the answer
// like any client text, so that it cannot clear a kiosk's terminal or forge a line.
TEST(OutsideText, ControlCharactersInALimitsRegionAreEscapedInTheAnswer) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  auto* depth = request.mutable_limits()->add_roller_depth();
  depth->set_region("x\n\x1b[2J");
  depth->set_max_depth_mm(5);
  depth->set_max_depth_midline_mm(5);
  const auto status = daemon.start("e2e_full", nullptr, &request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("'x\\n\\x1b[2J'"));
  EXPECT_EQ(status.error_message().find('\x1b'), std::string::npos) << status.error_message();
  EXPECT_EQ(status.error_message().find('\n'), std::string::npos) << status.error_message();
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
}

TEST(OutsideText, AHugeUnknownConditionAndSessionIdComeBackShort) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  request.add_health_conditions(repeat("急", 5000));
  const auto refused = daemon.start("e2e_full", nullptr, &request);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(refused.error_message().size(), 800u);
  EXPECT_EQ(first_invalid_utf8(refused.error_message()), std::string::npos);

  grpc::ClientContext context;
  chair::v1::WatchSessionRequest watch;
  watch.set_session_id(std::string(10000, 's'));
  auto reader = daemon.control().WatchSession(&context, watch);
  chair::v1::SessionStatus s;
  EXPECT_FALSE(reader->Read(&s));
  const auto status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 200u);
}

// A plugin's failure text reaches the kiosk only short and valid, whatever the plugin threw.
TEST(OutsideText, APluginsFailureTextIsShortAndValidInTheRefusal) {
  const std::string plugins = make_temp_dir("plugins");
  ::chmod(plugins.c_str(), 0755);
  std::filesystem::copy_file(fixture_dir() + "/misbehaving.so", plugins + "/misbehaving.so");
  ::chmod((plugins + "/misbehaving.so").c_str(), 0755);
  const std::string programs = make_temp_dir("programs");
  std::ofstream(programs + "/babble.textproto")
      << "metadata { id: \"babble\" name: \"Babble\" total_duration_ms: 10000 }\n"
         "phases { kind: MAIN tracks { kind: BACK_ROLLERS items { step { name: \"b\" "
         "technique: \"misbehaving\" zone: \"lumbar\" duration_ms: 10000 intensity: 0.8 "
         "params { name: \"mode\" choice: \"babble_when_strong\" } } } } }\n";
  DaemonOptions options = with_programs({programs});
  options.plugin_dirs = {plugins};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest strong;
  strong.set_intensity_scale(1.2);
  const auto refused = daemon.start("babble", nullptr, &strong);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << refused.error_code() << " " << refused.error_message().size();
  EXPECT_LE(refused.error_message().size(), 1000u);
  EXPECT_EQ(first_invalid_utf8(refused.error_message()), std::string::npos);
  EXPECT_THAT(refused.error_message(), HasSubstr("line one"));
  EXPECT_EQ(refused.error_message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace chaird::test
