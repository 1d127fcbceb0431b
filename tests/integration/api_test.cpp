// The control API's answers to bad and awkward requests: the right gRPC status, a message a
// kiosk can show, and no actuator moving.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

// True when no actuator target in the trace ever left its value in the first row.
bool nothing_moved(const Trace& trace) {
  for (const auto& column : trace.columns_starting("")) {
    if (column.find('.') == std::string::npos && column.rfind("recline", 0) != 0 &&
        column.rfind("foot_roller", 0) != 0) {
      continue;  // not an actuator column
    }
    const std::string target = column + ".target";
    if (!trace.has(target)) continue;
    for (std::size_t r = 1; r < trace.size(); ++r) {
      if (trace.number(r, target) != trace.number(0, target)) return false;
    }
  }
  return true;
}

TEST(Api, ListsProgramsAndTechniques) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext c1;
  chair::v1::ListProgramsResponse programs;
  ASSERT_TRUE(daemon.control().ListPrograms(&c1, {}, &programs).ok());
  ASSERT_EQ(programs.programs_size(), 1);
  EXPECT_EQ(programs.programs(0).metadata().id(), "e2e_full");
  EXPECT_EQ(programs.programs(0).planned_duration_ms(), 180000);
  EXPECT_GT(programs.programs(0).step_count(), 0u);

  grpc::ClientContext c2;
  chair::v1::ListTechniquesResponse techniques;
  ASSERT_TRUE(daemon.control().ListTechniques(&c2, {}, &techniques).ok());
  bool has_shiatsu = false;
  for (const auto& t : techniques.techniques()) {
    EXPECT_FALSE(t.summary().empty()) << t.name();
    EXPECT_FALSE(t.actuators().empty()) << t.name();
    EXPECT_GE(t.tempo().max_cpm(), t.tempo().min_cpm()) << t.name();  // heat has no rhythm: 0..0
    if (t.name() == "shiatsu") {
      has_shiatsu = true;
      EXPECT_FALSE(t.params().empty());
      EXPECT_NE(t.library_path().find("shiatsu.so"), std::string::npos);
    }
  }
  EXPECT_TRUE(has_shiatsu);
}

