// ComposeSession through gRPC on the real daemon: a session composed for a sitter's focus and
// time runs like a program (previewed, started, completed, in their history); their health
// answers and their feedback are applied and told; bad requests are refused field by field,
// and a composition chaird no longer has is NOT_FOUND, with nothing moved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_process.hpp"
#include "error_details.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

bool any_has(const google::protobuf::RepeatedPtrField<std::string>& lines,
             const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

chair::v1::ComposeSessionRequest ask(std::vector<std::string> focus, int minutes) {
  chair::v1::ComposeSessionRequest r;
  for (auto& f : focus) r.add_focus_areas(f);
  r.set_available_ms(std::int64_t{minutes} * 60'000);
  return r;
}

grpc::Status compose(DaemonProcess& daemon, const chair::v1::ComposeSessionRequest& request,
                     chair::v1::ComposeSessionResponse* response) {
  grpc::ClientContext context;
  // A composition that never answers fails the test instead of hanging it.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return daemon.control().ComposeSession(&context, request, response);
}

// A signed-in sitter's finished session of gentle_warmup, with their feedback.
void session_with_feedback(DaemonProcess& daemon, const std::string& user,
                           const std::string& too_strong) {
  chair::v1::StartSessionRequest as_user;
  as_user.set_user_id(user);
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("gentle_warmup", &started, &as_user).ok()) << daemon.log();
  daemon.advance(started.planned_duration_ms() + 10000);
  ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  chair::v1::RecordSessionFeedbackRequest feedback;
  feedback.set_session_id(started.session_id());
  feedback.set_user_id(user);
  feedback.mutable_feedback()->add_too_strong_zones(too_strong);
  grpc::ClientContext context;
  chair::v1::RecordSessionFeedbackResponse ignored;
  ASSERT_TRUE(daemon.control().RecordSessionFeedback(&context, feedback, &ignored).ok());
}

TEST(ComposeSession, AComposedSessionRunsToItsEndAndJoinsTheSittersHistory) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto request = ask({"neck", "shoulders"}, 20);
  request.set_user_id("cara");
  chair::v1::ComposeSessionResponse composed;
  const auto s = compose(daemon, request, &composed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(composed.composition_id(), composed.program().metadata().id());
  EXPECT_GT(composed.segments_size(), 0);
  EXPECT_GE(composed.explanations_size(), composed.segments_size());
  EXPECT_GT(composed.planned_duration_ms(), 0);
  EXPECT_LE(composed.planned_duration_ms(), 20 * 60'000);
  std::int64_t parts_ms = 0;
  for (const auto& seg : composed.segments()) {
    EXPECT_FALSE(seg.why().empty());
    EXPECT_FALSE(seg.program_id().empty());
    parts_ms += seg.duration_ms();
  }
  EXPECT_EQ(parts_ms, composed.planned_duration_ms());
  // The text is the program: it validates as a chair maker's would.
  {
    chair::v1::ValidateProgramRequest validate;
    validate.set_text(composed.text());
    grpc::ClientContext context;
    chair::v1::ValidateProgramResponse valid;
    ASSERT_TRUE(daemon.control().ValidateProgram(&context, validate, &valid).ok());
    EXPECT_TRUE(valid.valid()) << valid.DebugString();
  }

  chair::v1::StartSessionRequest start;
  start.set_composition_id(composed.composition_id());
  start.set_user_id("cara");
  {
    grpc::ClientContext context;
    chair::v1::PreviewSessionResponse preview;
    ASSERT_TRUE(daemon.control().PreviewSession(&context, start, &preview).ok());
    EXPECT_EQ(preview.outcome(), chair::v1::PreviewSessionResponse::RUNS_AS_WRITTEN)
        << preview.DebugString();
    EXPECT_EQ(preview.planned_duration_ms(), composed.planned_duration_ms());
  }
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("", &started, &start).ok()) << daemon.log();
  EXPECT_EQ(started.planned_duration_ms(), composed.planned_duration_ms());
  const auto running = daemon.status();
  EXPECT_EQ(running.state(), chair::v1::RUNNING);
  EXPECT_EQ(running.program_id(), composed.composition_id());
  daemon.advance(started.planned_duration_ms() + 10000);
  EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  const auto history = daemon.history("cara");
  ASSERT_EQ(history.sessions_size(), 1);
  EXPECT_EQ(history.sessions(0).program_id(), composed.composition_id());
  EXPECT_EQ(history.sessions(0).how_it_ended(), "COMPLETED");
}

TEST(ComposeSession, ConditionsAndFeedbackShapeTheSessionAndAreExplained) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  session_with_feedback(daemon, "dan", "lumbar");
  session_with_feedback(daemon, "dan", "lumbar");

  auto request = ask({"lumbar"}, 20);
  request.set_user_id("dan");
  request.add_health_conditions("disc_herniation_local");
  chair::v1::ComposeSessionResponse composed;
  const auto s = compose(daemon, request, &composed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const auto& why = composed.explanations();
  EXPECT_TRUE(any_has(why, "Gentle work preferred: you reported a health condition"))
      << composed.DebugString();
  EXPECT_TRUE(any_has(why,
                      "Strong work on lumbar weighed against: you marked it too strong "
                      "twice lately"))
      << composed.DebugString();
  EXPECT_TRUE(any_has(why,
                      "lumbar work lighter (64%): you marked it too strong twice in your "
                      "last 2 sessions"))
      << composed.DebugString();
  EXPECT_TRUE(any_has(why, "roller depth at most 6 mm (disc_herniation_local: "))
      << composed.DebugString();
  EXPECT_TRUE(any_has(why, "disc_herniation_local")) << composed.DebugString();
  EXPECT_TRUE(any_has(composed.adaptations(), "disc_herniation_local")) << composed.DebugString();

  // The start applies the same: the rules and the feedback, told again. The answers go with
  // the composition: a start that does not repeat them is held to them all the same.
  chair::v1::StartSessionRequest start;
  start.set_composition_id(composed.composition_id());
  start.set_user_id("dan");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("", &started, &start).ok()) << daemon.log();
  EXPECT_TRUE(any_has(started.adaptations(), "lumbar work lighter")) << started.DebugString();
  EXPECT_TRUE(any_has(started.adaptations(), "disc_herniation_local")) << started.DebugString();

  // A sitter whose answers rule the source programs out gets the refusal at start as well:
  // the composed program carries every source's contraindications.
  if (composed.program().metadata().contraindications_size() > 0) {
    {
      grpc::ClientContext context;
      chair::v1::StopSessionResponse stopped;
      ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
    }
    daemon.advance(60'000);  // the stop's cool-down
    chair::v1::StartSessionRequest ruled_out = start;
    ruled_out.add_health_conditions(composed.program().metadata().contraindications(0));
    const auto refused = daemon.start("", nullptr, &ruled_out);
    ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << refused.error_message();
    const auto d = details_of(refused);
    ASSERT_FALSE(d.blocking.empty()) << refused.error_message();
    EXPECT_EQ(d.blocking.front().type(), "CONTRAINDICATION") << refused.error_message();
  }
}

// Two sitters can ask for the same session: one with a health condition that only softens it
// (it changes no segment), one who simply prefers gentle work. The composition each is given
// keeps its own answers: the first sitter's start, which need not repeat them, is still held to
// their rules, whoever composed after them.
TEST(ComposeSession, ACompositionKeepsItsSittersAnswersWhenAnotherAsksForTheSame) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto with_condition = ask({"lumbar"}, 20);
  with_condition.add_health_conditions("disc_herniation_local");
  chair::v1::ComposeSessionResponse first;
  ASSERT_TRUE(compose(daemon, with_condition, &first).ok());
  ASSERT_TRUE(any_has(first.adaptations(), "disc_herniation_local")) << first.DebugString();

  auto gentle = ask({"lumbar"}, 20);
  gentle.set_preferred_intensity(chair::v1::GENTLE);
  chair::v1::ComposeSessionResponse second;
  ASSERT_TRUE(compose(daemon, gentle, &second).ok());
  EXPECT_NE(second.composition_id(), first.composition_id());
  EXPECT_FALSE(any_has(second.adaptations(), "disc_herniation_local")) << second.DebugString();

  chair::v1::StartSessionRequest start;
  start.set_composition_id(first.composition_id());
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("", &started, &start).ok()) << daemon.log();
  EXPECT_TRUE(any_has(started.adaptations(), "disc_herniation_local")) << started.DebugString();
}

