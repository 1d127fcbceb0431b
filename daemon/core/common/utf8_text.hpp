// Text from outside (a client, a file, a board, a plugin) made safe to echo. proto3 strings must
// be valid UTF-8: one bad byte in a status makes every client fail to parse the whole message,
// so nothing reaches a response, a status or a log line without passing through here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chaird {

// Offset of the first byte that does not start a valid UTF-8 sequence (overlong forms,
// surrogates and values past U+10FFFF are invalid), or npos when the text is valid.
std::size_t first_invalid_utf8(std::string_view text);

// The text with every invalid sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// Valid UTF-8 of at most max_bytes, cut on a code point boundary (never mid-character).
std::string cut_utf8(std::string_view text, std::size_t max_bytes);

// One line a kiosk can show and a log can hold: valid UTF-8, every control character (a
// newline that would forge a log line, an escape sequence, a bidirectional override that would
// make what follows read backwards) replaced by a space, at most max_bytes.
std::string one_line(std::string_view text, std::size_t max_bytes);

// Whether text already is one plain line: valid UTF-8 with nothing one_line would replace (a
// reason written in a file, shown on a kiosk and quoted in logs).
bool one_plain_line(std::string_view text);

// A short, quoted excerpt of client text for an error message or a log line: valid UTF-8,
// control characters (as one_line's) escaped (\n, \x1b), at most max_code_points characters of the
// original, with "…" when cut. A 10,000-character program id comes back as a few dozen characters.
std::string excerpt(std::string_view text, std::size_t max_code_points = 40);

}  // namespace chaird
