// The tokens file: who may call chaird, and as what. One token per line,
//
//   # name      role      hash of the token (chairctl token new prints the line)
//   front-desk  kiosk     sha256:3f9a...  (64 hex digits)
//
// Blank lines and lines starting with '#' are skipped. The file holds hashes, never tokens.
// It is refused when anyone but its owner (chaird's user or root) could change it, or when
// other users could read it: a file others can write lets them add a token of their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/roles.hpp"
#include "common/expected.hpp"

namespace chaird::access {

struct TokenEntry {
  std::string name;
  Role role = Role::kKiosk;
  std::string sha256_hex;  // of the whole token
};

class TokenTable {
 public:
  TokenTable() = default;
  explicit TokenTable(std::vector<TokenEntry> entries) : entries_(std::move(entries)) {}

  // The caller a presented token stands for, or nothing when no entry has its hash.
  std::optional<Caller> find(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<TokenEntry> entries_;
};

inline constexpr std::size_t kMaxTokenFileBytes = 1u << 20;
inline constexpr std::size_t kMaxTokenNameBytes = 64;
// Longer bearer values are refused unread: chaird's tokens are 68 characters.
inline constexpr std::size_t kMaxTokenBytes = 512;

// Parses the file's text; errors are "path:line:column: what was expected".
Expected<TokenTable, std::string> parse_token_file(std::string_view text, const std::string& path);
// Reads and parses the file after checking its owner and mode (see above).
Expected<TokenTable, std::string> load_token_file(const std::string& path);
// How private a file must be: the tokens file holds hashes, which chaird's group may read; TLS's
// private key is a secret no group may read (the socket's group holds kiosks).
enum class PrivateFile { kGroupMayRead, kSecret };
// Why a private file must not be used: missing, not a regular file, known by more than one name
// (a hard link elsewhere escapes this check), owned by someone other than chaird's user or root,
// writable by group or others, readable by others (or, for a secret, by the group). Nothing when
// it may be used.
std::optional<std::string> check_private_file(const std::string& path, int fd, PrivateFile kind);
// A private file's text (at most kMaxTokenFileBytes), after check_private_file on the open file.
Expected<std::string, std::string> read_private_file(const std::string& path,
                                                     PrivateFile kind = PrivateFile::kGroupMayRead);

}  // namespace chaird::access
