// Pause, resume and the client lease against the real chaird over gRPC: what a kiosk does, the
// refusals it gets in the wrong state, and the session stopping when its app goes away.
#include <gtest/gtest.h>

#include <thread>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

grpc::Status pause(DaemonProcess& daemon, chair::v1::PauseSessionResponse* out = nullptr) {
  grpc::ClientContext context;
  chair::v1::PauseSessionResponse ignored;
  return daemon.control().PauseSession(&context, {}, out ? out : &ignored);
}

grpc::Status resume(DaemonProcess& daemon, const std::string& token,
                    chair::v1::ResumeSessionResponse* out = nullptr) {
  grpc::ClientContext context;
  chair::v1::ResumeSessionRequest request;
  request.set_lease_token(token);
  chair::v1::ResumeSessionResponse ignored;
  return daemon.control().ResumeSession(&context, request, out ? out : &ignored);
}

grpc::Status keep_alive(DaemonProcess& daemon, const std::string& token) {
  grpc::ClientContext context;
  chair::v1::KeepAliveRequest request;
  request.set_lease_token(token);
  chair::v1::KeepAliveResponse response;
  return daemon.control().KeepAlive(&context, request, &response);
}

double target(const chair::v1::SessionStatus& s, const std::string& id) {
  for (const auto& a : s.actuators())
    if (a.id() == id) return a.target();
  ADD_FAILURE() << "no actuator " << id;
  return -1;
}

// Starts the fixture, runs it 20 s and pauses it; 8 s later the pause's cool-down is over.
void start_and_pause(DaemonProcess& daemon, chair::v1::StartSessionResponse& started) {
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  daemon.advance(20000);
  ASSERT_TRUE(pause(daemon).ok());
  daemon.advance(8000);
}

// The chair stayed paused, its targets safe, and a resume asked now goes on: the session was
// kept.
void expect_paused_then_resumes(DaemonProcess& daemon, const std::string& token) {
  daemon.advance(5000);
  EXPECT_EQ(daemon.status().state(), chair::v1::PAUSED);
  EXPECT_EQ(target(daemon.status(), "roller.depth"), 0.0);
  const auto again = resume(daemon, token);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
}

// A resume on its own thread, held by the bench's start hold between the planning pool and the
// dispatch thread until the test lets it go, so that another call meets it there every time.
class HeldResume {
 public:
  HeldResume(DaemonProcess& daemon, const std::string& token) : daemon_(daemon) {
    daemon_.hold_starts();
    thread_ = std::thread([this, token] { status_ = resume(daemon_, token); });
    daemon_.await_held_start();
  }
  // A test that stopped early lets the resume go, rather than wait for it forever.
  ~HeldResume() {
    if (!thread_.joinable()) return;
    daemon_.release_starts();
    thread_.join();
  }
  HeldResume(const HeldResume&) = delete;
  HeldResume& operator=(const HeldResume&) = delete;
  // The resume's answer, once it has one (let it go first, or end chaird).
  grpc::Status result() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  DaemonProcess& daemon_;
  std::thread thread_;
  grpc::Status status_;
};

// A resume whose app gave up while it waited to run does not move the chair: the kiosk was
// told CANCELLED, so the sitter must not be surprised by the rollers.
TEST(PauseOverGrpc, AResumeCancelledByItsAppBeforeItRunsLeavesTheChairPaused) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_NO_FATAL_FAILURE(start_and_pause(daemon, started));
  ASSERT_EQ(daemon.status().state(), chair::v1::PAUSED);

  daemon.hold_starts();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  chair::v1::ResumeSessionRequest request;
  request.set_lease_token(started.lease_token());
  chair::v1::ResumeSessionResponse response;
  grpc::Status status;
  std::thread call([&] { status = daemon.control().ResumeSession(&context, request, &response); });
  daemon.await_held_start();
  context.TryCancel();
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  daemon.await_held_start(/*until_call_cancelled=*/true);  // chaird has seen the cancel
  daemon.release_starts();
  // Asked again, and not given up on, it resumes.
  expect_paused_then_resumes(daemon, started.lease_token());
}

