#include "bus/board_protocol.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <boost/crc.hpp>
#include <cmath>
#include <cstring>

#include "common/utf8_text.hpp"

namespace chaird::board {
namespace {

static_assert(std::endian::native == std::endian::little, "the wire format is little-endian");

std::uint16_t crc16(std::span<const std::uint8_t> bytes) {
  boost::crc_ccitt_type crc;  // CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF
  crc.process_bytes(bytes.data(), bytes.size());
  return static_cast<std::uint16_t>(crc.checksum());
}

class Writer {
 public:
  template <typename T>
  void put(T v) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
    out_.insert(out_.end(), p, p + sizeof(T));
  }
  void text(const std::string& s) {
    const std::string cut = cut_utf8(valid_utf8(s), kMaxTextBytes);
    put<std::uint16_t>(static_cast<std::uint16_t>(cut.size()));
    out_.insert(out_.end(), cut.begin(), cut.end());
  }
  std::vector<std::uint8_t>& bytes() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

// Reads a payload; any read past its end marks it bad instead of reading out of bounds.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  template <typename T>
  T get() {
    T v{};
    if (in_.size() - pos_ < sizeof(T)) {
      bad_ = true;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  double finite() {
    const double v = get<double>();
    if (!std::isfinite(v)) bad_ = true;
    return v;
  }
  std::string text() {
    const auto n = get<std::uint16_t>();
    if (bad_ || n > kMaxTextBytes || in_.size() - pos_ < n) {
      bad_ = true;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    // Text from a board is hostile like any other: it reaches statuses and logs.
    return one_line(valid_utf8(s), kMaxTextBytes);
  }
  // True when the payload parsed and nothing was left over.
  bool complete() const { return !bad_ && pos_ == in_.size(); }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool bad_ = false;
};

void write_payload(Writer& w, const Message& m) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Hello>) {
          w.put(v.version);
          w.put(v.actuator_count);
          w.put(v.lease_ms);
        } else if constexpr (std::is_same_v<T, Sync> || std::is_same_v<T, Lease>) {
          w.put(v.host_time_us);
        } else if constexpr (std::is_same_v<T, Commands>) {
          const auto n = std::min(v.commands.size(), kMaxCommandsPerFrame);
          w.put<std::uint16_t>(static_cast<std::uint16_t>(n));
          for (std::size_t i = 0; i < n; ++i) {
            const auto& c = v.commands[i];
            w.put(c.actuator);
            w.put(c.due_us);
            w.put(c.reach_by_us);
            w.put(c.value);
          }
        } else if constexpr (std::is_same_v<T, HelloAck>) {
          w.put(v.version);
          w.put(v.actuator_count);
          w.put(v.watchdog_ms);
          w.put(v.board_time_us);
        } else if constexpr (std::is_same_v<T, SyncReply>) {
          w.put(v.host_time_us);
          w.put(v.board_time_us);
        } else if constexpr (std::is_same_v<T, Ack>) {
          w.put(v.sequence);
        } else if constexpr (std::is_same_v<T, Refused>) {
          w.put(v.sequence);
          w.put(v.faults);
          w.text(v.reason);
        } else if constexpr (std::is_same_v<T, TelemetryFrame>) {
          w.put(v.at_us);
          w.put(v.faults);
          const auto n = std::min(v.measured.size(), v.commanded.size());
          w.put<std::uint16_t>(static_cast<std::uint16_t>(n));
          for (std::size_t i = 0; i < n; ++i) w.put(v.measured[i]);
          for (std::size_t i = 0; i < n; ++i) w.put(v.commanded[i]);
          w.text(v.fault_text);
          w.put(v.supply_v);
          w.put(v.sensors);
        } else if constexpr (std::is_same_v<T, FrameError>) {
          w.put(v.sequence);
          w.text(v.reason);
        } else if constexpr (std::is_same_v<T, InjectFault>) {
          w.put(v.at_us);
          w.put(v.kind);
          w.put(v.actuator);
          w.put(v.amount);
          w.put(v.duration_ms);
        }
        // Cancel, Safe and ClearFaults carry nothing.
      },
      m);
}

