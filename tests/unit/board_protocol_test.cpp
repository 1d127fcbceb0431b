#include "bus/board_protocol.hpp"

#include <gtest/gtest.h>

#include <random>

namespace chaird::board {
namespace {

std::vector<Frame> decode_all(std::span<const std::uint8_t> bytes,
                              std::vector<FrameProblem>* problems = nullptr) {
  FrameDecoder d;
  auto r = d.feed(bytes);
  if (problems) *problems = r.problems;
  return r.frames;
}

TEST(BoardProtocol, EveryMessageRoundTrips) {
  const std::vector<Message> messages = {
      Hello{kProtocolVersion, 17, 300},
      Sync{123456789},
      Commands{{{3, 1'000'000, 1'200'000, 42.5}, {16, 2'000'000, 2'000'000, 0.0}}},
      Lease{-5},
      Cancel{},
      Safe{},
      ClearFaults{},
      HelloAck{kProtocolVersion, 17, 300, 987654321},
      Ack{77},
      Refused{78, 1, "command for airbag.calf due at 10 ms arrived 3 ms late"},
      TelemetryFrame{5'000,
                     4,
                     {1.0, 2.0, 3.5},
                     {1.5, 2.5, 3.0},
                     "roller.position obstructed",
                     21.5,
                     TelemetryFrame::kSeatOccupied | TelemetryFrame::kPinchDetected},
      FrameError{9, "frame 9 failed its CRC check; dropped"},
      SyncReply{11, 22},
      InjectFault{1'500'000, 7, 12, 21.5, 3000},
      InjectFault{0, 13, InjectFault::kNoActuator, 0.0, 0},
  };
  std::uint32_t seq = 0;
  for (const auto& m : messages) {
    seq = next_sequence(seq);
    const auto bytes = encode(m, seq);
    std::vector<FrameProblem> problems;
    const auto frames = decode_all(bytes, &problems);
    ASSERT_EQ(frames.size(), 1u) << type_name(type_of(m));
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(frames[0].sequence, seq);
    EXPECT_EQ(type_of(frames[0].message), type_of(m));
    // Re-encoding what was decoded gives the same bytes: nothing was lost on the way.
    EXPECT_EQ(encode(frames[0].message, seq), bytes) << type_name(type_of(m));
  }
}

TEST(BoardProtocol, FramesSplitAnywhereAreReassembled) {
  std::vector<std::uint8_t> stream;
  for (std::uint32_t s = 1; s <= 5; ++s) {
    const auto f = encode(Commands{{{1, s * 1000, s * 2000, 1.0 * s}}}, s);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameDecoder d;
  std::vector<Frame> frames;
  for (std::size_t i = 0; i < stream.size(); i += 3) {  // three bytes at a time
    auto r = d.feed(std::span(stream).subspan(i, std::min<std::size_t>(3, stream.size() - i)));
    EXPECT_TRUE(r.problems.empty());
    frames.insert(frames.end(), r.frames.begin(), r.frames.end());
  }
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[4].sequence, 5u);
  EXPECT_EQ(std::get<Commands>(frames[4].message).commands[0].value, 5.0);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(BoardProtocol, ACorruptedFrameIsReportedWithItsSequenceAndDropped) {
  auto first = encode(Commands{{{1, 1000, 2000, 10.0}}}, 41);
  const auto second = encode(Lease{5}, 42);
  first[first.size() / 2 + 4] ^= 0x10;  // one bit flipped inside the payload
  std::vector<std::uint8_t> stream = first;
  stream.insert(stream.end(), second.begin(), second.end());
  std::vector<FrameProblem> problems;
  const auto frames = decode_all(stream, &problems);
  ASSERT_EQ(frames.size(), 1u);  // the damaged frame is gone, the next one is found again
  EXPECT_EQ(frames[0].sequence, 42u);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].sequence, 41u);
  EXPECT_NE(problems[0].reason.find("frame 41 failed its CRC check"), std::string::npos);
}

TEST(BoardProtocol, APayloadThatDoesNotParseExactlyIsDropped) {
  // Well framed, correct CRC, but the payload says two commands and holds one.
  auto one = encode(Commands{{{1, 1000, 2000, 10.0}}}, 7);
  std::vector<std::uint8_t> payload(one.begin() + kHeaderBytes, one.end() - kCrcBytes);
  payload[0] = 2;
  std::vector<FrameProblem> problems;
  EXPECT_TRUE(decode_all(encode_raw(3, 7, payload), &problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].sequence, 7u);
  EXPECT_NE(problems[0].reason.find("does not parse"), std::string::npos);
  // Bytes left over after a whole payload are refused too, and so is an unknown type.
  payload[0] = 1;
  payload.push_back(0);
  EXPECT_TRUE(decode_all(encode_raw(3, 8, payload)).empty());
  EXPECT_TRUE(decode_all(encode_raw(99, 9, {})).empty());
}

TEST(BoardProtocol, ANonFiniteValueIsRefused) {
  auto bytes = encode(Commands{{{1, 1000, 2000, std::numeric_limits<double>::quiet_NaN()}}}, 3);
  std::vector<FrameProblem> problems;
  EXPECT_TRUE(decode_all(bytes, &problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].reason.find("does not parse"), std::string::npos);
}

TEST(BoardProtocol, BoardTextIsCheckedLikeAnyOutsideText) {
  // Invalid UTF-8 and a line break in a board's fault text never reach a status or a log as is.
  const auto bytes = encode(Refused{1, 2, std::string("bad \xE6\x80 byte\nforged log line")}, 1);
  const auto frames = decode_all(bytes);
  ASSERT_EQ(frames.size(), 1u);
  const auto& reason = std::get<Refused>(frames[0].message).reason;
  EXPECT_EQ(reason.find('\n'), std::string::npos);
  EXPECT_EQ(reason.find("\xE6\x80 "), std::string::npos);
}

TEST(BoardProtocol, RandomBytesNeverYieldACommand) {
  std::mt19937 rng(20261130);
  std::uniform_int_distribution<int> byte(0, 255);
  FrameDecoder d;
  std::size_t commands = 0;
  std::size_t problems = 0;
  for (int chunk = 0; chunk < 1000; ++chunk) {
    std::vector<std::uint8_t> bytes(1024);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(rng));
    auto r = d.feed(bytes);
    problems += r.problems.size();
    for (const auto& f : r.frames)
      if (std::holds_alternative<Commands>(f.message)) ++commands;
    EXPECT_LE(d.buffered(), kHeaderBytes + kMaxPayloadBytes + kCrcBytes);
  }
  EXPECT_EQ(commands, 0u);
  EXPECT_GT(problems, 0u);  // and it said what it dropped
}

TEST(BoardProtocol, AnImpossibleLengthIsDroppedAndTheStreamRecovers) {
  std::vector<std::uint8_t> stream = {kStartByte, 0xFF, 0xFF, 1, 0, 0, 0, 3};
  const auto good = encode(Safe{}, 2);
  stream.insert(stream.end(), good.begin(), good.end());
  std::vector<FrameProblem> problems;
  const auto frames = decode_all(stream, &problems);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Safe>(frames[0].message));
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].reason.find("claims 65535 bytes"), std::string::npos);
}

}  // namespace
}  // namespace chaird::board
