// The configuration's limits, on the real daemon: a looser value stops chaird at start-up, and a
// tighter one reaches the governor that reviews every program.
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

}  // namespace
}  // namespace chaird::test
