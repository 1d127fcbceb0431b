// WatchTelemetry: the actuators asked for, at the rate asked for, for staff; bad requests are
// refused naming the field; chairctl telemetry prints it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chair/v1/errors.pb.h"
#include "cli_run.hpp"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

TEST(Telemetry, StreamsTheActuatorsAskedForAtTheRateAskedFor) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  chair::v1::WatchTelemetryRequest request;
  request.set_interval_ms(500);
  request.add_actuators("roller.depth");
  request.add_actuators("heat.lumbar");
  auto reader = daemon.control().WatchTelemetry(&context, request);
  std::vector<chair::v1::SessionStatus> samples(1);
  ASSERT_TRUE(reader->Read(&samples[0]));  // the current sample, at once
  // Statuses come every 100 ms of chair time; 600 ms later one of them is at least 500 ms after
  // the last sample, and no two are: exactly one sample per step.
  for (int i = 0; i < 8; ++i) {
    daemon.advance(600);
    samples.emplace_back();
    ASSERT_TRUE(reader->Read(&samples.back())) << i;
  }
  context.TryCancel();
  (void)reader->Finish();

  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    ASSERT_EQ(s.actuators_size(), 2) << i;
    EXPECT_EQ(s.actuators(0).id(), "roller.depth");
    EXPECT_EQ(s.actuators(1).id(), "heat.lumbar");
    EXPECT_TRUE(s.program_id().empty()) << "telemetry carries no session progress";
    EXPECT_EQ(s.active_steps_size(), 0);
    EXPECT_TRUE(s.has_sensors());
    if (i > 0 && s.state() == samples[i - 1].state()) {
      EXPECT_GE(s.chair_time_ms() - samples[i - 1].chair_time_ms(), 500) << i;
    }
  }
}

TEST(Telemetry, ABadRequestIsRefusedNamingEachField) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext context;
  chair::v1::WatchTelemetryRequest request;
  request.set_interval_ms(-1);
  request.add_actuators("roller.depth");
  request.add_actuators("warp.drive");
  request.add_actuators("roller.depth");
  auto reader = daemon.control().WatchTelemetry(&context, request);
  chair::v1::SessionStatus s;
  EXPECT_FALSE(reader->Read(&s));
  const auto status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  chair::v1::ErrorStatus details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  std::vector<std::string> fields;
  for (const auto& any : details.details()) {
    chair::v1::BadRequest bad;
    if (any.UnpackTo(&bad))
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  }
  EXPECT_THAT(fields, ::testing::ElementsAre("interval_ms", "actuators[1]", "actuators[2]"));
}

TEST(Telemetry, ChairctlPrintsSamples) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(1000);
  const CliRun run = run_chairctl("--socket " + daemon.socket() +
                                  " telemetry --actuator roller.depth --samples 1");
  const std::string& out = run.output;
  EXPECT_EQ(run.exit_code, 0) << out;
  EXPECT_THAT(out, HasSubstr("RUNNING"));
  EXPECT_THAT(out, HasSubstr("roller.depth="));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("heat.lumbar")));
}

}  // namespace
}  // namespace chaird::test