TEST(ComposeSession, BadRequestsAreRefusedFieldByFieldAndNothingMoves) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::ComposeSessionRequest bad = ask({"lumbar", "elbow"}, 0);
  bad.set_preferred_intensity(static_cast<chair::v1::IntensityClass>(7));
  bad.add_health_conditions("flu");
  bad.set_user_id("a b");
  chair::v1::ComposeSessionResponse ignored;
  const auto s = compose(daemon, bad, &ignored);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  const auto d = details_of(s);
  for (const char* field :
       {"focus_areas[1]", "available_ms", "preferred_intensity", "health_conditions[0]", "user_id"})
    EXPECT_TRUE(d.fields.count(field)) << field << ": " << s.error_message();

  auto too_long = ask({"lumbar"}, 61);
  EXPECT_EQ(compose(daemon, too_long, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // A composition chaird does not have: NOT_FOUND, with words for the sitter.
  chair::v1::StartSessionRequest unknown;
  unknown.set_composition_id("composed-0000000000000000");
  const auto not_found = daemon.start("", nullptr, &unknown);
  ASSERT_EQ(not_found.error_code(), grpc::StatusCode::NOT_FOUND) << not_found.error_message();
  const auto unknown_details = details_of(not_found);
  EXPECT_TRUE(unknown_details.fields.count("composition_id"));
  EXPECT_EQ(unknown_details.sitter_message,
            "This session is no longer available. Please compose it again.");

  // A composition and a program at once: which one?
  chair::v1::ComposeSessionResponse composed;
  ASSERT_TRUE(compose(daemon, ask({"feet"}, 15), &composed).ok());
  chair::v1::StartSessionRequest both;
  both.set_composition_id(composed.composition_id());
  const auto conflict = daemon.start("gentle_warmup", nullptr, &both);
  ASSERT_EQ(conflict.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << conflict.error_message();
  EXPECT_TRUE(details_of(conflict).fields.count("composition_id"));
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
}

// A composition is made from one version of the library: once a program is saved or deleted,
// it is composed again rather than run from segments the library may no longer hold.
TEST(ComposeSession, AfterTheLibraryChangesACompositionIsComposedAgain) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::ComposeSessionResponse composed;
  ASSERT_TRUE(compose(daemon, ask({"lumbar"}, 20), &composed).ok());
  {
    std::ifstream in(source_dir() + "/sequences/programs/gentle_warmup.textproto");
    std::stringstream text;
    text << in.rdbuf();
    std::string program = text.str();
    const std::string id = "id: \"gentle_warmup\"";
    ASSERT_NE(program.find(id), std::string::npos);
    program.replace(program.find(id), id.size(), "id: \"my_warmup\"");
    chair::v1::SaveProgramRequest save;
    save.set_text(program);
    grpc::ClientContext context;
    chair::v1::SaveProgramResponse saved;
    const auto s = daemon.control().SaveProgram(&context, save, &saved);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  chair::v1::StartSessionRequest start;
  start.set_composition_id(composed.composition_id());
  const auto stale = daemon.start("", nullptr, &start);
  ASSERT_EQ(stale.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << stale.error_message();
  const auto d = details_of(stale);
  ASSERT_FALSE(d.blocking.empty());
  EXPECT_EQ(d.blocking.front().type(), "COMPOSITION_STALE");
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
  // Composed again, it runs.
  chair::v1::ComposeSessionResponse again;
  ASSERT_TRUE(compose(daemon, ask({"lumbar"}, 20), &again).ok());
  start.set_composition_id(again.composition_id());
  EXPECT_TRUE(daemon.start("", nullptr, &start).ok()) << daemon.log();
}

// A composition on its way, on a thread of the test's (it waits at the bench's hold).
class PendingCompose {
 public:
  PendingCompose(DaemonProcess& daemon, chair::v1::ComposeSessionRequest request)
      : request_(std::move(request)), thread_([this, &daemon] {
          status_ = daemon.control().ComposeSession(&context_, request_, &response_);
        }) {}
  ~PendingCompose() {
    if (thread_.joinable()) thread_.join();
  }
  PendingCompose(const PendingCompose&) = delete;
  PendingCompose& operator=(const PendingCompose&) = delete;
  grpc::Status result() {
    thread_.join();
    return status_;
  }
  void cancel() { context_.TryCancel(); }

 private:
  chair::v1::ComposeSessionRequest request_;
  grpc::ClientContext context_;
  chair::v1::ComposeSessionResponse response_;
  grpc::Status status_;
  std::thread thread_;  // last: it uses the members above
};

// Composing plans on the pool that live adjustments use: one composition at a time, so that a
// kiosk asking again and again cannot hold up a sitter's "softer". Met at the bench's hold.
TEST(ComposeSession, OneCompositionAtATimeAndACancelledOneLetsTheNextIn) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  daemon.hold_starts();
  {
    PendingCompose first(daemon, ask({"neck"}, 20));
    daemon.await_held_start();
    chair::v1::ComposeSessionResponse ignored;
    const auto second = compose(daemon, ask({"feet"}, 20), &ignored);
    ASSERT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << second.error_message();
    EXPECT_EQ(details_of(second).sitter_message, "Please wait a moment and try again.");
    daemon.release_starts();
    EXPECT_TRUE(first.result().ok());
  }
  // The kiosk gives up while its composition waits: the next one runs.
  daemon.hold_starts();
  {
    PendingCompose given_up(daemon, ask({"lumbar"}, 20));
    daemon.await_held_start();
    given_up.cancel();
    daemon.await_held_start(/*until_call_cancelled=*/true);
    daemon.release_starts();
    EXPECT_EQ(given_up.result().error_code(), grpc::StatusCode::CANCELLED);
  }
  chair::v1::ComposeSessionResponse next;
  const auto s = compose(daemon, ask({"lumbar"}, 20), &next);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

TEST(ComposeSession, WithoutValidRulesNothingIsComposed) {
  DaemonOptions options;
  options.extra_args = {"--rules", "/nonexistent/contraindications.textproto"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::ComposeSessionResponse ignored;
  const auto s = compose(daemon, ask({"lumbar"}, 20), &ignored);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("contraindication rules"));
}

}  // namespace
}  // namespace chaird::test
