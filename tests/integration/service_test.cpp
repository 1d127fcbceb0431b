// chaird as a service: it tells systemd when it serves, pings the watchdog from its dispatch
// loop and says when it stops; on SIGTERM it brings the chair to its safe state and exits
// cleanly while clients still hold status streams open.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

TEST(Service, TellsSystemdItServesPingsTheWatchdogAndSaysItStops) {
  const std::string path = make_temp_dir("notify") + "/notify.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // chaird inherits them, as from systemd (Type=notify, WatchdogSec=1).
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "1000000", 1);
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(daemon.ready()) << daemon.log();

  std::vector<std::string> said;
  const auto next = [&](int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::string();
    char buffer[512];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  };
  const auto wait_for = [&](const std::string& prefix) {
    for (int i = 0; i < 50; ++i) {
      const std::string m = next(20000);
      if (m.empty()) return std::string();
      said.push_back(m);
      if (m.rfind(prefix, 0) == 0) return m;
    }
    return std::string();
  };
  EXPECT_THAT(wait_for("READY=1"), HasSubstr("STATUS=serving on unix:" + daemon.socket()));
  EXPECT_EQ(wait_for("WATCHDOG=1"), "WATCHDOG=1");
  EXPECT_EQ(wait_for("WATCHDOG=1"), "WATCHDOG=1");
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(wait_for("STOPPING=1"), HasSubstr("safe state"));
  EXPECT_THAT(daemon.log(), HasSubstr("systemd watchdog: every 1000 ms, from the dispatch thread"));
  ::close(fd);
}

TEST(Service, OnSigtermTheChairIsMadeSafeAndChairdExitsWithStreamsOpen) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(60000);  // heat on, rollers pressing
  ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING);
  // Kiosks and engineers watching, streams open, none of them closing.
  struct Watcher {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<chair::v1::SessionStatus>> reader;
    std::thread drain;
    chair::v1::SessionStatus last;
    grpc::Status end;
  };
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < 16; ++i) {
    auto w = std::make_unique<Watcher>();
    daemon.authorize(w->context);
    w->reader = daemon.control().WatchSession(&w->context, {});
    ASSERT_TRUE(w->reader->Read(&w->last));
    w->drain = std::thread([raw = w.get()] {
      chair::v1::SessionStatus s;
      while (raw->reader->Read(&s)) raw->last = s;
      raw->end = raw->reader->Finish();
    });
    watchers.push_back(std::move(w));
  }
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.terminate(), 0);
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, std::chrono::seconds(2)) << "chaird took longer than 2 s to exit";
  for (auto& w : watchers) {
    w->drain.join();  // every stream ended; none hangs its client
    EXPECT_FALSE(w->end.ok());
  }
  EXPECT_THAT(daemon.log(), HasSubstr("SIGTERM received: bringing the chair to its safe state"));
  EXPECT_THAT(daemon.log(), HasSubstr("chair in its safe state"));
  EXPECT_THAT(daemon.log(), HasSubstr("stopped"));
  // The simulated chair's trace ends with the heat off, the airbags vented, the roller back.
  const Trace trace = Trace::read(daemon.trace_path());
  ASSERT_GT(trace.size(), 0u);
  const std::size_t last = trace.size() - 1;
  for (const auto& id : trace.columns_starting("heat."))
    EXPECT_EQ(trace.number(last, id + ".target"), 0.0) << id;
  for (const auto& id : trace.columns_starting("airbag."))
    EXPECT_EQ(trace.number(last, id + ".target"), 0.0) << id;
  EXPECT_EQ(trace.number(last, "roller.depth.target"), 0.0);
}

// Every line logged while a session is in progress names it, whichever thread logs it (here a
// refusal logged on a gRPC thread); lines before and after it do not.
TEST(Service, EveryLogLineDuringASessionNamesTheSession) {
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  chair::v1::StartSessionResponse started;
  ASSERT_TRUE(daemon.start("e2e_full", &started).ok());
  daemon.advance(1000);
  ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING);
  const std::string tag = "[" + started.session_id() + "] ";
  EXPECT_FALSE(daemon.start("e2e_full").ok());  // refused: a session runs
  daemon.advance(200000);
  ASSERT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  EXPECT_EQ(daemon.terminate(), 0);
  const std::string log = daemon.log();
  EXPECT_THAT(log, HasSubstr("warning: " + tag + "/chair.v1.ChairControl/StartSession from uid"))
      << log;
  EXPECT_THAT(log, ::testing::Not(HasSubstr(tag + "SIGTERM received"))) << "the session is over";
  EXPECT_THAT(log, HasSubstr("info: SIGTERM received"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("] database "))) << "nothing before the session";
}

// Asked for real-time scheduling and locked memory, chaird gets them where permitted and says so
// either way; the chair works the same.
TEST(Service, AskedForRealTimeChairdSaysWhatItGotAndWorksEitherWay) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.extra_args = {"--rt-priority", "10", "--lock-memory"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_TRUE(daemon.start("e2e_full").ok());
  daemon.advance(200000);
  EXPECT_EQ(daemon.status().state(), chair::v1::COMPLETED);
  EXPECT_EQ(daemon.terminate(), 0);
  const std::string log = daemon.log();
  EXPECT_TRUE(
      log.find("the dispatch thread runs under SCHED_FIFO, priority 10") != std::string::npos ||
      log.find("the dispatch thread cannot run under SCHED_FIFO priority 10") != std::string::npos)
      << log;
  EXPECT_TRUE(log.find("chaird's memory is locked") != std::string::npos ||
              log.find("chaird's memory is not locked") != std::string::npos)
      << log;
}

}  // namespace
}  // namespace chaird::test
