// Faults injected into the real chaird's simulated chair, over SimBench and from a scenario
// file, and what a kiosk sees: the session FAULTED with a code and words it can show.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon_process.hpp"
#include "model/injected_fault.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

grpc::Status inject(DaemonProcess& daemon, chair::v1::InjectedFaultKind kind, std::int64_t at_ms,
                    const std::string& actuator = {},
                    chair::v1::InjectFaultResponse* response = nullptr) {
  grpc::ClientContext context;
  chair::v1::InjectFaultRequest request;
  request.mutable_fault()->set_kind(kind);
  request.mutable_fault()->set_at_ms(at_ms);
  request.mutable_fault()->set_actuator(actuator);
  chair::v1::InjectFaultResponse ignored;
  return daemon.bench().InjectFault(&context, request, response ? response : &ignored);
}

TEST(FaultInjection, APinchDuringASessionFaultsItWithAReasonAKioskCanShow) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(5000);
  const std::int64_t at_ms = daemon.status().chair_time_ms() + 1000;
  chair::v1::InjectFaultResponse scheduled;
  const auto status = inject(daemon, chair::v1::PINCH, at_ms, "legrest.angle", &scheduled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(scheduled.chair_time_ms(), at_ms);
  EXPECT_NE(scheduled.description().find("pinch"), std::string::npos);
  daemon.advance(500);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING) << "not before its chair time";
  daemon.advance(2000);
  const auto after = daemon.status();
  EXPECT_EQ(after.state(), chair::v1::FAULTED);
  ASSERT_GT(after.faults_size(), 0);
  EXPECT_EQ(after.faults(0).code(), chair::v1::PINCH_DETECTED);
  EXPECT_NE(after.faults(0).reason().find("legrest.angle"), std::string::npos)
      << after.faults(0).reason();
  // The cause is still there: a reset is refused until the pinch clears.
  grpc::ClientContext context;
  chair::v1::ResetFaultResponse reset;
  EXPECT_FALSE(daemon.control().ResetFault(&context, {}, &reset).ok());
}

// A fault that does not stop the chair still shows: a supply sagging to 21 V slows the motors
// without browning the board out, and the status says so.
TEST(FaultInjection, ASaggingSupplyShowsInTheStatusBeforeItStopsTheChair) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(2000);
  const auto before = daemon.status();
  EXPECT_DOUBLE_EQ(before.sensors().supply_v(), 24.0);
  EXPECT_TRUE(before.sensors().seat_occupied());
  EXPECT_FALSE(before.sensors().pinch_detected());
  grpc::ClientContext context;
  chair::v1::InjectFaultRequest request;
  request.mutable_fault()->set_kind(chair::v1::LOW_SUPPLY_VOLTAGE);
  request.mutable_fault()->set_at_ms(before.chair_time_ms());
  request.mutable_fault()->set_amount(21.0);
  chair::v1::InjectFaultResponse response;
  ASSERT_TRUE(daemon.bench().InjectFault(&context, request, &response).ok());
  daemon.advance(1000);
  const auto after = daemon.status();
  EXPECT_EQ(after.state(), chair::v1::RUNNING);
  EXPECT_DOUBLE_EQ(after.sensors().supply_v(), 21.0);
}

TEST(FaultInjection, ABadFaultIsRefusedWithTheFieldAndNothingChanges) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto status = inject(daemon, chair::v1::LEAKING_AIRBAG, 0, "roller.position");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("needs a PRESSURE actuator"), std::string::npos)
      << status.error_message();
  status = inject(daemon, chair::v1::STUCK_VALVE, 0, std::string(5000, 'x'));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 300u) << "the client's text is cut";
  status = inject(daemon, chair::v1::INJECTED_FAULT_KIND_UNSPECIFIED, 0);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(3000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
}

// A bench client may inject faults without end: chaird's simulated chair holds a bounded
// number still to begin or to end, and the next is RESOURCE_EXHAUSTED with words to show.
TEST(FaultInjection, OneFaultMoreThanTheChairHoldsIsRefused) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  for (std::size_t n = 0; n < sim::kMaxInjectedFaults; ++n) {
    const auto status = inject(daemon, chair::v1::PRESENCE_LOST, 3'600'000);
    ASSERT_TRUE(status.ok()) << n << ": " << status.error_message();
  }
  const auto status = inject(daemon, chair::v1::PRESENCE_LOST, 3'600'000);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("1000 injected faults"), std::string::npos)
      << status.error_message();
  ASSERT_TRUE(daemon.start("e2e_full").ok()) << "the chair still works";
}

TEST(FaultInjection, AScenarioFileIsPlayedAtItsChairTimes) {
  const std::string dir = make_temp_dir("scenario");
  const std::string path = dir + "/low_supply.textproto";
  std::ofstream(path) << "name: \"brown-out\"\n"
                         "faults { at_ms: 4000 kind: LOW_SUPPLY_VOLTAGE amount: 18 }\n";
  DaemonOptions options = with_programs({fixture_programs()});
  options.extra_args = {"--faults", path};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(2000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  daemon.advance(3000);
  const auto after = daemon.status();
  EXPECT_EQ(after.state(), chair::v1::FAULTED);
  ASSERT_GT(after.faults_size(), 0);
  EXPECT_EQ(after.faults(0).code(), chair::v1::SUPPLY_VOLTAGE);
  EXPECT_NE(after.faults(0).reason().find("18.0 V"), std::string::npos);
}

TEST(FaultInjection, AMalformedScenarioFileStopsChairdWithFileLineColumn) {
  const std::string dir = make_temp_dir("scenario");
  const std::string path = dir + "/bad.textproto";
  std::ofstream(path) << "faults { at_ms: 4000 kind: LOW_SUPPLY_VOLTAGE }\n"
                         "faults { at_ms: 10 kind: HEATER_RUNAWAY actuator: \"heat.nose\" }\n";
  DaemonOptions options = with_programs({fixture_programs()});
  options.extra_args = {"--faults", path};
  DaemonProcess daemon(options);
  EXPECT_FALSE(daemon.ready());
  EXPECT_NE(daemon.wait_for_exit(), 0);
  EXPECT_NE(daemon.log().find(path + ":2:41:"), std::string::npos) << daemon.log();
  EXPECT_NE(daemon.log().find("no actuator 'heat.nose'"), std::string::npos) << daemon.log();
}

}  // namespace
}  // namespace chaird::test
