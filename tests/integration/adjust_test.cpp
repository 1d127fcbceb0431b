// AdjustSession over real gRPC against the real daemon on the simulated chair: a live change
// re-plans the rest of the session (what the board has been sent stays), "too strong here"
// softens only the zones at work, and every call that can meet an adjustment being planned (a
// stop, a pause and a resume, an emergency stop, the app giving up) wins over it, changing
// nothing, deterministically: the bench's hold keeps the adjustment between its plan and its
// play until the test lets it go.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

chair::v1::AdjustSessionRequest adjust_request(const std::string& token,
                                               std::optional<double> intensity,
                                               bool too_strong = false) {
  chair::v1::AdjustSessionRequest r;
  r.set_lease_token(token);
  if (intensity) r.set_intensity_scale(*intensity);
  r.set_too_strong_here(too_strong);
  return r;
}

grpc::Status adjust(DaemonProcess& daemon, const chair::v1::AdjustSessionRequest& request,
                    chair::v1::AdjustSessionResponse* response = nullptr) {
  chair::v1::AdjustSessionResponse ignored;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return daemon.control().AdjustSession(&context, request, response ? response : &ignored);
}

// An AdjustSession on its own thread, so that the test can act while it is held.
class PendingAdjust {
 public:
  PendingAdjust(DaemonProcess& daemon, chair::v1::AdjustSessionRequest request)
      : thread_([this, &daemon, request = std::move(request)] {
          context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
          status_ = daemon.control().AdjustSession(&context_, request, &response_);
        }) {}
  ~PendingAdjust() {
    if (thread_.joinable()) thread_.join();
  }
  void cancel() { context_.TryCancel(); }
  grpc::Status result() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  grpc::ClientContext context_;
  chair::v1::AdjustSessionResponse response_;
  grpc::Status status_;
  std::thread thread_;
};

// The highest roller depth the plan asked for between two points of the session.
double deepest(const Trace& trace, const std::string& session, std::int64_t from_ms,
               std::int64_t to_ms) {
  double most = 0.0;
  for (std::size_t row = 0; row < trace.size(); ++row) {
    if (trace.text(row, "session_id") != session) continue;
    const double at = trace.number(row, "elapsed_ms");
    if (at >= static_cast<double>(from_ms) && at <= static_cast<double>(to_ms))
      most = std::max(most, trace.number(row, "roller.depth.target"));
  }
  return most;
}

TEST(Adjust, ASofterSessionPressesLessFromThenOnAndTheSameBefore) {
  // The same session three times: as written, softened 20 s in, and "too strong here" 20 s in
  // (during the shoulder press).
  enum Variant { kAsWritten, kSofter, kTooStrongHere };
  double before[3] = {}, after[3] = {};
  for (const Variant variant : {kAsWritten, kSofter, kTooStrongHere}) {
    DaemonProcess daemon(with_programs({fixture_programs()}));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
    daemon.advance(20000);
    if (variant != kAsWritten) {
      chair::v1::AdjustSessionResponse adjusted;
      const auto status =
          adjust(daemon,
                 variant == kSofter ? adjust_request(started.lease_token(), 0.4)
                                    : adjust_request(started.lease_token(), {}, true),
                 &adjusted);
      ASSERT_TRUE(status.ok()) << status.error_message();
      EXPECT_DOUBLE_EQ(adjusted.intensity_scale(), variant == kSofter ? 0.4 : 1.0);
      EXPECT_DOUBLE_EQ(adjusted.speed_scale(), 1.0);
      // A moment ahead of what the board has been sent (the look-ahead and room to re-plan).
      EXPECT_GT(adjusted.effective_from_ms(), 20000);
      EXPECT_LE(adjusted.effective_from_ms(), 22000);
    }
    daemon.advance(25000);
    EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
    ASSERT_EQ(daemon.terminate(), 0);
    const Trace trace = Trace::read(daemon.trace_path());
    before[variant] = deepest(trace, started.session_id(), 0, 20000);
    after[variant] = deepest(trace, started.session_id(), 23000, 40000);
  }
  ASSERT_GT(after[kAsWritten], 0.0);
  for (const Variant v : {kSofter, kTooStrongHere}) {
    EXPECT_DOUBLE_EQ(before[v], before[kAsWritten]) << v;
    EXPECT_LT(after[v], after[kAsWritten] * 0.9) << v;
  }
}