// A stop or an emergency stop pressed while a resume waits to run wins: the resume is refused
// and the chair stays stopped.
TEST(PauseOverGrpc, AStopOrEmergencyStopWhileAResumeWaitsWins) {
  for (const bool emergency : {false, true}) {
    SCOPED_TRACE(emergency ? "emergency stop" : "stop");
    DaemonProcess daemon(with_programs({fixture_programs()}));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    chair::v1::StartSessionResponse started;
    ASSERT_NO_FATAL_FAILURE(start_and_pause(daemon, started));

    HeldResume held(daemon, started.lease_token());
    grpc::ClientContext context;
    if (emergency) {
      chair::v1::EmergencyStopResponse r;
      ASSERT_TRUE(daemon.control().EmergencyStop(&context, {}, &r).ok());
    } else {
      chair::v1::StopSessionResponse r;
      ASSERT_TRUE(daemon.control().StopSession(&context, {}, &r).ok());
    }
    daemon.release_starts();
    const auto status = held.result();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
    daemon.advance(5000);
    const auto s = daemon.status();
    EXPECT_EQ(s.state(), emergency ? chair::v1::EMERGENCY_STOPPED : chair::v1::STOPPED);
    EXPECT_EQ(target(s, "roller.depth"), 0.0);
    EXPECT_EQ(target(s, "heat.lumbar"), 0.0);
  }
}

// A pause pressed while a resume waits to run (a double tap, or another screen's Pause) wins:
// the resume is refused and the chair stays paused, its session kept for a later resume.
// Before, the pause found the chair paused and was refused, and the resume then ran.
TEST(PauseOverGrpc, APauseWhileAResumeWaitsWinsAndTheChairStaysPaused) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_NO_FATAL_FAILURE(start_and_pause(daemon, started));

  HeldResume held(daemon, started.lease_token());
  chair::v1::PauseSessionResponse paused;
  const auto pressed = pause(daemon, &paused);
  EXPECT_TRUE(pressed.ok()) << pressed.error_message();
  EXPECT_EQ(paused.state(), chair::v1::PAUSED);
  daemon.release_starts();
  const auto status = held.result();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_NE(status.error_message().find("a pause was pressed"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("the chair stays paused"), std::string::npos)
      << status.error_message();
  // A resume asked after the pause goes on.
  expect_paused_then_resumes(daemon, started.lease_token());
}

// SIGTERM while a resume waits: chaird exits promptly and cleanly; the resume does not succeed.
TEST(PauseOverGrpc, SigtermWhileAResumeWaitsExitsCleanly) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_NO_FATAL_FAILURE(start_and_pause(daemon, started));
  HeldResume held(daemon, started.lease_token());
  EXPECT_EQ(daemon.terminate(), 0) << daemon.log();
  EXPECT_FALSE(held.result().ok());
}

TEST(PauseOverGrpc, APauseMakesTheChairSafeAndResumeGoesOnToTheEnd) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  chair::v1::StartSessionRequest base;
  base.set_client_name("kiosk 7");
  ASSERT_TRUE(daemon.start("e2e_full", &started, &base).ok());
  EXPECT_EQ(started.lease_ms(), 5000);
  EXPECT_EQ(started.lease_token().size(), 32u);
  daemon.advance(20000);
  const auto running = daemon.status();
  EXPECT_EQ(running.controller(), "kiosk 7");
  EXPECT_TRUE(running.controller_watching());

  chair::v1::PauseSessionResponse paused;
  const auto status = pause(daemon, &paused);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(paused.state(), chair::v1::PAUSED);
  EXPECT_EQ(paused.max_pause_ms(), 300000);
  daemon.advance(8000);
  const auto held = daemon.status();
  EXPECT_EQ(held.state(), chair::v1::PAUSED);
  EXPECT_EQ(held.pause_left_ms(), 292000);
  EXPECT_EQ(target(held, "roller.depth"), 0.0);
  EXPECT_EQ(target(held, "heat.lumbar"), 0.0);
  for (const auto& a : held.actuators()) {
    if (a.id().rfind("airbag.", 0) == 0) {
      EXPECT_LT(a.measured(), 0.5) << a.id() << " vented";
    }
  }
  EXPECT_NEAR(static_cast<double>(held.elapsed_ms()), 20000.0, 300.0);

  chair::v1::ResumeSessionResponse resumed;
  const auto again = resume(daemon, started.lease_token(), &resumed);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(resumed.state(), chair::v1::RUNNING);
  EXPECT_EQ(resumed.remaining_ms(), held.total_ms() - held.elapsed_ms());
  daemon.advance(resumed.remaining_ms() + resumed.lead_in_ms() + 2000);
  const auto done = daemon.status();
  EXPECT_EQ(done.state(), chair::v1::COMPLETED) << done.reason();
  EXPECT_EQ(done.elapsed_ms(), done.total_ms());
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_NE(daemon.log().find("resumed at 0:20"), std::string::npos) << daemon.log();
}

