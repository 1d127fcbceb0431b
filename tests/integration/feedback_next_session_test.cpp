// Feedback changes the next session, through gRPC on the real daemon: a zone a signed-in
// sitter marked too strong is softened in their next preview and start, and the kiosk is told
// why; a sitter who did not sign in gets the program as written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

bool any_has(const google::protobuf::RepeatedPtrField<std::string>& lines,
             const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

chair::v1::PreviewSessionResponse preview(DaemonProcess& daemon, const std::string& user) {
  chair::v1::StartSessionRequest request;
  request.set_program_id("gentle_warmup");
  request.set_user_id(user);
  grpc::ClientContext context;
  chair::v1::PreviewSessionResponse response;
  EXPECT_TRUE(daemon.control().PreviewSession(&context, request, &response).ok());
  return response;
}

TEST(FeedbackNextSession, AZoneMarkedTooStrongIsSoftenedNextTimeAndTheKioskIsToldWhy) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionRequest as_ann;
  as_ann.set_user_id("ann@example");
  chair::v1::StartSessionResponse first;
  ASSERT_TRUE(daemon.start("gentle_warmup", &first, &as_ann).ok()) << daemon.log();
  EXPECT_FALSE(any_has(first.adaptations(), "work lighter"));
  daemon.advance(first.planned_duration_ms() + 10000);
  ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  {
    chair::v1::RecordSessionFeedbackRequest feedback;
    feedback.set_session_id(first.session_id());
    feedback.set_user_id("ann@example");
    feedback.mutable_feedback()->add_too_strong_zones("shoulders");
    grpc::ClientContext context;
    chair::v1::RecordSessionFeedbackResponse ignored;
    ASSERT_TRUE(daemon.control().RecordSessionFeedback(&context, feedback, &ignored).ok());
  }
  const std::string why =
      "shoulders work lighter (80%): you marked it too strong once in your "
      "last session";
  const auto ann = preview(daemon, "ann@example");
  EXPECT_EQ(ann.outcome(), chair::v1::PreviewSessionResponse::SOFTENED);
  EXPECT_TRUE(any_has(ann.adaptations(), why)) << ann.DebugString();
  const auto someone = preview(daemon, "");
  EXPECT_EQ(someone.outcome(), chair::v1::PreviewSessionResponse::RUNS_AS_WRITTEN)
      << someone.DebugString();

  chair::v1::StartSessionResponse second;
  ASSERT_TRUE(daemon.start("gentle_warmup", &second, &as_ann).ok()) << daemon.log();
  EXPECT_TRUE(any_has(second.adaptations(), why)) << second.DebugString();
}

}  // namespace
}  // namespace chaird::test
