// board_link/clock_sync: the host's estimate of a board's clock, from Sync answers.
#include "board_link/clock_sync.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace chaird {
namespace {

// A board whose crystal runs drift_ppm fast, powered on offset_us before the host's zero.
struct Board {
  double drift_ppm = 0.0;
  std::int64_t offset_us = 0;
  std::int64_t at(std::int64_t host_us) const {
    return offset_us + host_us + std::llround(static_cast<double>(host_us) * drift_ppm * 1e-6);
  }
};

// Asks the board's time at host time sent_us; the question takes up_us, the answer down_us.
bool ask(ClockSync& sync, const Board& board, std::int64_t sent_us, std::int64_t up_us,
         std::int64_t down_us) {
  return sync.add(sent_us, sent_us + up_us + down_us, board.at(sent_us + up_us));
}

TEST(ClockSync, OneAnswerGivesTheOffsetAtTheMiddleOfItsRoundTrip) {
  ClockSync sync;
  const Board board{0.0, 5'000'000};
  ask(sync, board, 1000, 150, 150);
  EXPECT_EQ(sync.board_time(1'000'000), 6'000'000);
  EXPECT_EQ(sync.host_time(6'000'000), 1'000'000);
  EXPECT_EQ(sync.samples(), 1u);
}

TEST(ClockSync, FollowsABoardThatRunsFastOverASession) {
  // 100 ppm: 180 ms over 30 minutes, were the handshake's offset kept.
  ClockSync sync;
  const Board board{100.0, 123'456};
  std::int64_t t = 0;
  int k = 0;
  for (; t < 30LL * 60 * 1'000'000; t += 1'000'000, ++k) {
    // Round trips between 100 and 400 µs, unevenly split, as a busy host sees them.
    const std::int64_t up = 50 + (k * 37) % 200;
    const std::int64_t down = 50 + (k * 53) % 150;
    ask(sync, board, t, up, down);
    // Commands go out 200 ms ahead: that is where the estimate must hold.
    const std::int64_t due = t + up + down + 200'000;
    ASSERT_LE(std::abs(sync.board_time(due) - board.at(due)), 200)
        << "at " << t / 1'000'000 << " s";
  }
  EXPECT_NEAR(sync.drift_ppm(), 100.0, 10.0);
  const std::int64_t board_now = board.at(t);
  EXPECT_LE(std::abs(sync.host_time(board_now) - t), 200);
}

TEST(ClockSync, SetsAsideAnAnswerThatTookLong) {
  ClockSync sync;
  const Board board{0.0, 777};
  for (int k = 0; k < 8; ++k) ask(sync, board, k * 100'000, 100, 100);
  const auto before = sync.board_time(1'000'000);
  // 40 ms there, nothing back: the middle of the round trip is 20 ms off the truth.
  EXPECT_FALSE(ask(sync, board, 900'000, 40'000, 100));
  EXPECT_EQ(sync.board_time(1'000'000), before);
  EXPECT_EQ(sync.samples(), 8u);
}

TEST(ClockSync, SetsAsideAnAnswerThatCameBackBeforeItLeft) {
  ClockSync sync;
  ask(sync, Board{0.0, 0}, 0, 100, 100);
  // A board that echoes a host time from the future (garbage, or another host's question).
  EXPECT_FALSE(sync.add(5'000'000, 1'000'000, 42));
  EXPECT_EQ(sync.board_time(0), 0);
}

TEST(ClockSync, ARateNoCrystalHasIsNotBelieved) {
  // Nonsense answers claiming the board's clock runs 50 % fast: the rate is held at 10 %.
  ClockSync sync;
  for (int k = 0; k < 10; ++k) {
    const std::int64_t t = k * 1'000'000;
    sync.add(t, t + 200, t + t / 2);
  }
  EXPECT_LE(sync.drift_ppm(), 100'000.0);
}

// A board's answers are hostile until checked: a time no clock reaches (an echo of garbage, a
// counter gone wild) is set aside, and converting any time, however wild, stays defined.
TEST(ClockSync, SetsAsideAnAnswerWithATimeNoClockReaches) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  ClockSync sync;
  ask(sync, Board{0.0, 5'000'000}, 1000, 150, 150);
  const auto before = sync.board_time(1'000'000);
  // The host's time, echoed as garbage: its round trip overflows.
  EXPECT_FALSE(sync.add(kMin, 2000, 5'002'000));
  // The board's time, wild either way: its offset overflows.
  EXPECT_FALSE(sync.add(2000, 2300, kMin));
  EXPECT_FALSE(sync.add(2000, 2300, kMax));
  EXPECT_FALSE(sync.add(kMin, kMax, 0));
  EXPECT_EQ(sync.samples(), 1u);
  EXPECT_EQ(sync.board_time(1'000'000), before);
}

TEST(ClockSync, ConvertsAnyTimeWithoutOverflow) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  ClockSync sync;
  ask(sync, Board{0.0, 5'000'000}, 1000, 150, 150);
  // A telemetry time or an injected fault's time from outside: far off, but on its own side.
  EXPECT_LT(sync.host_time(kMin), 0);
  EXPECT_GT(sync.host_time(kMax), 0);
  EXPECT_LT(sync.board_time(kMin), 0);
  EXPECT_GT(sync.board_time(kMax), 0);
  // And a board that runs fast, with a far-off reference: still no overflow.
  ClockSync drifting;
  for (int k = 0; k < 12; ++k) {
    const std::int64_t t = k * 1'000'000;
    drifting.add(t, t + 200, -4'000'000'000'000'000 + t + t / 20);
  }
  EXPECT_LT(drifting.host_time(kMin), 0);
  EXPECT_GT(drifting.host_time(kMax), 0);
  EXPECT_LT(drifting.board_time(kMin), 0);
  EXPECT_GT(drifting.board_time(kMax), 0);
}

}  // namespace
}  // namespace chaird
