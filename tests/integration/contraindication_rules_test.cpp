// The contraindication rules through the real daemon and gRPC: a kiosk's list says which
// programs would run softened and how, a preview and a start report every change with its
// reason, the chair then does without what the rules skip, a condition that needs a doctor
// refuses every program with that advice, and a broken rules file leaves chaird refusing every
// session, saying where the file is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

bool any_has(const google::protobuf::RepeatedPtrField<std::string>& lines,
             const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

chair::v1::StartSessionRequest answers(std::vector<std::string> conditions) {
  chair::v1::StartSessionRequest request;
  for (auto& c : conditions) request.add_health_conditions(std::move(c));
  return request;
}

constexpr const char* kNoHeat =
    "heat_insensitivity: No heat: you might not feel it getting too hot.";

TEST(ContraindicationRules, AKioskListSaysWhatWouldBeSoftenedAndLeavesOutWhatIsRefused) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext context;
  chair::v1::ListProgramsRequest request;
  request.add_health_conditions("heat_insensitivity");
  chair::v1::ListProgramsResponse response;
  ASSERT_TRUE(daemon.control().ListPrograms(&context, request, &response).ok());
  bool gentle_touch = false;
  for (const auto& p : response.programs()) {
    EXPECT_NE(p.metadata().id(), "warm_stiffness");  // its heat is the point: it refuses
    if (p.metadata().id() == "gentle_touch") {
      gentle_touch = true;
      EXPECT_TRUE(any_has(p.adaptations(), std::string("skips heat on back (") + kNoHeat + ")"))
          << p.DebugString();
    }
    if (p.metadata().id() == "neck_shoulders") {
      EXPECT_TRUE(p.adaptations().empty()) << p.DebugString();
    }
  }
  EXPECT_TRUE(gentle_touch);
  EXPECT_GE(response.unsuitable_count(), 1u);
}

TEST(ContraindicationRules, APreviewAndAStartTellEveryChangeAndTheChairDoesWithoutIt) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto request = answers({"heat_insensitivity"});
  grpc::ClientContext context;
  chair::v1::StartSessionRequest preview_request = request;
  preview_request.set_program_id("gentle_touch");
  chair::v1::PreviewSessionResponse preview;
  ASSERT_TRUE(daemon.control().PreviewSession(&context, preview_request, &preview).ok());
  EXPECT_EQ(preview.outcome(), chair::v1::PreviewSessionResponse::SOFTENED);
  EXPECT_TRUE(any_has(preview.adaptations(), "skipped; the chair rests there"))
      << preview.DebugString();
  EXPECT_TRUE(any_has(preview.adaptations(), kNoHeat)) << preview.DebugString();

  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("gentle_touch", &started, &request).ok());
  EXPECT_EQ(started.planned_duration_ms(), preview.planned_duration_ms());
  EXPECT_TRUE(any_has(started.adaptations(), kNoHeat)) << started.DebugString();
  daemon.advance(started.planned_duration_ms() + 10000);
  EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  EXPECT_EQ(daemon.terminate(), 0);
  const Trace trace = Trace::read(daemon.trace_path());
  for (const auto& column : trace.columns_starting("heat.")) {
    if (column.size() < 7 || column.compare(column.size() - 7, 7, ".target") != 0) continue;
    for (std::size_t r = 0; r < trace.size(); ++r)
      ASSERT_EQ(trace.number(r, column), 0.0) << column << " at row " << r;
  }
}

TEST(ContraindicationRules, AConditionThatNeedsADoctorRefusesEveryProgramWithThatAdvice) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto request = answers({"see_doctor_first"});
  const auto refused = daemon.start("gentle_warmup", nullptr, &request);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("not suitable for people with: see_doctor_first"));
  EXPECT_THAT(refused.error_message(), HasSubstr("Please see one first."));
  grpc::ClientContext context;
  chair::v1::ListProgramsRequest list;
  list.add_health_conditions("see_doctor_first");
  chair::v1::ListProgramsResponse programs;
  ASSERT_TRUE(daemon.control().ListPrograms(&context, list, &programs).ok());
  EXPECT_EQ(programs.programs_size(), 0);
  EXPECT_GE(programs.unsuitable_count(), 15u);
  daemon.advance(2000);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
}

