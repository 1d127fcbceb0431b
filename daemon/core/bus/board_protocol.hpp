// The framed binary protocol between chaird (the host) and a chair's board: the same bytes over
// a Unix socket to chair-simd, a pseudo-terminal, or a serial line to real hardware.
// docs/board-protocol.md is the reference; this file is its one implementation, for both ends.
//
// A frame (little-endian):
//   0x7E | length u16 | sequence u32 | type u8 | payload (length bytes) | CRC-16/CCITT u16
// The CRC covers everything between the start byte and the CRC. Each side numbers its own frames
// from 1; a receiver that sees a bad CRC, an impossible length or a payload that does not parse
// reports the frame (with its sequence number when it could be read) and hunts for the next start
// byte. Nothing in a frame that fails its checks is ever acted on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace chaird::board {

inline constexpr std::uint8_t kStartByte = 0x7E;
inline constexpr std::size_t kHeaderBytes = 8;  // start, length, sequence, type
inline constexpr std::size_t kCrcBytes = 2;
inline constexpr std::size_t kMaxPayloadBytes = 2048;
// 2: Telemetry carries the supply voltage and the seat and pinch sensors.
inline constexpr std::uint16_t kProtocolVersion = 2;
// At most this many commands in one Commands frame (26 bytes each).
inline constexpr std::size_t kMaxCommandsPerFrame = 64;
// Board text (fault reasons) is cut to this many bytes on a code-point boundary.
inline constexpr std::size_t kMaxTextBytes = 200;

enum class MessageType : std::uint8_t {
  // host -> board
  kHello = 1,        // protocol version, actuator count, lease
  kSync = 2,         // the host's chair time: the board answers with its own (SyncReply)
  kCommands = 3,     // timed setpoints
  kLease = 4,        // the host is alive (its heartbeat)
  kCancel = 5,       // drop queued commands; ramps under way stop where they are
  kSafe = 6,         // the safe state, now
  kClearFaults = 7,  // a person acknowledged the latched faults
  kInjectFault = 8,  // the bench only: a simulated board suffers a fault (a real one refuses)
  // board -> host
  kHelloAck = 16,    // the board accepts the host (or refuses: see Refused)
  kAck = 17,         // a frame was acted on
  kRefused = 18,     // a frame was refused: why (a late command, an invalid one, a mismatch)
  kTelemetry = 19,   // measured and commanded values, faults; also the board's heartbeat
  kFrameError = 20,  // the board received a frame that failed its checks
  kSyncReply = 21,   // the host's time from a Sync, and the board's time when it arrived
};

struct Hello {
  std::uint16_t version = kProtocolVersion;
  std::uint16_t actuator_count = 0;
  std::uint32_t lease_ms = 0;
};
struct Sync {
  std::int64_t host_time_us = 0;
};
struct WireCommand {
  std::uint16_t actuator = 0;
  std::int64_t due_us = 0;
  std::int64_t reach_by_us = 0;
  double value = 0.0;
};
struct Commands {
  std::vector<WireCommand> commands;
};
struct Lease {
  std::int64_t host_time_us = 0;
};
struct Cancel {};
struct Safe {};
struct ClearFaults {};
// A fault for a simulated board to suffer (chair::v1::InjectedFaultKind and its fields, the
// actuator by index): the engineer's bench reaching chair-simd. A real board refuses it.
struct InjectFault {
  static constexpr std::uint16_t kNoActuator = 0xFFFF;
  std::int64_t at_us = 0;  // board time
  std::uint16_t kind = 0;
  std::uint16_t actuator = kNoActuator;
  double amount = 0.0;
  std::int64_t duration_ms = 0;
};
struct HelloAck {
  std::uint16_t version = kProtocolVersion;
  std::uint16_t actuator_count = 0;
  std::uint32_t watchdog_ms = 0;   // the host refreshes its lease well within this
  std::int64_t board_time_us = 0;  // the board's clock when it answered
};
struct SyncReply {
  std::int64_t host_time_us = 0;
  std::int64_t board_time_us = 0;
};
struct Ack {
  std::uint32_t sequence = 0;
};
struct Refused {
  std::uint32_t sequence = 0;
  std::uint32_t faults = 0;  // BoardFault bits
  std::string reason;
};
struct TelemetryFrame {
  static constexpr std::uint8_t kSeatOccupied = 1;
  static constexpr std::uint8_t kPinchDetected = 2;
  std::int64_t at_us = 0;
  std::uint32_t faults = 0;
  std::vector<double> measured;
  std::vector<double> commanded;
  std::string fault_text;
  double supply_v = 0.0;
  std::uint8_t sensors = 0;  // kSeatOccupied | kPinchDetected
};
struct FrameError {
  std::uint32_t sequence = 0;  // 0 when it could not be read
  std::string reason;
};

using Message = std::variant<Hello, Sync, Commands, Lease, Cancel, Safe, ClearFaults, HelloAck, Ack,
                             Refused, TelemetryFrame, FrameError, SyncReply, InjectFault>;

MessageType type_of(const Message& m);
const char* type_name(MessageType t);

// One whole frame for message m, numbered sequence.
std::vector<std::uint8_t> encode(const Message& m, std::uint32_t sequence);
// A frame around any payload, with a correct CRC: for fault injection and tests that need a
// well-framed message whose content is wrong.
std::vector<std::uint8_t> encode_raw(std::uint8_t type, std::uint32_t sequence,
                                     std::span<const std::uint8_t> payload);

struct Frame {
  std::uint32_t sequence = 0;
  Message message;
};

// A frame the decoder dropped, and why.
struct FrameProblem {
  std::optional<std::uint32_t> sequence;  // when the header could be read
  std::string reason;
};

// Turns a byte stream into frames. Feed it whatever arrives, in any pieces; it never throws and
// never grows without bound (it drops bytes it cannot use).
class FrameDecoder {
 public:
  struct Result {
    std::vector<Frame> frames;
    std::vector<FrameProblem> problems;
  };
  Result feed(std::span<const std::uint8_t> bytes);
  // Bytes held waiting for the rest of a frame.
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::vector<std::uint8_t> buffer_;
};

// Sequence numbers skip 0, which FrameError uses for "unknown".
inline std::uint32_t next_sequence(std::uint32_t s) {
  return s == 0xFFFFFFFFu ? 1 : s + 1;
}

}  // namespace chaird::board
