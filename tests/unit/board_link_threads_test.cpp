// board_link + sim/board: chaird's BoardLink and chair-simd's BoardServer in one process, each
// on its own thread, over a real Unix socket, while this thread plays the dispatch thread.
// These run in the board's real time (its watchdog is real time); they wait for what the link
// reports, never for a fixed while. Under ThreadSanitizer (scripts/tsan.sh) they are what shows
// the link thread, the board's thread and the dispatch thread sharing state correctly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "board/board_server.hpp"
#include "board_link/board_link.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

class BoardLinkThreads : public ::testing::Test {
 protected:
  void SetUp() override {
    chair_ = unit::chair();
    path_ = (std::filesystem::temp_directory_path() /
             ("chaird-link-threads-" + std::to_string(::getpid()) + ".sock"))
                .string();
    std::filesystem::remove(path_);
    sim::BoardServerOptions options;
    options.socket_path = path_;
    options.log = [](const std::string&) {};
    server_ = std::make_unique<sim::BoardServer>(io_, chair_, options);
    ASSERT_TRUE(server_->start());
    board_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    io_.stop();
    if (board_thread_.joinable()) board_thread_.join();
    std::filesystem::remove(path_);
  }

  std::unique_ptr<BoardLink> connect() {
    BoardLinkOptions options;
    options.path = path_;
    auto link = BoardLink::connect(chair_, host_clock_, options);
    EXPECT_TRUE(link) << (link ? "" : link.error());
    return link ? std::move(*link) : nullptr;
  }

  // Polls what the link reports until ready says so; false after 10 s of wall time.
  static bool until(BoardLink& link, const std::function<bool(const Telemetry&)>& ready) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < limit) {
      if (ready(link.read_telemetry())) return true;
      std::this_thread::yield();
    }
    return false;
  }

  std::shared_ptr<const ChairModel> chair_;
  std::string path_;
  boost::asio::io_context io_;
  std::unique_ptr<sim::BoardServer> server_;
  std::thread board_thread_;
  sim::BoardClock host_clock_;
};

TEST_F(BoardLinkThreads, CommandsFromTheDispatchThreadReachTheBoardAndItsTelemetryComesBack) {
  auto link = connect();
  ASSERT_TRUE(link);
  const auto& roller = chair_->actuator(0);
  const double target = roller.min + (roller.max - roller.min) / 2.0;
  const ChairTime now = host_clock_.now();
  const BusCommand command{0, now + std::chrono::milliseconds(50),
                           now + std::chrono::milliseconds(2000), target};
  link->submit(std::span(&command, 1));
  link->refresh_lease(host_clock_.now());
  EXPECT_TRUE(until(*link,
                    [&](const Telemetry& t) {
                      link->refresh_lease(host_clock_.now());
                      return t.commanded.size() == chair_->actuator_count() &&
                             std::abs(t.commanded[0] - target) < 1e-6;
                    }))
      << "the board never steered actuator 0 to " << target;
  EXPECT_EQ(link->read_telemetry().faults, kFaultNone) << link->read_telemetry().fault_text;
  link->enter_safe_state();
}

TEST_F(BoardLinkThreads, ABoardThatGoesAwayIsReportedAndTheLinkStillStopsCleanly) {
  auto link = connect();
  ASSERT_TRUE(link);
  io_.stop();  // the board's thread stops answering, and its socket closes with the server
  board_thread_.join();
  server_.reset();
  EXPECT_TRUE(until(*link, [](const Telemetry& t) { return (t.faults & kFaultLinkLost) != 0; }));
  link->enter_safe_state();  // queued for a board that is gone: must not hang
  link.reset();
}

}  // namespace
}  // namespace chaird