// After a caesarean the kiosk offers the program made for after birth, kept light and off the
// lower body by the rules, and none that works the lower back or legs; after other recent
// surgery, nothing at all.
TEST(ContraindicationRules, AfterACaesareanThePostnatalProgramIsOpenAsTheRulesSay) {
  DaemonProcess daemon(DaemonOptions{});
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto listed = [&](const std::string& condition) {
    grpc::ClientContext context;
    chair::v1::ListProgramsRequest list;
    list.add_health_conditions(condition);
    chair::v1::ListProgramsResponse programs;
    EXPECT_TRUE(daemon.control().ListPrograms(&context, list, &programs).ok());
    return programs;
  };
  const auto after_caesarean = listed("caesarean");
  bool postnatal = false;
  for (const auto& p : after_caesarean.programs()) {
    for (const char* refused : {"deep_tissue", "lower_back_relief", "sciatica_gentle"})
      EXPECT_NE(p.metadata().id(), refused);
    if (p.metadata().id() != "postnatal_gentle") continue;
    postnatal = true;
    EXPECT_TRUE(any_has(p.adaptations(), "caesarean: After a caesarean: light work only."))
        << p.DebugString();
  }
  EXPECT_TRUE(postnatal);
  EXPECT_EQ(listed("recent_surgery").programs_size(), 0);

  const auto request = answers({"caesarean"});
  chair::v1::StartSessionResponse started;
  const auto status = daemon.start("postnatal_gentle", &started, &request);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(any_has(started.adaptations(), "After a caesarean"));
  daemon.advance(5000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
}

// The deepest the plan sent the rollers in this session.
double deepest(const Trace& trace) {
  double most = 0.0;
  for (std::size_t row = 0; row < trace.size(); ++row)
    most = std::max(most, trace.number(row, "roller.depth.target"));
  return most;
}

// A live "stronger" is re-planned and reviewed like the start: the sitter's caps still hold.
TEST(ContraindicationRules, ALiveAdjustmentCannotLiftTheCaps) {
  const std::string dir = make_temp_dir("lumbar_program");
  std::ofstream(dir + "/lumbar_press.textproto")
      << "metadata { id: \"lumbar_press\" name: \"Lumbar press\" total_duration_ms: 60000 }\n"
         "phases { kind: MAIN tracks { kind: BACK_ROLLERS\n"
         "  items { step { name: \"press\" technique: \"shiatsu\" zone: \"lumbar\" "
         "duration_ms: 60000 intensity: 0.6 } } } }\n";
  double depth[2] = {};
  for (const bool reported : {false, true}) {
    DaemonProcess daemon(with_programs({dir}));
    ASSERT_TRUE(daemon.ready()) << daemon.log();
    const auto request = reported ? answers({"disc_herniation_local"}) : answers({});
    chair::v1::StartSessionResponse started;
    ASSERT_TRUE(daemon.start("lumbar_press", &started, &request).ok()) << daemon.log();
    daemon.advance(15000);
    if (reported) {
      chair::v1::AdjustSessionRequest stronger;
      stronger.set_lease_token(started.lease_token());
      stronger.set_intensity_scale(1.5);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      chair::v1::AdjustSessionResponse adjusted;
      const auto status = daemon.control().AdjustSession(&context, stronger, &adjusted);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
    daemon.advance(50000);
    EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED);
    ASSERT_EQ(daemon.terminate(), 0);
    depth[reported ? 1 : 0] = deepest(Trace::read(daemon.trace_path()));
  }
  EXPECT_GT(depth[0], 6.0);         // as written, it presses deeper than the cap
  EXPECT_LE(depth[1], 6.0 + 1e-6);  // disc_herniation_local: at most 6 mm, stronger or not
  EXPECT_GT(depth[1], 0.0);
}

TEST(ContraindicationRules, ABrokenRulesFileLeavesChairdRefusingEverySession) {
  const std::string dir = make_temp_dir("broken_rules");
  const std::string path = dir + "/rules.textproto";
  std::ofstream(path) << "rules { condition: \"fever\" reason: \"r\" refuse: true }\n"
                         "rules { condition: \"flu\" reason: \"r\" refuse: true }\n";
  DaemonOptions options;
  options.extra_args = {"--rules", path};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();  // it serves: a kiosk can say why, staff can stop
  const auto refused = daemon.start("gentle_warmup");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("no valid contraindication rules"));
  EXPECT_THAT(refused.error_message(), HasSubstr(path + ":2:9: error: unknown condition"));
  chair::v1::StartSessionRequest manual;
  manual.mutable_manual()->set_technique("kneading");
  manual.mutable_manual()->set_zone("shoulders");
  EXPECT_EQ(daemon.start("", nullptr, &manual).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  {
    grpc::ClientContext context;
    chair::v1::ListProgramsRequest list;
    list.add_health_conditions("fever");
    chair::v1::ListProgramsResponse programs;
    EXPECT_EQ(daemon.control().ListPrograms(&context, list, &programs).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    // Without answers, the list is only a list: a kiosk can still show it.
    grpc::ClientContext context;
    chair::v1::ListProgramsResponse programs;
    EXPECT_TRUE(daemon.control().ListPrograms(&context, {}, &programs).ok());
    EXPECT_GE(programs.programs_size(), 15);
  }
  daemon.advance(2000);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
  EXPECT_THAT(daemon.log(), HasSubstr("the contraindication rules cannot be used"));
}

TEST(ContraindicationRules, ARefusalCountsEveryProblemOfTheRulesFile) {
  const std::string dir = make_temp_dir("many_broken_rules");
  const std::string path = dir + "/rules.textproto";
  {
    std::ofstream out(path);
    for (int i = 0; i < 30; ++i) out << "zz" << i << ": 1\n";
  }
  DaemonOptions options;
  options.extra_args = {"--rules", path};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto refused = daemon.start("gentle_warmup");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr(path + ":1:1: error: unknown field 'zz0'"));
  EXPECT_THAT(refused.error_message(), HasSubstr("(and 29 more problems)"));
}

TEST(ContraindicationRules, AMissingRulesFileIsNoLicenceToRunWithoutRules) {
  DaemonOptions options;
  options.extra_args = {"--rules", "/nonexistent/contraindications.textproto"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto refused = daemon.start("gentle_warmup");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("/nonexistent/contraindications.textproto"));
}

}  // namespace
}  // namespace chaird::test
