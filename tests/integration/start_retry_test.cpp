// StartSession's request_id: a kiosk that never got the answer to its start (a timeout, a
// dropped connection) retries with the same id and gets the first attempt's answer, the same
// session and lease, instead of a second session or a refusal. Interleavings are made with the
// bench's start hold, without sleeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "chair/v1/errors.pb.h"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

chair::v1::StartSessionRequest start_request(const std::string& request_id) {
  chair::v1::StartSessionRequest request;
  request.set_program_id("e2e_full");
  request.set_request_id(request_id);
  request.set_client_name("kiosk 7");
  return request;
}

int sessions_started(const std::string& log) {
  int n = 0;
  for (auto at = log.find("starting program"); at != std::string::npos;
       at = log.find("starting program", at + 1)) {
    ++n;
  }
  return n;
}

TEST(StartRetry, ARetryAfterTheAnswerWasLostGetsTheSameSession) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto request = start_request("kiosk-7-start-0042");
  chair::v1::StartSessionResponse first;
  ASSERT_TRUE(daemon.start("e2e_full", &first, &request).ok());
  daemon.advance(2000);

  chair::v1::StartSessionResponse retry;
  const auto again = daemon.start("e2e_full", &retry, &request);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(retry.session_id(), first.session_id());
  EXPECT_EQ(retry.lease_token(), first.lease_token());
  EXPECT_EQ(retry.planned_duration_ms(), first.planned_duration_ms());
  const auto status = daemon.status();
  EXPECT_EQ(status.state(), chair::v1::RUNNING);
  EXPECT_EQ(status.session_id(), first.session_id());
  EXPECT_GE(status.elapsed_ms(), 1500) << "the session went on; it did not start again";

  // The same id for another request is a mistake the kiosk must hear about.
  auto changed = request;
  changed.set_intensity_scale(0.5);
  const auto reused = daemon.start("e2e_full", nullptr, &changed);
  ASSERT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  chair::v1::ErrorStatus details;
  ASSERT_TRUE(details.ParseFromString(reused.error_details()));
  EXPECT_THAT(details.DebugString(), HasSubstr("REUSED"));

  // A new id is a new start: refused, because a session runs.
  const auto other = start_request("kiosk-7-start-0043");
  EXPECT_EQ(daemon.start("e2e_full", nullptr, &other).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_EQ(sessions_started(daemon.log()), 1) << daemon.log();
}

// A kiosk whose ids start again at the same value (after it restarted, say) sends a request
// chaird remembers from a session that has ended. It is told so, and nothing starts: an OK with
// the old session would show the sitter a session that is not running.
TEST(StartRetry, TheSameIdAfterItsSessionEndedIsRefusedAndNothingStarts) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto request = start_request("1");
  chair::v1::StartSessionResponse first;
  ASSERT_TRUE(daemon.start("e2e_full", &first, &request).ok());
  daemon.advance(first.planned_duration_ms() + 10'000);
  ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);

  const auto again = daemon.start("e2e_full", nullptr, &request);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();
  EXPECT_THAT(again.error_message(), HasSubstr(first.session_id()));
  EXPECT_THAT(again.error_message(), HasSubstr("new request_id"));
  EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_EQ(sessions_started(daemon.log()), 1) << daemon.log();
}

TEST(StartRetry, ARetryWhileTheFirstAttemptIsPreparedWaitsForItsAnswer) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.hold_lease = false;
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  daemon.hold_starts();
  PendingStart first(daemon, start_request("retry-while-prepared"));
  daemon.await_held_start();
  PendingStart retry(daemon, start_request("retry-while-prepared"));
  // chaird says when the retry waits; the test goes on only then, so that the interleaving
  // is this one every time.
  bool waiting = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!waiting && std::chrono::steady_clock::now() < give_up) {
    waiting = daemon.log().find("waits for the first attempt") != std::string::npos;
    if (!waiting) {
      grpc::ClientContext c;  // a round trip, rather than a sleep, between two looks
      chair::v1::GetChairResponse r;
      (void)daemon.control().GetChair(&c, {}, &r);
    }
  }
  ASSERT_TRUE(waiting) << daemon.log();
  daemon.release_starts();
  ASSERT_TRUE(first.result().ok()) << first.result().error_message();
  ASSERT_TRUE(retry.result().ok()) << retry.result().error_message();
  EXPECT_EQ(retry.response().session_id(), first.response().session_id());
  EXPECT_EQ(retry.response().lease_token(), first.response().lease_token());
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_EQ(sessions_started(daemon.log()), 1) << daemon.log();
}

// Again and again, for the retry meets the given-up attempt at every stage of its winding up:
// it failed once at load 4, when the retry came while chaird was still ending the attempt and
// was told to send the start again, which the test did not do.
TEST(StartRetry, ARetryOfAStartItsAppGaveUpOnStartsAfresh) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  constexpr int kRounds = 60;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string id = "given-up-" + std::to_string(round);
    daemon.hold_starts();
    {
      PendingStart given_up(daemon, start_request(id));
      daemon.await_held_start();
      given_up.cancel();
      daemon.await_held_start(/*until_call_cancelled=*/true);
      daemon.release_starts();
      ASSERT_EQ(given_up.result().error_code(), grpc::StatusCode::CANCELLED);
    }
    ASSERT_NE(daemon.status().state(), chair::v1::RUNNING) << "nothing started";
    const auto request = start_request(id);
    chair::v1::StartSessionResponse started;
    // The app has its CANCELLED at once, from its own side; chaird may still be winding the
    // attempt up. A retry meanwhile waits for it, is told so, and sends the start again, as a
    // kiosk does.
    grpc::Status retried;
    for (int tries = 0; tries < 1000; ++tries) {
      retried = daemon.start("e2e_full", &started, &request);
      if (retried.error_code() != grpc::StatusCode::ABORTED) break;
      ASSERT_NE(retried.error_message().find("send the start again"), std::string::npos)
          << retried.error_message();
    }
    ASSERT_TRUE(retried.ok()) << retried.error_message();
    daemon.advance(1000);
    ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING);
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
    daemon.advance(30'000);  // through the cool-down
  }
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_EQ(sessions_started(daemon.log()), kRounds) << daemon.log();
}

// A start's answer never waits for the planning pool, which a start being prepared may hold:
// here a second start, refused at once because the first is being prepared, answers at once.
TEST(StartRetry, AnAnswerIsNotHeldUpByAStartBeingPrepared) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  daemon.hold_starts();
  PendingStart held(daemon, start_request("held-at-the-hold"));
  daemon.await_held_start();  // the planning pool's thread waits at the hold
  const auto second = start_request("a-second-start");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  chair::v1::StartSessionResponse response;
  const auto status = daemon.control().StartSession(&context, second, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  daemon.release_starts();
  EXPECT_TRUE(held.result().ok()) << held.result().error_message();
}

}  // namespace
}  // namespace chaird::test
