// The board link's frame decoder, on both sides: the host decoding what a board sends and the
// board decoding what a host sends (one decoder reads every message type). The input is a list
// of records, each a framed message (type and payload, framed with a correct CRC so that the
// payload readers are reached) or raw bytes (noise, torn and forged frames); the stream is fed
// to the decoder in pieces whose sizes the input also chooses.
//
// A finding: a crash or sanitizer report; a decoder holding more than one frame's worth of
// bytes; a decoded text that is not one line of valid UTF-8 within its bound; a non-finite
// value; a decoded message that does not survive encoding and decoding again unchanged.
//
// CHAIRD_FUZZ_WRITE_SEEDS=dir writes one seed per message type into dir and exits.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "board_wire.hpp"
#include "bus/board_protocol.hpp"
#include "common/utf8_text.hpp"
#include "fuzz_support.hpp"

namespace chaird::fuzz {
namespace {

void check_text(const std::string& text, const char* what) {
  if (text.size() > board::kMaxTextBytes || first_invalid_utf8(text) != std::string::npos ||
      text.find_first_of("\r\n") != std::string::npos) {
    finding(std::string("a decoded ") + what + " that is not one short line of valid UTF-8");
  }
}

void check_message(const board::Message& m) {
  std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, board::Refused> || std::is_same_v<T, board::FrameError>) {
          check_text(v.reason, "reason");
        } else if constexpr (std::is_same_v<T, board::TelemetryFrame>) {
          check_text(v.fault_text, "fault text");
          for (double x : v.measured) {
            if (!std::isfinite(x)) finding("a decoded telemetry value that is not finite");
          }
          for (double x : v.commanded) {
            if (!std::isfinite(x)) finding("a decoded commanded value that is not finite");
          }
          if (!std::isfinite(v.supply_v)) finding("a decoded supply voltage that is not finite");
        } else if constexpr (std::is_same_v<T, board::Commands>) {
          if (v.commands.size() > board::kMaxCommandsPerFrame) finding("too many commands decoded");
          for (const auto& c : v.commands) {
            if (!std::isfinite(c.value)) finding("a decoded command value that is not finite");
          }
        } else if constexpr (std::is_same_v<T, board::InjectFault>) {
          if (!std::isfinite(v.amount)) finding("a decoded fault amount that is not finite");
        }
      },
      m);
}

// What a frame decodes to must encode to a frame that decodes to the same again.
void check_round_trip(const board::Frame& f) {
  const Bytes once = board::encode(f.message, f.sequence);
  board::FrameDecoder decoder;
  auto again = decoder.feed(once);
  if (again.frames.size() != 1 || !again.problems.empty()) {
    finding(std::string("a decoded ") + board::type_name(board::type_of(f.message)) +
            " does not decode again once encoded");
  }
  if (board::encode(again.frames[0].message, again.frames[0].sequence) != once) {
    finding(std::string("a decoded ") + board::type_name(board::type_of(f.message)) +
            " changes when encoded and decoded again");
  }
}

void write_seeds(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  board::TelemetryFrame telemetry;
  telemetry.at_us = 1'500'000;
  telemetry.measured = {120.0, 3.5, 0.0, 38.0};
  telemetry.commanded = {121.0, 4.0, 0.0, 40.0};
  telemetry.fault_text = "heater 2 over temperature";
  telemetry.supply_v = 24.1;
  telemetry.sensors = board::TelemetryFrame::kSeatOccupied;
  board::Commands commands;
  commands.commands = {{0, 2'000'000, 2'500'000, 140.0}, {3, 2'000'000, 4'000'000, 38.5}};
  const std::vector<board::Message> messages = {
      board::Hello{board::kProtocolVersion, 12, 500},
      board::Sync{1'000'000},
      commands,
      board::Lease{1'200'000},
      board::Cancel{},
      board::Safe{},
      board::ClearFaults{},
      board::InjectFault{3'000'000, 2, 4, 3.0, 5000},
      board::HelloAck{board::kProtocolVersion, 12, 500, 42'000},
      board::Ack{7},
      board::Refused{8, 0, "command for actuator 40: the board has 12"},
      telemetry,
      board::FrameError{9, "frame 9 failed its CRC check"},
      board::SyncReply{1'000'000, 1'000'350},
  };
  std::uint32_t sequence = 1;
  for (const auto& m : messages) {
    const Bytes frame = board::encode(m, sequence++);
    const auto payload = std::span(frame).subspan(
        board::kHeaderBytes, frame.size() - board::kHeaderBytes - board::kCrcBytes);
    // Piece seed 0 (whole), one framed record; then the same again fed in small pieces.
    Bytes seed = {0, 0, static_cast<std::uint8_t>(board::type_of(m)),
                  static_cast<std::uint8_t>(payload.size() & 0xFF),
                  static_cast<std::uint8_t>(payload.size() >> 8)};
    seed.insert(seed.end(), payload.begin(), payload.end());
    std::ofstream(dir / (std::string(board::type_name(board::type_of(m))) + ".bin"),
                  std::ios::binary)
        .write(reinterpret_cast<const char*>(seed.data()),
               static_cast<std::streamsize>(seed.size()));
  }
  // Noise before a frame, and a frame cut short.
  const Bytes noise = {7, 0x83, 0x7E, 0x01, 0x02, 0, 17, 4, 0, 1, 0, 0, 0, 0x84, 0x7E, 0x10, 0, 1};
  std::ofstream(dir / "noise_and_torn.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(noise.data()),
             static_cast<std::streamsize>(noise.size()));
}

}  // namespace
}  // namespace chaird::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("CHAIRD_FUZZ_WRITE_SEEDS")) {
    chaird::fuzz::write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird;
  const fuzz::Wire wire = fuzz::wire_from({data, size});
  board::FrameDecoder decoder;
  std::size_t at = 0;
  for (std::size_t n : wire.pieces) {
    auto result = decoder.feed(std::span(wire.stream).subspan(at, n));
    at += n;
    if (decoder.buffered() > board::kHeaderBytes + board::kMaxPayloadBytes + board::kCrcBytes) {
      fuzz::finding("the decoder holds " + std::to_string(decoder.buffered()) +
                    " bytes, more than one frame");
    }
    for (const auto& problem : result.problems) fuzz::check_text(problem.reason, "problem");
    for (const auto& frame : result.frames) {
      fuzz::check_message(frame.message);
      fuzz::check_round_trip(frame);
    }
  }
  return 0;
}