TEST(Api, ListsTheHealthQuestionsAKioskAsks) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext context;
  chair::v1::ListHealthConditionsResponse response;
  ASSERT_TRUE(daemon.control().ListHealthConditions(&context, {}, &response).ok());
  ASSERT_GE(response.questions_size(), 10);
  bool thrombosis = false;
  for (const auto& q : response.questions()) {
    EXPECT_FALSE(q.question().empty()) << q.condition();
    EXPECT_EQ(q.question().back(), '?') << q.condition();
    if (q.condition() == "thrombosis") thrombosis = true;
  }
  EXPECT_TRUE(thrombosis);
  // Every name it lists is one StartSession accepts as an answer.
  chair::v1::StartSessionRequest request;
  for (const auto& q : response.questions()) request.add_health_conditions(q.condition());
  EXPECT_NE(daemon.start("e2e_full", nullptr, &request).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(Api, RefusalsGetTheRightStatusAndMoveNothing) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();

  auto unknown = daemon.start("no_such_program");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.error_message(), HasSubstr("no_such_program"));

  chair::v1::StartSessionRequest bad;
  bad.set_intensity_scale(3.0);
  EXPECT_EQ(daemon.start("e2e_full", nullptr, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  bad.Clear();
  bad.add_health_conditions("broken_heart");
  auto condition = daemon.start("e2e_full", nullptr, &bad);
  EXPECT_EQ(condition.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(condition.error_message(), HasSubstr("unknown health condition 'broken_heart'"));
  bad.Clear();
  bad.mutable_body_scan()->set_shoulder_mm(5000);
  EXPECT_EQ(daemon.start("e2e_full", nullptr, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  bad.Clear();
  bad.mutable_body_scan()->set_height_cm(120);
  auto short_sitter = daemon.start("e2e_full", nullptr, &bad);
  EXPECT_EQ(short_sitter.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(short_sitter.error_message(), HasSubstr("fits sitters from 150 to 195 cm"));
  EXPECT_EQ(daemon.start("").error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Health screening: the program lists thrombosis among its contraindications.
  bad.Clear();
  bad.add_health_conditions("thrombosis");
  auto screened = daemon.start("e2e_full", nullptr, &bad);
  EXPECT_EQ(screened.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(screened.error_message(), HasSubstr("not suitable for people with: thrombosis"));

  daemon.advance(5000);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_TRUE(nothing_moved(Trace::read(daemon.trace_path())));
}

// A kiosk slider at its bottom sends 0: that must never mean "full strength". Unset fields get
// the documented defaults; a value that is there is checked, 0 included.
TEST(Api, ZeroIsNeverTakenAsTheDefaultOfAScaleOrABodyValue) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto refused = [&](const std::function<void(chair::v1::StartSessionRequest&)>& set,
                           const std::string& field) {
    chair::v1::StartSessionRequest request;
    set(request);
    const auto status = daemon.start("e2e_full", nullptr, &request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(field));
  };
  refused([](auto& r) { r.set_intensity_scale(0.0); }, "intensity_scale");
  refused([](auto& r) { r.set_speed_scale(0.0); }, "speed_scale");
  refused([](auto& r) { r.set_intensity_scale(std::nan("")); }, "intensity_scale");
  refused([](auto& r) { r.set_speed_scale(-1.0); }, "speed_scale");
  refused([](auto& r) { r.mutable_body_scan()->set_shoulder_mm(0.0); }, "shoulder_mm");
  refused([](auto& r) { r.mutable_body_scan()->set_height_cm(0.0); }, "height_cm");
  refused([](auto& r) { r.set_shoulder_offset_mm(std::numeric_limits<double>::infinity()); },
          "shoulder_offset_mm");
  daemon.advance(1000);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);

  // Left out, each takes its default: the program runs at its written strength.
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  EXPECT_EQ(started.planned_duration_ms(), 180000);
}

TEST(Api, ASecondStartWhileASessionRunsFailsItsPrecondition) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse first;
  ASSERT_TRUE(daemon.start("e2e_full", &first).ok());
  daemon.advance(2000);
  auto second = daemon.start("e2e_full");
  EXPECT_EQ(second.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(second.error_message(), HasSubstr("already running"));
  const auto status = daemon.status();
  EXPECT_EQ(status.state(), chair::v1::RUNNING);
  EXPECT_EQ(status.session_id(), first.session_id());  // the first session goes on
}

TEST(Api, WatchingAnUnknownSessionIsNotFound) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  grpc::ClientContext context;
  chair::v1::WatchSessionRequest request;
  request.set_session_id("session-42");
  auto reader = daemon.control().WatchSession(&context, request);
  chair::v1::SessionStatus s;
  EXPECT_FALSE(reader->Read(&s));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(Api, AdvanceClockNeedsAManualClock) {
  DaemonProcess daemon(with_programs({fixture_programs()}, "virtual"));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::AdvanceClockRequest request;
  request.set_duration_ms(1000);
  chair::v1::AdvanceClockResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(daemon.bench().AdvanceClock(&context, request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// One call moves the bench's clock at most five minutes: the service steps through every
// millisecond of it, and a faulted chair that cannot come to rest costs far more per
// millisecond than an idle one (an hour took 37 s under the sanitizers), so a client's
// deadline could not cover a longer call. More time is more calls; chairctl makes them.
TEST(Api, AdvanceClockMovesAtMostFiveMinutesPerCall) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  auto advance = [&](std::int64_t ms, chair::v1::AdvanceClockResponse& response) {
    chair::v1::AdvanceClockRequest request;
    request.set_duration_ms(ms);
    grpc::ClientContext context;
    daemon.authorize(context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return daemon.bench().AdvanceClock(&context, request, &response);
  };
  chair::v1::AdvanceClockResponse before;
  ASSERT_TRUE(advance(1, before).ok());
  chair::v1::AdvanceClockResponse response;
  const auto too_long = advance(300'001, response);
  EXPECT_EQ(too_long.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_long.error_message(),
              HasSubstr("duration_ms must be between 1 ms and 5 minutes (300000 ms)"));
  const auto most = advance(300'000, response);
  ASSERT_TRUE(most.ok()) << most.error_message();
  EXPECT_EQ(response.chair_time_ms(), before.chair_time_ms() + 300'000);
}

TEST(Api, ServesTheStandardHealthService) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  // grpc.health.v1.Health/Check with an empty request; SERVING is field 1 = 1 (bytes 08 01).
  grpc::GenericStub stub(daemon.channel());
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  grpc::Slice empty;
  request = grpc::ByteBuffer(&empty, 1);
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// One generic call on a raw gRPC method: request bytes in, response bytes out.
std::string generic_bidi_once(std::shared_ptr<grpc::Channel> channel, const std::string& method,
                              const std::string& request_bytes, grpc::Status& status) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  auto call = stub.PrepareCall(&context, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

TEST(Api, ServesReflectionSoGenericToolsCanListTheServices) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  // ServerReflectionRequest { list_services: "" } is field 7, an empty string: bytes 3a 00.
  grpc::Status status;
  const std::string reply = generic_bidi_once(
      daemon.channel(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      std::string("\x3a\x00", 2), status);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(reply.find("chair.v1.ChairControl"), std::string::npos);
  EXPECT_NE(reply.find("chair.v1.SimBench"), std::string::npos);
  EXPECT_NE(reply.find("grpc.health.v1.Health"), std::string::npos);
}

TEST(Api, RefusedProgramFilesAndPluginsLeaveTheRestWorking) {
  const std::string programs = make_temp_dir("programs");
  std::filesystem::copy_file(fixture_programs() + "/e2e_full.textproto",
                             programs + "/e2e_full.textproto");
  std::ofstream(programs + "/broken.textproto")
      << "metadata { id: \"broken\" name: \"Broken\" }\nphases {\n  kind: MAIN\n  tracks { items { "
         "step { technique: \"shiatsu\" zone: \"lumbar\" duration_ms: -5 } } }\n}\n";
  std::ofstream(programs + "/syntax.textproto") << "metadata { id: \"syntax\" \n phases { kind: \n";
  const std::string plugins = make_temp_dir("plugins");
  ::chmod(plugins.c_str(), 0755);
  for (const char* name : {"shiatsu", "acupressure", "heat", "thai_stretch"}) {
    const auto to = plugins + "/" + name + ".so";
    std::filesystem::copy_file(plugin_dir() + "/" + name + ".so", to);
    ::chmod(to.c_str(), 0755);
  }
  std::ofstream(plugins + "/junk.so") << "junk";
  ::chmod((plugins + "/junk.so").c_str(), 0644);

  DaemonOptions options = with_programs({programs});
  options.plugin_dirs = {plugins};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string log = daemon.log();
  EXPECT_THAT(log, HasSubstr("broken.textproto:4:"));
  EXPECT_THAT(log, HasSubstr("duration_ms must be positive"));
  EXPECT_THAT(log, HasSubstr("syntax.textproto:"));
  EXPECT_THAT(log, HasSubstr("junk.so"));
  grpc::ClientContext context;
  chair::v1::ListProgramsResponse listed;
  ASSERT_TRUE(daemon.control().ListPrograms(&context, {}, &listed).ok());
  ASSERT_EQ(listed.programs_size(), 1);
  EXPECT_EQ(listed.programs(0).metadata().id(), "e2e_full");
  EXPECT_TRUE(daemon.start("e2e_full").ok());
}

}  // namespace
}  // namespace chaird::test