std::optional<Message> read_payload(MessageType type, std::span<const std::uint8_t> payload) {
  Reader r(payload);
  Message m;
  switch (type) {
    case MessageType::kHello: {
      Hello v;
      v.version = r.get<std::uint16_t>();
      v.actuator_count = r.get<std::uint16_t>();
      v.lease_ms = r.get<std::uint32_t>();
      m = v;
      break;
    }
    case MessageType::kSync:
      m = Sync{r.get<std::int64_t>()};
      break;
    case MessageType::kLease:
      m = Lease{r.get<std::int64_t>()};
      break;
    case MessageType::kCommands: {
      Commands v;
      const auto n = r.get<std::uint16_t>();
      if (n > kMaxCommandsPerFrame) return std::nullopt;
      v.commands.reserve(n);
      for (std::uint16_t i = 0; i < n; ++i) {
        WireCommand c;
        c.actuator = r.get<std::uint16_t>();
        c.due_us = r.get<std::int64_t>();
        c.reach_by_us = r.get<std::int64_t>();
        c.value = r.finite();
        v.commands.push_back(c);
      }
      m = std::move(v);
      break;
    }
    case MessageType::kCancel:
      m = Cancel{};
      break;
    case MessageType::kSafe:
      m = Safe{};
      break;
    case MessageType::kClearFaults:
      m = ClearFaults{};
      break;
    case MessageType::kHelloAck: {
      HelloAck v;
      v.version = r.get<std::uint16_t>();
      v.actuator_count = r.get<std::uint16_t>();
      v.watchdog_ms = r.get<std::uint32_t>();
      v.board_time_us = r.get<std::int64_t>();
      m = v;
      break;
    }
    case MessageType::kSyncReply: {
      SyncReply v;
      v.host_time_us = r.get<std::int64_t>();
      v.board_time_us = r.get<std::int64_t>();
      m = v;
      break;
    }
    case MessageType::kAck:
      m = Ack{r.get<std::uint32_t>()};
      break;
    case MessageType::kRefused: {
      Refused v;
      v.sequence = r.get<std::uint32_t>();
      v.faults = r.get<std::uint32_t>();
      v.reason = r.text();
      m = std::move(v);
      break;
    }
    case MessageType::kTelemetry: {
      TelemetryFrame v;
      v.at_us = r.get<std::int64_t>();
      v.faults = r.get<std::uint32_t>();
      const auto n = r.get<std::uint16_t>();
      if (n > kMaxPayloadBytes / 16) return std::nullopt;
      v.measured.reserve(n);
      v.commanded.reserve(n);
      for (std::uint16_t i = 0; i < n; ++i) v.measured.push_back(r.finite());
      for (std::uint16_t i = 0; i < n; ++i) v.commanded.push_back(r.finite());
      v.fault_text = r.text();
      v.supply_v = r.finite();
      v.sensors = r.get<std::uint8_t>();
      m = std::move(v);
      break;
    }
    case MessageType::kInjectFault: {
      InjectFault v;
      v.at_us = r.get<std::int64_t>();
      v.kind = r.get<std::uint16_t>();
      v.actuator = r.get<std::uint16_t>();
      v.amount = r.finite();
      v.duration_ms = r.get<std::int64_t>();
      m = v;
      break;
    }
    case MessageType::kFrameError: {
      FrameError v;
      v.sequence = r.get<std::uint32_t>();
      v.reason = r.text();
      m = std::move(v);
      break;
    }
    default:
      return std::nullopt;
  }
  if (!r.complete()) return std::nullopt;
  return m;
}

}  // namespace

MessageType type_of(const Message& m) {
  static constexpr MessageType kTypes[] = {
      MessageType::kHello,       MessageType::kSync,       MessageType::kCommands,
      MessageType::kLease,       MessageType::kCancel,     MessageType::kSafe,
      MessageType::kClearFaults, MessageType::kHelloAck,   MessageType::kAck,
      MessageType::kRefused,     MessageType::kTelemetry,  MessageType::kFrameError,
      MessageType::kSyncReply,   MessageType::kInjectFault};
  return kTypes[m.index()];
}

