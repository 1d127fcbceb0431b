// Requests chaird cannot read whole, sent as raw bytes over real gRPC: text that is not UTF-8
// anywhere in a request is INVALID_ARGUMENT naming each field (gRPC alone would answer
// UNIMPLEMENTED with no message), bytes that are not the message say so, and nothing moves; an
// emergency stop stops the chair whatever its reason holds.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "common/utf8_text.hpp"
#include "daemon_process.hpp"
#include "error_details.hpp"
#include "garbled_text.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

// A unary call with these bytes as its request, as a client that is not protobuf might send.
grpc::Status raw_call(DaemonProcess& daemon, const std::string& method, const std::string& bytes,
                      grpc::ByteBuffer* response = nullptr) {
  grpc::GenericStub stub(daemon.channel());
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  daemon.authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer request(&slice, 1);
  auto call = stub.PrepareUnaryCall(&context, method, request, &queue);
  call->StartCall();
  grpc::ByteBuffer ignored;
  grpc::Status status;
  call->Finish(response != nullptr ? response : &ignored, &status, &queue);
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(queue.Next(&tag, &ok));
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

TEST(UnreadableRequests, EveryFieldThatIsNotUtf8IsNamedAndNothingStarts) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest start;
  start.add_health_conditions("varicose_veins");
  start.add_health_conditions("@@BAD@@");
  start.set_client_name("kiosk @@BAD@@");
  start.mutable_manual()->set_technique("@@BAD@@");
  start.mutable_manual()->set_zone("shoulders");
  const auto refused = raw_call(daemon, "/chair.v1.ChairControl/StartSession", garbled(start));
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  const auto d = details_of(refused);
  ASSERT_EQ(d.fields.size(), 3u) << refused.error_message();
  for (const char* path : {"health_conditions[1]", "client_name", "manual.technique"}) {
    ASSERT_EQ(d.fields.count(path), 1u) << path;
    EXPECT_EQ(d.fields.at(path).reason(), "INVALID_UTF8");
  }
  EXPECT_THAT(refused.error_message(), HasSubstr("client_name is not valid UTF-8 text"));
  EXPECT_EQ(first_invalid_utf8(refused.error_message()), std::string::npos);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);

  // A composition is refused the same way, before anything is read from the history.
  chair::v1::ComposeSessionRequest compose;
  compose.add_focus_areas("@@BAD@@");
  compose.set_available_ms(20 * 60'000);
  const auto not_composed =
      raw_call(daemon, "/chair.v1.ChairControl/ComposeSession", garbled(compose));
  EXPECT_EQ(not_composed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(details_of(not_composed).fields.count("focus_areas[0]"), 1u)
      << not_composed.error_message();

  // A profile is not stored, and a streaming call is refused the same way.
  chair::v1::UserProfile profile;
  profile.set_user_id("ann");
  profile.set_display_name("Ann @@BAD@@");
  const auto not_saved =
      raw_call(daemon, "/chair.v1.ChairControl/SaveUserProfile", garbled(profile));
  EXPECT_EQ(not_saved.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(details_of(not_saved).fields.count("display_name"), 1u);
  {
    chair::v1::GetUserProfileRequest get;
    get.set_user_id("ann");
    chair::v1::UserProfile out;
    grpc::ClientContext context;
    EXPECT_EQ(daemon.control().GetUserProfile(&context, get, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  chair::v1::WatchSessionRequest watch;
  watch.set_lease_token("@@BAD@@");
  grpc::GenericStub stub(daemon.channel());
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  grpc::Slice slice(garbled(watch));
  auto stream = stub.PrepareCall(&context, "/chair.v1.ChairControl/WatchSession", &queue);
  void* tag = nullptr;
  bool ok = false;
  stream->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(queue.Next(&tag, &ok));
  stream->WriteLast(grpc::ByteBuffer(&slice, 1), {}, reinterpret_cast<void*>(2));
  ASSERT_TRUE(queue.Next(&tag, &ok));
  grpc::Status watch_status;
  stream->Finish(&watch_status, reinterpret_cast<void*>(3));
  ASSERT_TRUE(queue.Next(&tag, &ok));
  EXPECT_EQ(watch_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << watch_status.error_message();
  EXPECT_THAT(watch_status.error_message(), HasSubstr("lease_token is not valid UTF-8"));
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  // Each refusal is logged with who asked and why.
  ASSERT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr("/chair.v1.ChairControl/StartSession from uid"));
  EXPECT_THAT(daemon.log(), HasSubstr("refused: INVALID_ARGUMENT: health_conditions[1] is not "
                                      "valid UTF-8 text"));
}

TEST(UnreadableRequests, BytesThatAreNotTheMessageSaySoAndChangeNothing) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("neck_shoulders", &started).ok()) << daemon.log();
  daemon.advance(5000);
  const auto refused =
      raw_call(daemon, "/chair.v1.ChairControl/AdjustSession", std::string("\x0a\x7f garbage", 10));
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_EQ(details_of(refused).fields.at("").reason(), "NOT_A_MESSAGE");
  EXPECT_THAT(refused.error_message(),
              HasSubstr("the request is not a chair.v1.AdjustSessionRequest message"));
  const auto bench = raw_call(daemon, "/chair.v1.SimBench/AdvanceClock", "\xff\xff");
  EXPECT_EQ(bench.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bench.error_message();
  daemon.advance(1000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
}

TEST(UnreadableRequests, AnEmergencyStopStopsTheChairWhateverItsReasonHolds) {
  for (const bool garbage : {false, true}) {
    SCOPED_TRACE(garbage ? "bytes that are not the message" : "a reason that is not UTF-8");
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    ASSERT_TRUE(daemon.start("neck_shoulders").ok()) << daemon.log();
    daemon.advance(5000);
    chair::v1::EmergencyStopRequest stop;
    stop.set_reason("button @@BAD@@");
    const auto status = raw_call(daemon, "/chair.v1.ChairControl/EmergencyStop",
                                 garbage ? std::string("\xff\xff\xff", 3) : garbled(stop));
    ASSERT_TRUE(status.ok()) << status.error_message();
    const auto now = daemon.status();
    EXPECT_EQ(now.state(), chair::v1::EMERGENCY_STOPPED);
    EXPECT_THAT(now.reason(), HasSubstr("not readable"));
    EXPECT_EQ(first_invalid_utf8(now.reason()), std::string::npos);
  }
}

}  // namespace
}  // namespace chaird::test