TEST(Adjust, TooStrongHereSoftensTheZoneAtWorkAgainAndAgain) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
  daemon.advance(10000);  // the shoulder press, and heat on the lumbar
  chair::v1::AdjustSessionResponse first, second;
  ASSERT_TRUE(adjust(daemon, adjust_request(started.lease_token(), {}, true), &first).ok());
  daemon.advance(2000);
  ASSERT_TRUE(adjust(daemon, adjust_request(started.lease_token(), {}, true), &second).ok());
  EXPECT_DOUBLE_EQ(first.intensity_scale(), 1.0);  // the rest of the body as it was
  auto factor = [](const chair::v1::AdjustSessionResponse& r, const std::string& zone) {
    for (const auto& z : r.softened_zones())
      if (z.zone() == zone) return z.factor();
    return 1.0;
  };
  EXPECT_NEAR(factor(first, "shoulders"), 0.8, 1e-9);
  EXPECT_NEAR(factor(second, "shoulders"), 0.64, 1e-9);
  EXPECT_DOUBLE_EQ(factor(second, "legs"), 1.0);  // not at work when the sitter asked
  daemon.advance(200000);
  EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED);
}

// A program's max_intensity_scale over real gRPC: deep_tissue (1.0, it already presses as deep
// as the reference chair allows) starts at the sitter's 1.5x and runs, held at 1.0x, saying so;
// a live "stronger" is held too, and the response says at what.
TEST(Adjust, AProgramHoldsTheSittersStrongestAtItsMostInsteadOfRefusingIt) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest strong;
  strong.set_intensity_scale(1.5);
  strong.set_user_id("ann");
  chair::v1::StartSessionResponse started;
  const auto status = daemon.start("deep_tissue", &started, &strong);
  ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
  const std::string held =
      "intensity held at 1.00x, asked 1.50x: this program is written to stay at most that strong";
  EXPECT_THAT(started.adaptations(), ::testing::Contains(held));
  daemon.advance(20000);
  chair::v1::AdjustSessionResponse adjusted;
  const auto adjust_status = adjust(daemon, adjust_request(started.lease_token(), 1.4), &adjusted);
  ASSERT_TRUE(adjust_status.ok()) << adjust_status.error_message();
  EXPECT_DOUBLE_EQ(adjusted.intensity_scale(), 1.0);
  EXPECT_THAT(adjusted.adaptations(),
              ::testing::Contains(
                  "intensity held at 1.00x, asked 1.40x: this program is written to stay at most "
                  "that strong"));
  // A change of speed alone keeps the sitter's request, and the session keeps saying so.
  daemon.advance(5000);
  chair::v1::AdjustSessionRequest faster = adjust_request(started.lease_token(), {});
  faster.set_speed_scale(1.2);
  chair::v1::AdjustSessionResponse sped_up;
  const auto speed_status = adjust(daemon, faster, &sped_up);
  ASSERT_TRUE(speed_status.ok()) << speed_status.error_message();
  EXPECT_DOUBLE_EQ(sped_up.intensity_scale(), 1.0);
  EXPECT_THAT(sped_up.adaptations(),
              ::testing::Contains(
                  "intensity held at 1.00x, asked 1.40x: this program is written to stay at most "
                  "that strong"));
  daemon.advance(10000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  // The history keeps the intensity the session ran at, not the one asked for.
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
  }
  daemon.advance(20000);
  const auto history = daemon.history("ann");
  ASSERT_EQ(history.sessions_size(), 1);
  EXPECT_DOUBLE_EQ(history.sessions(0).intensity_scale(), 1.0);
}

