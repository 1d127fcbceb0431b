// Bearer tokens and their hashes. chaird keeps only SHA-256 hashes of tokens (a tokens file
// that leaks gives nobody a token); tokens are 32 random bytes, so an unsalted hash is as hard
// to reverse as guessing the token itself.
#pragma once

#include <string>
#include <string_view>

namespace chaird::access {

inline constexpr std::string_view kTokenPrefix = "chd_";
inline constexpr std::size_t kTokenHashHexChars = 64;

// The lower-case hex SHA-256 of text.
std::string sha256_hex(std::string_view text);
// A new token: "chd_" and 64 hex digits from the system's random source. Throws when the
// random source fails (a token that could be guessed must never be printed).
std::string new_token();
// Whether two equally long strings are equal, in a time that does not depend on where they
// first differ.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace chaird::access
