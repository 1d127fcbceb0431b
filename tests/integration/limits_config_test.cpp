// The configuration's and a session's limits, on the real daemon: a looser value stops chaird at
// start-up (or is INVALID_ARGUMENT for a session), and a tighter one reaches the governor that
// reviews the plan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string write_config(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

DaemonOptions with_config(const std::string& path) {
  DaemonOptions options = with_programs({source_dir() + "/tests/integration/programs"});
  options.extra_args = {"--config", path};
  return options;
}

TEST(LimitsConfig, ALooserLimitStopsChairdAtStartUpNamingIt) {
  DaemonProcess chaird(with_config(write_config(
      "loose_limits.textproto", "limits { max_airbag_kpa: 45 motor_reverse_rest_ms: 100 }\n")));
  EXPECT_EQ(chaird.wait_for_exit(), 1);
  EXPECT_THAT(chaird.log(), HasSubstr("the configuration: limits.max_airbag_kpa 45 kPa would "
                                      "loosen the chair's 35 kPa"));
  EXPECT_THAT(chaird.log(), HasSubstr("limits.motor_reverse_rest_ms 100 ms would loosen the "
                                      "chair's 250 ms"));
}

TEST(LimitsConfig, ATighterDepthLimitRefusesAProgramThatPressesDeeper) {
  // The fixture's shiatsu presses the shoulders; this installation allows 1 mm there.
  DaemonProcess chaird(
      with_config(write_config("tight_limits.textproto",
                               "limits { roller_depth { region: \"shoulders\" max_depth_mm: 1 "
                               "max_depth_midline_mm: 1 } }\n")));
  ASSERT_TRUE(chaird.ready()) << chaird.log();
  EXPECT_THAT(chaird.log(), HasSubstr("limits tightened by the configuration"));
  EXPECT_THAT(chaird.log(), HasSubstr("over the shoulders; this chair allows at most 1 mm there"));
  const grpc::Status refused = chaird.start("e2e_full");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND) << refused.error_message();
}

TEST(SessionLimits, ALooserFieldIsInvalidArgumentAndATighterOneHoldsThePlan) {
  DaemonProcess chaird(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(chaird.ready()) << chaird.log();
  chair::v1::StartSessionRequest loose;
  loose.mutable_limits()->set_max_airbag_kpa(45);
  loose.mutable_limits()->set_max_heat_c(60);
  const grpc::Status refused = chaird.start("e2e_full", nullptr, &loose);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("limits.max_airbag_kpa 45 kPa would loosen the chair's 35 kPa"));
  EXPECT_THAT(refused.error_message(), HasSubstr("limits.max_heat_c 60 °C would loosen"));
  EXPECT_EQ(chaird.status().state(), chair::v1::IDLE);

  // The fixture presses the lumbar; this sitter's session allows 1 mm there.
  chair::v1::StartSessionRequest shallow;
  auto* depth = shallow.mutable_limits()->add_roller_depth();
  depth->set_region("lumbar");
  depth->set_max_depth_mm(1);
  depth->set_max_depth_midline_mm(1);
  const grpc::Status held = chaird.start("e2e_full", nullptr, &shallow);
  EXPECT_EQ(held.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << held.error_message();
  EXPECT_THAT(held.error_message(), HasSubstr("over the lumbar; this chair allows at most 1 mm"));
  EXPECT_EQ(chaird.status().state(), chair::v1::IDLE);

  // Stricter air and heat: the techniques scale into them and the session runs.
  chair::v1::StartSessionRequest soft;
  soft.mutable_limits()->set_max_airbag_kpa(20);
  soft.mutable_limits()->set_max_heat_c(38);
  const grpc::Status started = chaird.start("e2e_full", nullptr, &soft);
  EXPECT_TRUE(started.ok()) << started.error_message();
  EXPECT_EQ(chaird.status().state(), chair::v1::RUNNING);
}

// A start refused while it was planned lets the start gate go before it answers: found when
// the test above failed once (at load 4), its next start refused with "another start is being
// prepared", since the refused plan still held its claim when the kiosk had its answer.
TEST(SessionLimits, AStartRefusedWhilePlannedFreesTheGateBeforeItAnswers) {
  DaemonProcess chaird(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(chaird.ready()) << chaird.log();
  chair::v1::StartSessionRequest shallow;
  auto* depth = shallow.mutable_limits()->add_roller_depth();
  depth->set_region("lumbar");
  depth->set_max_depth_mm(1);
  depth->set_max_depth_midline_mm(1);
  for (int i = 0; i < 200; ++i) {
    const grpc::Status refused = chaird.start("e2e_full", nullptr, &shallow);
    ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << "start " << i << ": " << refused.error_message();
    ASSERT_THAT(refused.error_message(), HasSubstr("this chair allows at most 1 mm"))
        << "start " << i;
  }
}

}  // namespace
}  // namespace chaird::test