TEST(Adjust, IsRefusedWithAReasonAndChangesNothing) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  // No session.
  auto idle = adjust(daemon, adjust_request("no-token", 0.5));
  EXPECT_EQ(idle.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(idle.error_message(), HasSubstr("no running session"));
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
  daemon.advance(5000);
  // Another app's token; nothing to change; hostile numbers and sizes.
  EXPECT_EQ(adjust(daemon, adjust_request("not-the-token", 0.5)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(adjust(daemon, adjust_request(started.lease_token(), {})).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  for (const double bad : {std::nan(""), HUGE_VAL, 0.0, -1.0, 1e300}) {
    const auto refused = adjust(daemon, adjust_request(started.lease_token(), bad));
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(refused.error_message(), HasSubstr("intensity_scale")) << bad;
  }
  EXPECT_EQ(adjust(daemon, adjust_request(std::string(100'000, 't'), 0.5)).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Paused: resume first.
  {
    grpc::ClientContext context;
    chair::v1::PauseSessionResponse paused;
    ASSERT_TRUE(daemon.control().PauseSession(&context, {}, &paused).ok());
  }
  const auto while_paused = adjust(daemon, adjust_request(started.lease_token(), 0.5));
  EXPECT_EQ(while_paused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(while_paused.error_message(), HasSubstr("paused"));
}

TEST(Adjust, WorksAfterAResumeAndTheSessionRunsToItsEnd) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok()) << daemon.log();
  daemon.advance(20000);
  {
    grpc::ClientContext context;
    chair::v1::PauseSessionResponse paused;
    ASSERT_TRUE(daemon.control().PauseSession(&context, {}, &paused).ok());
  }
  daemon.advance(10000);
  {
    grpc::ClientContext context;
    chair::v1::ResumeSessionRequest request;
    request.set_lease_token(started.lease_token());
    chair::v1::ResumeSessionResponse resumed;
    const auto status = daemon.control().ResumeSession(&context, request, &resumed);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  daemon.advance(15000);
  chair::v1::AdjustSessionResponse adjusted;
  const auto status = adjust(daemon, adjust_request(started.lease_token(), 0.5), &adjusted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // In program time: past where it paused and past the lead-in.
  EXPECT_GT(adjusted.effective_from_ms(), 20000);
  daemon.advance(250000);
  EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED) << daemon.log();
}

// Each call that can meet an adjustment between its plan and its play comes first.
class AdjustMeets : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.ready()) << daemon_.log();
    ASSERT_TRUE(daemon_.start("e2e_full", &started_).ok()) << daemon_.log();
    daemon_.advance(20000);
    daemon_.hold_starts();
  }
  // An adjustment, held once planned.
  std::unique_ptr<PendingAdjust> held_adjustment() {
    auto pending =
        std::make_unique<PendingAdjust>(daemon_, adjust_request(started_.lease_token(), 0.4));
    daemon_.await_held_start();
    return pending;
  }

  DaemonProcess daemon_{with_programs({fixture_programs()})};
  chair::v1::StartSessionResponse started_;
};

TEST_F(AdjustMeets, AStop) {
  auto pending = held_adjustment();
  grpc::ClientContext context;
  chair::v1::StopSessionResponse stopped;
  ASSERT_TRUE(daemon_.control().StopSession(&context, {}, &stopped).ok());
  daemon_.release_starts();
  const auto result = pending->result();
  EXPECT_EQ(result.error_code(), grpc::StatusCode::ABORTED) << result.error_message();
  EXPECT_THAT(result.error_message(), HasSubstr("nothing was changed"));
  daemon_.advance(20000);
  EXPECT_EQ(daemon_.status().state(), chair::v1::STOPPED);
}

TEST_F(AdjustMeets, AnEmergencyStop) {
  auto pending = held_adjustment();
  ASSERT_TRUE(daemon_.emergency_stop("a hand under the roller").ok());
  daemon_.release_starts();
  EXPECT_EQ(pending->result().error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(daemon_.status().state(), chair::v1::EMERGENCY_STOPPED);
}

TEST_F(AdjustMeets, APauseAndAResume) {
  auto pending = held_adjustment();
  {
    grpc::ClientContext context;
    chair::v1::PauseSessionResponse paused;
    ASSERT_TRUE(daemon_.control().PauseSession(&context, {}, &paused).ok());
  }
  daemon_.advance(10000);
  // The resume queues behind the held adjustment; once both are let go, the adjustment finds
  // the session paused and changes nothing, and the resume goes on from where it paused.
  std::thread resume([this] {
    grpc::ClientContext context;
    chair::v1::ResumeSessionRequest request;
    request.set_lease_token(started_.lease_token());
    chair::v1::ResumeSessionResponse resumed;
    EXPECT_TRUE(daemon_.control().ResumeSession(&context, request, &resumed).ok());
  });
  daemon_.release_starts();
  EXPECT_EQ(pending->result().error_code(), grpc::StatusCode::ABORTED);
  resume.join();
  EXPECT_EQ(daemon_.status().state(), chair::v1::RUNNING);
  daemon_.advance(250000);
  EXPECT_EQ(daemon_.status().state(), chair::v1::COMPLETED);
}

TEST_F(AdjustMeets, TheAppGivingUp) {
  auto pending = held_adjustment();
  pending->cancel();
  daemon_.await_held_start(/*until_call_cancelled=*/true);
  daemon_.release_starts();
  EXPECT_EQ(pending->result().error_code(), grpc::StatusCode::CANCELLED);
  // The session runs on as it was.
  EXPECT_EQ(daemon_.status().state(), chair::v1::RUNNING);
}

// A manual session's change of technique, held between its plan and its play, meets a stop:
// the stop wins, nothing changes, and the history does not keep a change that never played.
TEST(Adjust, AManualChangeMetByAStopChangesNothingAndIsNotKept) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest request;
  request.mutable_manual()->set_technique("kneading");
  request.mutable_manual()->set_zone("shoulders");
  request.set_user_id("ann");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("", &started, &request).ok()) << daemon.log();
  daemon.advance(10000);
  daemon.hold_starts();
  chair::v1::AdjustSessionRequest change;
  change.set_lease_token(started.lease_token());
  change.mutable_manual()->set_technique("shiatsu");
  PendingAdjust pending(daemon, change);
  daemon.await_held_start();
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
  }
  daemon.release_starts();
  EXPECT_EQ(pending.result().error_code(), grpc::StatusCode::ABORTED);
  daemon.advance(20000);
  EXPECT_EQ(daemon.status().state(), chair::v1::STOPPED);
  const auto history = daemon.history("ann");
  ASSERT_EQ(history.sessions_size(), 1);
  EXPECT_EQ(history.sessions(0).adjustments_size(), 0);
}

}  // namespace
}  // namespace chaird::test
