// chaird end to end: the real binary on the simulated chair, driven over gRPC on its Unix
// socket, with the chair's trace checked afterwards.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using chair::v1::SessionState;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

// Whether every actuator that has a safe value is there, in the trace row (measured and target).
void expect_safe_row(const Trace& trace, std::size_t row) {
  for (const auto& id : trace.columns_starting("airbag.")) {
    EXPECT_LT(trace.number(row, id), 0.5) << id << " not vented";
    EXPECT_EQ(trace.number(row, id + ".target"), 0.0) << id;
  }
  for (const auto& id : trace.columns_starting("heat."))
    EXPECT_EQ(trace.number(row, id + ".target"), 0.0) << id;
  EXPECT_LT(trace.number(row, "roller.depth"), 0.1) << "roller not retracted";
  EXPECT_EQ(trace.number(row, "roller.depth.target"), 0.0);
  for (const char* motor : {"roller.knead", "roller.tap", "foot_roller", "vibration.seat"}) {
    EXPECT_NEAR(trace.number(row, motor), 0.0, 0.05) << motor << " still running";
  }
}

TEST(Session, RunsAWholeProgramOverGrpcAndEndsInTheSafeState) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();

  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
  EXPECT_EQ(started.planned_duration_ms(), 180000);

  // Watch the session on its own stream while the test moves the clock.
  std::vector<chair::v1::SessionStatus> seen;
  grpc::ClientContext watch_context;
  chair::v1::WatchSessionRequest watch_request;
  watch_request.set_session_id(started.session_id());
  auto reader = daemon.control().WatchSession(&watch_context, watch_request);
  std::thread watcher([&] {
    chair::v1::SessionStatus s;
    while (reader->Read(&s)) seen.push_back(s);
  });
  for (int i = 0; i < 200; ++i) daemon.advance(1000);  // 180 s of program and the settling after
  watcher.join();  // the stream ends by itself after the session's final status
  EXPECT_TRUE(reader->Finish().ok());

  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().state(), chair::v1::COMPLETED);
  EXPECT_EQ(seen.back().session_id(), started.session_id());
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].sequence(), seen[i - 1].sequence());
    EXPECT_GE(seen[i].step_index(), seen[i - 1].step_index());
  }
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();

  // What the chair did, from its own trace.
  const Trace trace = Trace::read(daemon.trace_path());
  ASSERT_GT(trace.size(), 100u);
  // The positions reached: the rollers worked the shoulders, then the lumbar region.
  auto chair = reference_chair();
  auto body = BodyModel::resolve(*chair, {});
  ASSERT_TRUE(body);
  const auto shoulders = *body->span("shoulders");
  const auto lumbar = *body->span("lumbar");
  const double at_20s = trace.number(trace.row_at(started.session_id(), 20000), "roller.position");
  const double at_100s =
      trace.number(trace.row_at(started.session_id(), 100000), "roller.position");
  EXPECT_GE(at_20s, shoulders.from_mm - 30);
  EXPECT_LE(at_20s, shoulders.to_mm + 30);
  EXPECT_GE(at_100s, lumbar.from_mm - 30);
  EXPECT_LE(at_100s, lumbar.to_mm + 30);
  // The heater warmed the lumbar; the calf airbags and the recline worked in the stretch.
  double max_heat = 0, max_calf = 0, max_recline = 0;
  for (std::size_t r = 0; r < trace.size(); ++r) {
    max_heat = std::max(max_heat, trace.number(r, "heat.lumbar"));
    max_calf = std::max(max_calf, trace.number(r, "airbag.calf"));
    max_recline = std::max(max_recline, trace.number(r, "recline"));
  }
  EXPECT_GT(max_heat, 30.0);
  EXPECT_GT(max_calf, 5.0);
  EXPECT_GT(max_recline, 115.0);
  // The end: airbags vented, heaters off, roller retracted, motors halted.
  const std::size_t last = trace.size() - 1;
  EXPECT_EQ(trace.text(last, "state"), "COMPLETED");
  expect_safe_row(trace, last);
}

TEST(Session, StopEndsInTheSafeStateAfterACoolDown) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  daemon.advance(130000);  // into the leg stretch: air in the bags, recline moving

  grpc::ClientContext context;
  chair::v1::StopSessionResponse stopped;
  ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
  EXPECT_EQ(stopped.state(), chair::v1::STOPPING);
  daemon.advance(500);
  EXPECT_EQ(daemon.status().state(), chair::v1::STOPPING);  // a cool-down, not a jolt
  daemon.advance(15000);
  const auto after = daemon.status();
  EXPECT_EQ(after.state(), chair::v1::STOPPED);
  EXPECT_EQ(daemon.terminate(), 0);
  const Trace trace = Trace::read(daemon.trace_path());
  expect_safe_row(trace, trace.size() - 1);
}