TEST(PauseOverGrpc, PauseResumeAndKeepAliveInTheWrongStateGetFailedPreconditionNamingIt) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto expect_refused = [&](const grpc::Status& s, const std::string& state_words) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find(state_words), std::string::npos) << s.error_message();
  };
  expect_refused(pause(daemon), "the chair is idle (no session)");
  expect_refused(resume(daemon, "x"), "there is no paused session to resume: the chair is idle");
  expect_refused(keep_alive(daemon, "x"), "there is no session to keep alive");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  daemon.advance(3000);
  expect_refused(resume(daemon, started.lease_token()), "the chair is running");
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  ASSERT_TRUE(pause(daemon).ok());
  expect_refused(pause(daemon), "the chair is paused");
  grpc::ClientContext context;
  chair::v1::EmergencyStopResponse estop;
  ASSERT_TRUE(daemon.control().EmergencyStop(&context, {}, &estop).ok());
  expect_refused(resume(daemon, started.lease_token()), "emergency-stopped");
  expect_refused(keep_alive(daemon, started.lease_token()), "emergency-stopped");
  EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
}

TEST(LeaseOverGrpc, WhenTheControllingAppGoesAwayTheSessionStops) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(30000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING) << "its open watch holds the lease";
  daemon.drop_lease();  // the kiosk crashed
  daemon.advance(4900);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  daemon.advance(200);
  daemon.advance(5000);
  const auto after = daemon.status();
  EXPECT_EQ(after.state(), chair::v1::STOPPED);
  EXPECT_EQ(after.reason(), "the controlling app disconnected");
  EXPECT_EQ(target(after, "roller.depth"), 0.0);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_NE(daemon.log().find("the controlling app disconnected"), std::string::npos);
}

TEST(LeaseOverGrpc, KeepAliveHoldsTheSessionAndATakeOverIsExplicitAndLogged) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.hold_lease = false;  // this app sends heartbeats instead
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  chair::v1::StartSessionRequest base;
  base.set_client_name("kiosk 1");
  ASSERT_TRUE(daemon.start("e2e_full", &started, &base).ok());
  for (int i = 0; i < 5; ++i) {
    daemon.advance(4000);
    const auto beat = keep_alive(daemon, started.lease_token());
    ASSERT_TRUE(beat.ok()) << beat.error_message();
  }
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  const auto stranger = keep_alive(daemon, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(stranger.error_message().find("kiosk 1"), std::string::npos);
  {
    grpc::ClientContext context;
    chair::v1::WatchSessionRequest request;
    request.set_lease_token("a guess");
    auto reader = daemon.control().WatchSession(&context, request);
    chair::v1::SessionStatus s;
    EXPECT_FALSE(reader->Read(&s));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }

  {
    // A name past StartSession's bound is refused as there, not cut short unseen; the app
    // that had control keeps it.
    grpc::ClientContext context;
    chair::v1::TakeOverSessionRequest request;
    request.set_client_name(std::string(65, 'p'));
    chair::v1::TakeOverSessionResponse ignored;
    const auto refused = daemon.control().TakeOverSession(&context, request, &ignored);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
    EXPECT_NE(refused.error_message().find("client_name"), std::string::npos)
        << refused.error_message();
    EXPECT_TRUE(keep_alive(daemon, started.lease_token()).ok());
  }
  grpc::ClientContext context;
  chair::v1::TakeOverSessionRequest request;
  request.set_client_name("phone\napp");
  chair::v1::TakeOverSessionResponse took;
  ASSERT_TRUE(daemon.control().TakeOverSession(&context, request, &took).ok());
  EXPECT_EQ(took.previous_client(), "kiosk 1");
  EXPECT_EQ(took.lease_ms(), 5000);
  EXPECT_EQ(keep_alive(daemon, started.lease_token()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "the old token stopped working";
  EXPECT_TRUE(keep_alive(daemon, took.lease_token()).ok());
  EXPECT_EQ(daemon.status().controller(), "phone app") << "one line, whatever the app sends";
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_NE(daemon.log().find("taken over by 'phone app' from 'kiosk 1'"), std::string::npos)
      << daemon.log();
}

}  // namespace
}  // namespace chaird::test
