// WatchSession under load and for small screens: a bounded number of streams (one more is
// RESOURCE_EXHAUSTED, except the controlling app's, which is always served), and streams that
// ask for fewer statuses and fewer fields get exactly that.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "chair/v1/errors.pb.h"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

// An open stream that has read its first status (or was refused).
struct OpenStream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<chair::v1::SessionStatus>> reader;
  chair::v1::SessionStatus first;
  bool served = false;
  grpc::Status refused;

  OpenStream(DaemonProcess& daemon, const chair::v1::WatchSessionRequest& request) {
    reader = daemon.control().WatchSession(&context, request);
    served = reader->Read(&first);
    if (!served) refused = reader->Finish();
  }
  ~OpenStream() {
    if (served) {
      context.TryCancel();
      (void)reader->Finish();
    }
  }
  OpenStream(const OpenStream&) = delete;
  OpenStream& operator=(const OpenStream&) = delete;
};

TEST(WatchStreams, OneStreamTooManyIsRefusedButTheControllingAppIsAlwaysServed) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.extra_args = {"--max-watch-streams", "3"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  std::vector<std::unique_ptr<OpenStream>> screens;
  for (int i = 0; i < 3; ++i) {
    screens.push_back(std::make_unique<OpenStream>(daemon, chair::v1::WatchSessionRequest{}));
    ASSERT_TRUE(screens.back()->served) << i;
  }
  OpenStream one_more(daemon, {});
  ASSERT_FALSE(one_more.served);
  EXPECT_EQ(one_more.refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(one_more.refused.error_message(), HasSubstr("at most 3 status streams"));
  chair::v1::ErrorStatus details;
  EXPECT_TRUE(details.ParseFromString(one_more.refused.error_details()));

  // The kiosk that starts a session holds its lease with a stream of its own: served although
  // the screens took every place, and the session keeps its lease past lease_ms.
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  daemon.advance(8000);
  {
    // daemon.status() would need a stream of its own: every place is taken.
    grpc::ClientContext c;
    chair::v1::GetChairResponse chair;
    ASSERT_TRUE(daemon.control().GetChair(&c, {}, &chair).ok());
    EXPECT_EQ(chair.state(), chair::v1::RUNNING) << daemon.log();
  }

  // The controlling app may hold a few streams of its own (the start's is one), not more.
  {
    chair::v1::WatchSessionRequest with_lease;
    with_lease.set_lease_token(started.lease_token());
    std::vector<std::unique_ptr<OpenStream>> own;
    for (int i = 0; i < 3; ++i) {
      own.push_back(std::make_unique<OpenStream>(daemon, with_lease));
      ASSERT_TRUE(own.back()->served) << i << ": " << own.back()->refused.error_message();
    }
    OpenStream fifth(daemon, with_lease);
    ASSERT_FALSE(fifth.served);
    EXPECT_EQ(fifth.refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }

  // A place freed is a place served again (once chaird has seen the stream end).
  screens.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 200 && !served; ++attempt) {
    OpenStream again(daemon, {});
    served = again.served;
    if (!served) {
      ASSERT_EQ(again.refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    }
  }
  EXPECT_TRUE(served);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr("/chair.v1.ChairControl/WatchSession from uid "));
  EXPECT_THAT(daemon.log(), HasSubstr("refused: RESOURCE_EXHAUSTED: chaird serves at most 3"));
}

TEST(WatchStreams, AStreamGetsOnlyTheFieldsAndTheRateItAskedFor) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());

  chair::v1::WatchSessionRequest request;
  request.set_session_id(started.session_id());
  request.set_min_interval_ms(1000);
  request.add_fields("elapsed_ms");
  request.add_fields("active_steps");
  grpc::ClientContext context;
  auto reader = daemon.control().WatchSession(&context, request);
  chair::v1::SessionStatus first;
  ASSERT_TRUE(reader->Read(&first));
  for (int i = 0; i < 50; ++i) daemon.advance(100);  // ten statuses a second of chair time
  {
    grpc::ClientContext c;
    chair::v1::StopSessionResponse r;
    ASSERT_TRUE(daemon.control().StopSession(&c, {}, &r).ok());
  }
  daemon.advance(5000);  // the cool-down ends: STOPPED, the stream's last status

  std::vector<chair::v1::SessionStatus> got{first};
  chair::v1::SessionStatus s;
  while (reader->Read(&s)) got.push_back(s);
  EXPECT_TRUE(reader->Finish().ok());
  ASSERT_GE(got.size(), 3u);
  EXPECT_LE(got.size(), 12u) << "5 s at one a second, and the changes of state";
  EXPECT_EQ(got.back().state(), chair::v1::STOPPED);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& g = got[i];
    EXPECT_EQ(g.session_id(), started.session_id());
    EXPECT_TRUE(g.actuators().empty()) << "not asked for";
    EXPECT_FALSE(g.has_sensors()) << "not asked for";
    EXPECT_TRUE(g.program_name().empty()) << "not asked for";
    if (i > 0 && g.state() == got[i - 1].state()) {
      EXPECT_GE(g.chair_time_ms() - got[i - 1].chair_time_ms(), 1000) << i;
    }
  }
  bool saw_steps = false;
  for (const auto& g : got) saw_steps = saw_steps || !g.active_steps().empty();
  EXPECT_TRUE(saw_steps);
  EXPECT_GT(got[got.size() / 2].elapsed_ms(), 0);
}

TEST(WatchStreams, ABadWatchRequestNamesEveryBadField) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::WatchSessionRequest request;
  request.set_min_interval_ms(-1);
  request.add_fields("elapsed_ms");
  request.add_fields("everything");
  request.set_lease_token(std::string(100000, 't'));
  OpenStream refused(daemon, request);
  ASSERT_FALSE(refused.served);
  EXPECT_EQ(refused.refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  chair::v1::ErrorStatus details;
  ASSERT_TRUE(details.ParseFromString(refused.refused.error_details()));
  std::vector<std::string> fields;
  for (const auto& any : details.details()) {
    chair::v1::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  }
  EXPECT_THAT(fields,
              ::testing::UnorderedElementsAre("min_interval_ms", "fields[1]", "lease_token"));
}

}  // namespace
}  // namespace chaird::test