TEST(Session, AStoppedSessionShowsWhereItStoppedNotItsPlannedEnd) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  daemon.advance(60000);  // 1:00 into a 3:00 program
  grpc::ClientContext context;
  chair::v1::StopSessionResponse stopped;
  ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
  daemon.advance(20000);
  const auto status = daemon.status();
  EXPECT_EQ(status.state(), chair::v1::STOPPED);
  EXPECT_EQ(status.total_ms(), 180000);
  EXPECT_NEAR(static_cast<double>(status.elapsed_ms()), 60000.0, 500.0);
  EXPECT_EQ(status.remaining_ms(), 0);
  EXPECT_EQ(status.active_steps_size(), 0);
  for (const auto& a : status.actuators()) EXPECT_FALSE(a.active()) << a.id();
  EXPECT_EQ(daemon.terminate(), 0);
  // The trace keeps the real length too.
  const Trace trace = Trace::read(daemon.trace_path());
  const std::size_t last = trace.size() - 1;
  EXPECT_EQ(trace.text(last, "state"), "STOPPED");
  EXPECT_NEAR(trace.number(last, "elapsed_ms"), 60000.0, 500.0);
}

// Back-to-back sessions cannot dodge the heat cut-off: on a chair allowing 3:20 of heat in any
// hour, a second run of a program with 2:00 of lumbar heat right after the first is refused;
// an hour later it runs.
TEST(Session, BackToBackSessionsCannotHeatPastTheCutOff) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.chair_profile = short_heat_chair_path();
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();

  ASSERT_TRUE(daemon.start("e2e_full").ok()) << daemon.log();
  daemon.advance(200000);
  ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  const auto again = daemon.start("e2e_full");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();
  EXPECT_NE(again.error_message().find("in earlier sessions"), std::string::npos)
      << again.error_message();
  daemon.advance(3600000);
  EXPECT_TRUE(daemon.start("e2e_full").ok());
}

TEST(Session, EmergencyStopIsAcceptedInEveryStateGoesSafeAtOnceAndLatches) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto estop = [&] {
    grpc::ClientContext context;
    chair::v1::EmergencyStopRequest request;
    request.set_reason("test");
    chair::v1::EmergencyStopResponse response;
    EXPECT_TRUE(daemon.control().EmergencyStop(&context, request, &response).ok());
    return response.state();
  };
  auto reset = [&] {
    grpc::ClientContext context;
    chair::v1::ResetFaultResponse response;
    return daemon.control().ResetFault(&context, {}, &response);
  };

  EXPECT_EQ(estop(), chair::v1::EMERGENCY_STOPPED);  // idle
  EXPECT_EQ(estop(), chair::v1::EMERGENCY_STOPPED);  // already stopped
  auto refused = daemon.start("e2e_full");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(refused.error_message().find("reset"), std::string::npos) << refused.error_message();
  ASSERT_TRUE(reset().ok());

  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(130000);                            // air and recline at work
  EXPECT_EQ(estop(), chair::v1::EMERGENCY_STOPPED);  // running
  // At once: the status right after the call already has every target safe.
  const auto now = daemon.status();
  EXPECT_EQ(now.state(), chair::v1::EMERGENCY_STOPPED);
  for (const auto& a : now.actuators()) {
    if (a.id().rfind("airbag.", 0) == 0 || a.id().rfind("heat.", 0) == 0 ||
        a.id() == "roller.depth") {
      EXPECT_EQ(a.target(), 0.0) << a.id();
    }
  }
  // Nothing resumes by itself.
  daemon.advance(60000);
  EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
  ASSERT_TRUE(reset().ok());
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);

  // While stopping (during a cool-down) too.
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(5000);
  grpc::ClientContext stop_context;
  chair::v1::StopSessionResponse stopping;
  ASSERT_TRUE(daemon.control().StopSession(&stop_context, {}, &stopping).ok());
  EXPECT_EQ(estop(), chair::v1::EMERGENCY_STOPPED);
  EXPECT_EQ(daemon.terminate(), 0);
  const Trace trace = Trace::read(daemon.trace_path());
  for (const auto& id : trace.columns_starting("airbag.")) {
    EXPECT_EQ(trace.number(trace.size() - 1, id + ".target"), 0.0);
  }
}

TEST(Session, SigtermDuringASessionBringsTheChairToItsSafeStateBeforeExiting) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(60000);  // heat on, rollers pressing
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  EXPECT_NE(daemon.log().find("chair in its safe state"), std::string::npos);
  const Trace trace = Trace::read(daemon.trace_path());
  const std::size_t last = trace.size() - 1;
  for (const auto& id : trace.columns_starting("heat."))
    EXPECT_EQ(trace.number(last, id + ".target"), 0.0);
  EXPECT_EQ(trace.number(last, "roller.depth.target"), 0.0);
  EXPECT_FALSE(std::filesystem::exists(daemon.socket()));
}

TEST(Session, SigtermEndsOpenWatchStreamsAndExitsPromptly) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  grpc::ClientContext context;
  auto reader = daemon.control().WatchSession(&context, {});
  chair::v1::SessionStatus s;
  ASSERT_TRUE(reader->Read(&s));
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  while (reader->Read(&s)) {
  }
  EXPECT_FALSE(reader->Finish().ok());  // the stream was ended by the server going away
}

}  // namespace
}  // namespace chaird::test
