// The stop paths never wait for the log: with chaird's stderr a pipe nobody reads (a stalled
// journal, a paused terminal), an emergency stop still brings the chair to its safe state at
// once. (That the log counts and reports the lines it drops: tests/unit/async_log_test.cpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

TEST(BlockedLog, AnEmergencyStopReachesTheSafeStateWhileNobodyReadsTheLog) {
  DaemonOptions options = with_programs({source_dir() + "/tests/integration/programs"});
  options.log_to_pipe = true;
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready());
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(60000);   // heat on, rollers pressing
  daemon.fill_log_pipe();  // from now on a write to chaird's stderr would wait

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  chair::v1::EmergencyStopRequest request;
  request.set_reason("the sitter pressed the button");
  chair::v1::EmergencyStopResponse response;
  const auto status = daemon.control().EmergencyStop(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.state(), chair::v1::EMERGENCY_STOPPED);
  const auto now = daemon.status();
  EXPECT_EQ(now.state(), chair::v1::EMERGENCY_STOPPED);
  for (const auto& a : now.actuators()) {
    if (a.id().rfind("airbag.", 0) == 0 || a.id().rfind("heat.", 0) == 0 ||
        a.id() == "roller.depth" || a.id() == "roller.knead") {
      EXPECT_EQ(a.target(), 0.0) << a.id();
    }
  }
  daemon.advance(5000);  // the dispatch thread is still alive
  EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);

  daemon.drain_log_pipe();
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr("emergency stop: the sitter pressed the button"));
}

}  // namespace
}  // namespace chaird::test
