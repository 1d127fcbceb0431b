#include "common/utf8_text.hpp"

#include <fmt/format.h>

namespace chaird {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;  // bounds of the second byte (excluding overlongs and surrogates)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

bool is_control(std::string_view text, std::size_t i, std::size_t n) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (n == 1) return byte(0) < 0x20 || byte(0) == 0x7F;
  // C1 controls U+0080..U+009F.
  if (n == 2) return byte(0) == 0xC2 && byte(1) <= 0x9F;
  if (n != 3 || byte(0) != 0xE2) return false;
  // The line and paragraph separators U+2028/U+2029, and the bidirectional embeddings and
  // overrides U+202A..U+202E: text from outside must not reorder what follows it.
  if (byte(1) == 0x80) return byte(2) >= 0xA8 && byte(2) <= 0xAE;
  // The bidirectional isolates U+2066..U+2069.
  return byte(1) == 0x81 && byte(2) >= 0xA6 && byte(2) <= 0xA9;
}

}  // namespace

std::size_t first_invalid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string valid_utf8(std::string_view text) {
  if (first_invalid_utf8(text) == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string cut_utf8(std::string_view text, std::size_t max_bytes) {
  const std::string valid = valid_utf8(text);
  std::size_t end = 0;
  while (end < valid.size()) {
    const std::size_t n = sequence_length(valid, end);
    if (end + n > max_bytes) break;
    end += n;
  }
  return valid.substr(0, end);
}

std::string one_line(std::string_view text, std::size_t max_bytes) {
  const std::string valid = valid_utf8(text);
  std::string out;
  out.reserve(std::min(valid.size(), max_bytes));
  for (std::size_t i = 0; i < valid.size();) {
    const std::size_t n = sequence_length(valid, i);
    const bool control = is_control(valid, i, n);
    if (out.size() + (control ? 1 : n) > max_bytes) break;
    if (control) {
      out += ' ';
    } else {
      out.append(valid, i, n);
    }
    i += n;
  }
  return out;
}

std::string excerpt(std::string_view text, std::size_t max_code_points) {
  const std::string valid = valid_utf8(text);
  std::string out = "'";
  std::size_t count = 0;
  std::size_t i = 0;
  for (; i < valid.size() && count < max_code_points; ++count) {
    const std::size_t n = sequence_length(valid, i);
    if (!is_control(valid, i, n)) {
      out.append(valid, i, n);
    } else if (valid[i] == '\n') {
      out += "\\n";
    } else if (valid[i] == '\r') {
      out += "\\r";
    } else if (valid[i] == '\t') {
      out += "\\t";
    } else {
      for (std::size_t k = 0; k < n; ++k)
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(valid[i + k]));
    }
    i += n;
  }
  if (i < valid.size()) out += "…";
  out += "'";
  return out;
}

bool one_plain_line(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i);
    if (n == 0 || is_control(text, i, n)) return false;
    i += n;
  }
  return true;
}

}  // namespace chaird
