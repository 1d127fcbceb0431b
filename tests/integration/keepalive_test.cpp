// A kiosk's status stream stays open through quiet minutes: a kiosk's gRPC keeps its connection
// checked with HTTP/2 pings (every 10 s here, the most often chaird accepts), and chaird must
// not take them for abuse. By default a gRPC server allows one ping per 5 minutes without data
// and answers the third early one with GOAWAY (too_many_pings), which ends every stream of the
// kiosk. This test runs in real time on purpose: pings are the transport's, on the wall clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

TEST(Keepalive, AQuietStatusStreamWithAKiosksPingsStaysOpen) {
  DaemonProcess daemon(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);  // keep pinging however quiet
  auto channel = grpc::CreateCustomChannel("unix:" + daemon.socket(),
                                           grpc::experimental::LocalCredentials(UDS), args);
  auto stub = chair::v1::ChairControl::NewStub(channel);
  grpc::ClientContext context;
  chair::v1::WatchSessionRequest request;
  auto reader = stub->WatchSession(&context, request);
  chair::v1::SessionStatus first;
  ASSERT_TRUE(reader->Read(&first));
  // The chair's clock is manual: nothing more comes until the test advances it. Four pings go
  // out meanwhile; the next status must still arrive on the same stream.
  auto next = std::async(std::launch::async, [&] {
    chair::v1::SessionStatus s;
    return reader->Read(&s);
  });
  ASSERT_EQ(next.wait_for(std::chrono::seconds(45)), std::future_status::timeout)
      << "the stream ended while quiet: " << reader->Finish().error_message();
  daemon.emergency_stop("after a quiet spell");  // a new status
  ASSERT_EQ(next.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(next.get()) << "the stream did not survive the kiosk's pings: "
                          << reader->Finish().error_message();
  context.TryCancel();
  (void)reader->Finish();
}

}  // namespace
}  // namespace chaird::test
