// The board fuzzers' input: a list of records, each a framed message (its type and payload,
// framed with a correct CRC so that the payload readers are reached) or raw bytes (noise, torn
// and forged frames), and the sizes of the pieces the stream arrives in.
//   record: tag < 0x80, type, length (2 bytes, little-endian), payload
//           tag >= 0x80: (tag & 0x7F) raw bytes
// The first byte seeds the piece sizes (0: the whole stream at once).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "bus/board_protocol.hpp"

namespace chaird::fuzz {

using Bytes = std::vector<std::uint8_t>;
constexpr std::uint8_t kRawRecord = 0x80;

struct Reader {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;
  bool more() const { return pos < in.size(); }
  std::uint8_t byte() { return more() ? in[pos++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(byte() | (byte() << 8)); }
  Bytes take(std::size_t n) {
    n = std::min(n, in.size() - pos);
    Bytes out(in.begin() + static_cast<std::ptrdiff_t>(pos),
              in.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    return out;
  }
};

// The records, as a stream of bytes on the wire, and the piece sizes to feed it in.
struct Wire {
  Bytes stream;
  std::vector<std::size_t> pieces;
};

// first_sequence: the number the first framed record gets (the next the reader expects).
inline Wire wire_from(std::span<const std::uint8_t> input, std::uint32_t first_sequence = 1) {
  Wire w;
  Reader r{input};
  const std::uint8_t piece_seed = r.byte();
  std::uint32_t sequence = first_sequence;
  while (r.more()) {
    const std::uint8_t tag = r.byte();
    if (tag & kRawRecord) {
      const Bytes raw = r.take(tag & 0x7F);
      w.stream.insert(w.stream.end(), raw.begin(), raw.end());
    } else {
      const std::uint8_t type = r.byte();
      const Bytes payload = r.take(std::min<std::size_t>(r.u16(), board::kMaxPayloadBytes));
      const Bytes frame = board::encode_raw(type, sequence, payload);
      sequence = board::next_sequence(sequence);
      w.stream.insert(w.stream.end(), frame.begin(), frame.end());
    }
  }
  // Pieces of 1 to 64 bytes, or the whole stream at once when the seed says so.
  std::size_t left = w.stream.size();
  std::uint32_t state = piece_seed;
  while (left > 0) {
    state = state * 1103515245u + 12345u;
    const std::size_t n =
        piece_seed == 0 ? left : std::min<std::size_t>(left, 1 + (state >> 16) % 64);
    w.pieces.push_back(n);
    left -= n;
  }
  return w;
}

}  // namespace chaird::fuzz
