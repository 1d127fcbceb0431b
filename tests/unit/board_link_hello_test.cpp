// board_link: what chaird accepts of a board's HelloAck. The board's watchdog is what makes the
// chair safe when chaird falls silent, so a board whose watchdog chaird cannot keep, or that
// would leave outputs on for longer than the chair profile allows, is refused at connect.
// A board of this test's own answers over a real Unix socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "board/board_server.hpp"
#include "board_link/board_link.hpp"
#include "bus/board_protocol.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using ::testing::HasSubstr;

class BoardHello : public ::testing::Test {
 protected:
  void SetUp() override {
    chair_ = unit::chair();
    path_ = (std::filesystem::temp_directory_path() /
             ("chaird-board-hello-" + std::to_string(::getpid()) + ".sock"))
                .string();
    std::filesystem::remove(path_);
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::listen(listener_, 1), 0);
  }
  void TearDown() override {
    if (board_.joinable()) board_.join();
    ::close(listener_);
    std::filesystem::remove(path_);
  }

  board::HelloAck good_ack() const {
    return {board::kProtocolVersion, static_cast<std::uint16_t>(chair_->actuator_count()), 500, 0};
  }
  Expected<std::unique_ptr<BoardLink>, std::string> connect_to_board_with_watchdog(
      std::uint32_t watchdog_ms) {
    board::HelloAck ack = good_ack();
    ack.watchdog_ms = watchdog_ms;
    return connect_to_board_answering(ack);
  }

  // A board that answers chaird's Hello with this HelloAck, then waits for chaird to close the
  // link.
  Expected<std::unique_ptr<BoardLink>, std::string> connect_to_board_answering(
      board::HelloAck answer) {
    return connect_to_board_sending(board::encode(answer, 1));
  }

  // A board that answers chaird's Hello with these bytes in one write (so that chaird reads
  // them at once), then waits for chaird to close the link.
  Expected<std::unique_ptr<BoardLink>, std::string> connect_to_board_sending(
      std::vector<std::uint8_t> answer) {
    board_ = std::thread([this, answer = std::move(answer)] {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      board::FrameDecoder decoder;
      std::array<std::uint8_t, 512> buf{};
      bool hello = false;
      while (!hello) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        for (const auto& f :
             decoder.feed(std::span(buf.data(), static_cast<std::size_t>(n))).frames)
          hello = hello || std::holds_alternative<board::Hello>(f.message);
      }
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      while (::recv(fd, buf.data(), buf.size(), 0) > 0) {
      }
      ::close(fd);
    });
    BoardLinkOptions options;
    options.path = path_;
    return BoardLink::connect(chair_, clock_, options);
  }

  std::shared_ptr<const ChairModel> chair_;
  std::string path_;
  int listener_ = -1;
  std::thread board_;
  sim::BoardClock clock_;
};

TEST_F(BoardHello, ABoardWithoutAWatchdogIsRefused) {
  auto link = connect_to_board_with_watchdog(0);
  ASSERT_FALSE(link);
  EXPECT_THAT(link.error(), HasSubstr("watchdog of 0 ms"));
  EXPECT_THAT(link.error(), HasSubstr("at least 20 ms"));
}

TEST_F(BoardHello, ABoardWhoseWatchdogChairdCannotKeepIsRefused) {
  auto link = connect_to_board_with_watchdog(19);
  ASSERT_FALSE(link);
  EXPECT_THAT(link.error(), HasSubstr("watchdog of 19 ms"));
}

TEST_F(BoardHello, ABoardThatStaysOnLongerThanTheProfileAllowsIsRefused) {
  const auto lease_ms = static_cast<std::uint32_t>(chair_->limits().board_lease_ms());
  auto link = connect_to_board_with_watchdog(lease_ms + 1);
  ASSERT_FALSE(link);
  EXPECT_THAT(link.error(), HasSubstr("watchdog of " + std::to_string(lease_ms + 1) + " ms"));
  EXPECT_THAT(link.error(),
              HasSubstr("at most " + std::to_string(lease_ms) + " ms (limits.board_lease_ms)"));
}

// The board says Hello back in its own terms: another protocol, or a board for a chair with
// other actuators, is no board chaird can drive (a board should refuse such a Hello itself).
TEST_F(BoardHello, ABoardThatAnswersForAnotherProtocolIsRefused) {
  board::HelloAck ack = good_ack();
  ack.version = board::kProtocolVersion + 1;
  auto link = connect_to_board_answering(ack);
  ASSERT_FALSE(link);
  EXPECT_THAT(link.error(), HasSubstr("protocol version " + std::to_string(ack.version)));
}

TEST_F(BoardHello, ABoardThatAnswersForAnotherChairIsRefused) {
  board::HelloAck ack = good_ack();
  ack.actuator_count = static_cast<std::uint16_t>(chair_->actuator_count() + 1);
  auto link = connect_to_board_answering(ack);
  ASSERT_FALSE(link);
  EXPECT_THAT(link.error(), HasSubstr(std::to_string(ack.actuator_count) + " actuators"));
}

// A board that says HelloAck and Refused at once has refused: its refusal is what counts,
// whichever of the two comes first.
TEST_F(BoardHello, ABoardThatAlsoRefusesInTheSameReadIsRefused) {
  const board::Refused refused{1, 0, "the seat switch is open"};
  for (const bool ack_first : {true, false}) {
    const std::vector<board::Message> said = ack_first
                                                 ? std::vector<board::Message>{good_ack(), refused}
                                                 : std::vector<board::Message>{refused, good_ack()};
    std::vector<std::uint8_t> answer;
    for (std::uint32_t sequence = 1; const auto& m : said) {
      const auto frame = board::encode(m, sequence++);
      answer.insert(answer.end(), frame.begin(), frame.end());
    }
    auto link = connect_to_board_sending(answer);
    ASSERT_FALSE(link) << (ack_first ? "HelloAck, then Refused" : "Refused, then HelloAck");
    EXPECT_THAT(link.error(), HasSubstr("the board refused chaird: the seat switch is open"));
    board_.join();
  }
}

TEST_F(BoardHello, ABoardWhoseWatchdogIsInRangeIsDriven) {
  for (const std::uint32_t watchdog_ms :
       {std::uint32_t{20}, static_cast<std::uint32_t>(chair_->limits().board_lease_ms())}) {
    auto link = connect_to_board_with_watchdog(watchdog_ms);
    ASSERT_TRUE(link) << link.error();
    EXPECT_EQ((*link)->watchdog_ms(), watchdog_ms);
    link->reset();  // closes the link, and the board goes
    board_.join();
  }
}

}  // namespace
}  // namespace chaird