const char* type_name(MessageType t) {
  switch (t) {
    case MessageType::kHello:
      return "Hello";
    case MessageType::kSync:
      return "Sync";
    case MessageType::kCommands:
      return "Commands";
    case MessageType::kLease:
      return "Lease";
    case MessageType::kCancel:
      return "Cancel";
    case MessageType::kSafe:
      return "Safe";
    case MessageType::kClearFaults:
      return "ClearFaults";
    case MessageType::kHelloAck:
      return "HelloAck";
    case MessageType::kAck:
      return "Ack";
    case MessageType::kRefused:
      return "Refused";
    case MessageType::kTelemetry:
      return "Telemetry";
    case MessageType::kFrameError:
      return "FrameError";
    case MessageType::kSyncReply:
      return "SyncReply";
    case MessageType::kInjectFault:
      return "InjectFault";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode_raw(std::uint8_t type, std::uint32_t sequence,
                                     std::span<const std::uint8_t> payload) {
  Writer frame;
  frame.put(kStartByte);
  frame.put<std::uint16_t>(static_cast<std::uint16_t>(payload.size()));
  frame.put(sequence);
  frame.put(type);
  auto& out = frame.bytes();
  out.insert(out.end(), payload.begin(), payload.end());
  frame.put(crc16(std::span(out).subspan(1)));
  return out;
}

std::vector<std::uint8_t> encode(const Message& m, std::uint32_t sequence) {
  Writer payload;
  write_payload(payload, m);
  return encode_raw(static_cast<std::uint8_t>(type_of(m)), sequence, payload.bytes());
}

FrameDecoder::Result FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  Result result;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  std::size_t pos = 0;
  // Drops everything up to the next start byte after `from`, noting why once.
  auto resync = [&](std::size_t from) {
    const auto next = std::find(buffer_.begin() + static_cast<std::ptrdiff_t>(from) + 1,
                                buffer_.end(), kStartByte);
    pos = static_cast<std::size_t>(next - buffer_.begin());
  };
  while (pos < buffer_.size()) {
    if (buffer_[pos] != kStartByte) {
      const std::size_t from = pos;
      const auto next =
          std::find(buffer_.begin() + static_cast<std::ptrdiff_t>(pos), buffer_.end(), kStartByte);
      pos = static_cast<std::size_t>(next - buffer_.begin());
      result.problems.push_back(
          {std::nullopt, fmt::format("{} byte(s) outside any frame were dropped", pos - from)});
      continue;
    }
    if (buffer_.size() - pos < kHeaderBytes) break;  // wait for the header
    std::uint16_t length = 0;
    std::uint32_t sequence = 0;
    std::memcpy(&length, &buffer_[pos + 1], sizeof(length));
    std::memcpy(&sequence, &buffer_[pos + 3], sizeof(sequence));
    const auto type = static_cast<MessageType>(buffer_[pos + 7]);
    if (length > kMaxPayloadBytes) {
      result.problems.push_back(
          {std::nullopt,
           fmt::format("a frame claims {} bytes (at most {}); dropped", length, kMaxPayloadBytes)});
      resync(pos);
      continue;
    }
    const std::size_t total = kHeaderBytes + length + kCrcBytes;
    if (buffer_.size() - pos < total) break;  // wait for the rest
    std::uint16_t crc = 0;
    std::memcpy(&crc, &buffer_[pos + kHeaderBytes + length], sizeof(crc));
    const auto covered = std::span(buffer_).subspan(pos + 1, kHeaderBytes - 1 + length);
    if (crc16(covered) != crc) {
      // The sequence number may be the damaged part: report it, but do not trust it.
      result.problems.push_back(
          {sequence, fmt::format("frame {} failed its CRC check; dropped", sequence)});
      resync(pos);
      continue;
    }
    auto message = read_payload(type, std::span(buffer_).subspan(pos + kHeaderBytes, length));
    if (!message) {
      result.problems.push_back(
          {sequence, fmt::format("frame {} (type {}) has a payload that does not parse; dropped",
                                 sequence, static_cast<int>(type))});
    } else {
      result.frames.push_back({sequence, std::move(*message)});
    }
    pos += total;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  return result;
}

}  // namespace chaird::board
