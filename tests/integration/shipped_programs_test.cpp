// Every shipped program, run to its end on the real daemon and the simulated chair: it
// completes, and the chair is left in its safe state.
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

TEST(ShippedPrograms, EveryProgramRunsToItsEndAndLeavesTheChairSafe) {
  DaemonProcess daemon;  // the shipped programs and plugins
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext context;
  chair::v1::ListProgramsResponse programs;
  ASSERT_TRUE(daemon.control().ListPrograms(&context, {}, &programs).ok());
  ASSERT_GE(programs.programs_size(), 15);
  for (const auto& p : programs.programs()) {
    SCOPED_TRACE(p.metadata().id());
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start(p.metadata().id(), &started).ok()) << daemon.log();
    daemon.advance(started.planned_duration_ms() + 12000);  // the program, then settling
    const auto status = daemon.status();
    EXPECT_EQ(status.state(), chair::v1::COMPLETED) << status.reason();
    EXPECT_EQ(status.session_id(), started.session_id());
    for (const auto& a : status.actuators()) {
      if (a.id().rfind("airbag.", 0) == 0) {
        EXPECT_LT(a.measured(), 0.5) << a.id() << " not vented";
      } else if (a.id().rfind("heat.", 0) == 0) {
        EXPECT_EQ(a.target(), 0.0) << a.id() << " still heating";
      } else if (a.id() == "roller.depth") {
        EXPECT_LT(a.measured(), 0.1) << "roller not retracted";
      } else if (a.id() == "roller.knead" || a.id() == "roller.tap" || a.id() == "foot_roller") {
        EXPECT_NEAR(a.measured(), 0.0, 0.05) << a.id() << " still turning";
      }
    }
    // The chair rests an hour between sitters: heat counts across sessions (the cut-off's
    // window), and each program here is judged on its own.
    daemon.advance(3600000);
  }
  EXPECT_EQ(daemon.terminate(), 0);
}

}  // namespace
}  // namespace chaird::test
