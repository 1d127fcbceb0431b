// Manual mode and focus over real gRPC against the real daemon on the simulated chair: the
// sitter's own technique on their own zone, changed live (AdjustSession), a focus that works an
// area harder, the history that keeps each change, and every bad choice refused with its field
// while nothing moves.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cmath>

#include "daemon_process.hpp"
#include "error_details.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

chair::v1::StartSessionRequest manual(const std::string& technique, const std::string& zone) {
  chair::v1::StartSessionRequest r;
  r.mutable_manual()->set_technique(technique);
  r.mutable_manual()->set_zone(zone);
  r.mutable_manual()->set_duration_ms(120'000);
  r.set_client_name("kiosk 1");
  return r;
}

grpc::Status adjust(DaemonProcess& daemon, const chair::v1::AdjustSessionRequest& request,
                    chair::v1::AdjustSessionResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return daemon.control().AdjustSession(&context, request, response);
}

grpc::Status start(DaemonProcess& daemon, const chair::v1::StartSessionRequest& request,
                   chair::v1::StartSessionResponse* response = nullptr) {
  return daemon.start(request.program_id(), response, &request);
}

// What works now, as a kiosk's screen shows it.
std::string at_work(DaemonProcess& daemon) {
  std::string out;
  const auto status = daemon.status();
  for (const auto& s : status.active_steps())
    out += (out.empty() ? "" : ", ") + s.technique() + " on " + s.zone();
  return out;
}

TEST(ManualMode, RunsTheSittersChoiceChangesItLiveAndTheHistoryKeepsEachChange) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto request = manual("kneading", "shoulders");
  request.set_user_id("ann");
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(start(daemon, request, &started).ok()) << daemon.log();
  EXPECT_EQ(started.planned_duration_ms(), 120'000);
  daemon.advance(10'000);
  const auto running = daemon.status();
  EXPECT_EQ(running.state(), chair::v1::RUNNING);
  EXPECT_EQ(running.program_id(), "manual");
  EXPECT_EQ(running.program_name(), "Manual: kneading on shoulders");
  EXPECT_EQ(at_work(daemon), "kneading on shoulders");

  chair::v1::AdjustSessionRequest change;
  change.set_lease_token(started.lease_token());
  change.mutable_manual()->set_technique("shiatsu");
  change.mutable_manual()->set_zone("lumbar");
  chair::v1::AdjustSessionResponse changed;
  const auto status = adjust(daemon, change, &changed);
  ASSERT_TRUE(status.ok()) << status.error_message() << daemon.log();
  EXPECT_EQ(changed.technique(), "shiatsu");
  EXPECT_EQ(changed.zone(), "lumbar");
  EXPECT_GT(changed.effective_from_ms(), 10'000);
  daemon.advance(15'000);
  EXPECT_EQ(at_work(daemon), "shiatsu on lumbar");

  // Only the zone, then a focus: the technique stays.
  chair::v1::AdjustSessionRequest zone_only;
  zone_only.set_lease_token(started.lease_token());
  zone_only.mutable_manual()->set_zone("thoracic");
  ASSERT_TRUE(adjust(daemon, zone_only, &changed).ok()) << daemon.log();
  EXPECT_EQ(changed.technique(), "shiatsu");
  daemon.advance(15'000);
  EXPECT_EQ(at_work(daemon), "shiatsu on thoracic");
  chair::v1::AdjustSessionRequest focus;
  focus.set_lease_token(started.lease_token());
  focus.mutable_focus()->add_areas("thoracic");
  ASSERT_TRUE(adjust(daemon, focus, &changed).ok()) << daemon.log();
  EXPECT_THAT(changed.focus_areas(), ::testing::ElementsAre("thoracic"));
  daemon.advance(5'000);
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
  }
  daemon.advance(10'000);

  const auto history = daemon.history("ann");
  ASSERT_EQ(history.sessions_size(), 1);
  const auto& session = history.sessions(0);
  EXPECT_EQ(session.program_id(), "manual");
  EXPECT_EQ(session.how_it_ended(), "STOPPED");
  ASSERT_EQ(session.adjustments_size(), 3);
  EXPECT_EQ(session.adjustments(0).change(), "technique shiatsu; zone lumbar");
  EXPECT_EQ(session.adjustments(1).change(), "zone thoracic");
  EXPECT_EQ(session.adjustments(2).change(), "focus: thoracic");
  EXPECT_GT(session.adjustments(0).at_program_ms(), 10'000);
  EXPECT_LT(session.adjustments(0).at_program_ms(), session.adjustments(1).at_program_ms());
  chair::v1::ExportSessionHistoryResponse csv;
  {
    grpc::ClientContext context;
    chair::v1::ListSessionHistoryRequest history_request;
    history_request.set_user_id("ann");
    ASSERT_TRUE(daemon.control().ExportSessionHistory(&context, history_request, &csv).ok());
  }
  EXPECT_THAT(csv.csv(), HasSubstr("min: technique shiatsu; zone lumbar | "));
  // The log names the session once on each line of it, in the tag.
  ASSERT_EQ(daemon.terminate(), 0);
  const std::string tag = "[" + started.session_id() + "] ";
  EXPECT_THAT(daemon.log(), HasSubstr(tag + "adjusted from "));
  EXPECT_THAT(daemon.log(), ::testing::Not(HasSubstr(tag + started.session_id() + ":")));
}

TEST(ManualMode, EveryBadChoiceIsRefusedWithItsFieldAndNothingMoves) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  struct Case {
    const char* what;
    chair::v1::StartSessionRequest request;
    const char* field;
  };
  std::vector<Case> cases;
  auto both = manual("kneading", "shoulders");
  both.set_program_id("neck_shoulders");
  cases.push_back({"a program and manual mode", both, "program_id"});
  cases.push_back({"an unknown technique", manual("reiki", "shoulders"), "manual.technique"});
  cases.push_back({"no technique", manual("", "shoulders"), "manual.technique"});
  cases.push_back({"an unknown zone", manual("kneading", "elbows"), "manual.zone"});
  auto long_text = manual(std::string(100'000, 'k'), "shoulders");
  cases.push_back({"a technique of 100k bytes", long_text, "manual.technique"});
  for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1} << 62}) {
    auto r = manual("kneading", "shoulders");
    r.mutable_manual()->set_duration_ms(ms);
    cases.push_back({"a duration out of range", r, "manual.duration_ms"});
  }
  for (const double v : {std::nan(""), HUGE_VAL, 0.0, 1.5}) {
    auto r = manual("kneading", "shoulders");
    r.mutable_manual()->set_intensity(v);
    cases.push_back({"an intensity out of range", r, "manual.intensity"});
  }
  auto fast = manual("kneading", "shoulders");
  fast.mutable_manual()->set_tempo_cpm(250);  // a number, but far past kneading's range
  cases.push_back({"a tempo the technique cannot keep", fast, "manual.tempo_cpm"});
  auto focus = manual("kneading", "shoulders");
  focus.mutable_focus()->add_areas("elbows");
  cases.push_back({"an unknown focus area", focus, "focus.areas[0]"});
  for (auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto refused = start(daemon, c.request);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
    EXPECT_EQ(details_of(refused).fields.count(c.field), 1u) << refused.error_message();
  }
  // A sitter who reported a condition is not offered manual mode: no author screened it.
  auto frail = manual("kneading", "shoulders");
  frail.add_health_conditions("osteoporosis");
  const auto refused = start(daemon, frail);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const auto d = details_of(refused);
  ASSERT_EQ(d.blocking.size(), 1u);
  EXPECT_EQ(d.blocking[0].type(), "CONTRAINDICATION");
  EXPECT_EQ(d.blocking[0].subject(), "osteoporosis");
  // A technique that does not work on the zone: the planner's reason.
  const auto wrong_zone = start(daemon, manual("foot_reflexology", "neck"));
  EXPECT_EQ(wrong_zone.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(wrong_zone.error_message(), HasSubstr("does not work on zone 'neck'"));
  // None of them started anything.
  const auto idle = daemon.status();
  EXPECT_EQ(idle.state(), chair::v1::IDLE);
  EXPECT_TRUE(idle.session_id().empty()) << idle.session_id();
}

TEST(ManualMode, AProgramsTechniqueCannotBeChangedAndABadChangeLeavesTheSessionAsItWas) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("neck_shoulders", &started).ok()) << daemon.log();
  daemon.advance(5'000);
  chair::v1::AdjustSessionRequest change;
  change.set_lease_token(started.lease_token());
  change.mutable_manual()->set_technique("kneading");
  chair::v1::AdjustSessionResponse ignored;
  const auto refused = adjust(daemon, change, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("only in manual mode"));
  EXPECT_EQ(details_of(refused).blocking.at(0).type(), "SESSION_MODE");

  chair::v1::StartSessionResponse manual_started;
  {
    grpc::ClientContext context;
    chair::v1::StopSessionResponse stopped;
    ASSERT_TRUE(daemon.control().StopSession(&context, {}, &stopped).ok());
  }
  daemon.advance(10'000);
  ASSERT_TRUE(start(daemon, manual("kneading", "shoulders"), &manual_started).ok()) << daemon.log();
  daemon.advance(5'000);
  for (const auto& [technique, zone, field] :
       {std::tuple{"reiki", "", "manual.technique"}, std::tuple{"", "elbows", "manual.zone"},
        std::tuple{"", "", "manual"}}) {
    SCOPED_TRACE(std::string(technique) + "/" + zone);
    chair::v1::AdjustSessionRequest bad;
    bad.set_lease_token(manual_started.lease_token());
    bad.mutable_manual()->set_technique(technique);
    bad.mutable_manual()->set_zone(zone);
    const auto status = adjust(daemon, bad, &ignored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(details_of(status).fields.count(field), 1u) << status.error_message();
  }
  // A technique that cannot work there: the planner's reason, and the session goes on.
  chair::v1::AdjustSessionRequest feet;
  feet.set_lease_token(manual_started.lease_token());
  feet.mutable_manual()->set_technique("foot_reflexology");
  const auto not_there = adjust(daemon, feet, &ignored);
  EXPECT_EQ(not_there.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(not_there.error_message(), HasSubstr("does not work on zone 'shoulders'"));
  daemon.advance(5'000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  EXPECT_EQ(at_work(daemon), "kneading on shoulders");
}

}  // namespace
}  // namespace chaird::test
