#include "token_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "access/token_hash.hpp"
#include "common/utf8_text.hpp"

namespace chaird::access {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '@';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// A word of the file as an error may quote it: never a token pasted in by mistake.
std::string quoted(std::string_view word) {
  if (word.substr(0, kTokenPrefix.size()) == kTokenPrefix)
    return "a token (the file holds tokens' hashes, never tokens)";
  return "'" + one_line(word, 80) + "'";
}

struct Word {
  std::string_view text;
  std::size_t column = 0;  // 1-based
};

std::vector<Word> split_words(std::string_view line) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back({line.substr(start, i - start), start + 1});
  }
  return words;
}

}  // namespace

std::optional<Caller> TokenTable::find(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  const std::string hash = sha256_hex(token);
  std::optional<Caller> found;
  // Every entry is compared, found or not, so that the time taken says nothing.
  for (const auto& e : entries_) {
    if (equal_in_constant_time(hash, e.sha256_hex) && !found) found = Caller{e.name, e.role};
  }
  return found;
}

Expected<TokenTable, std::string> parse_token_file(std::string_view text, const std::string& path) {
  if (const auto bad = first_invalid_utf8(text); bad != std::string_view::npos)
    return Unexpected(fmt::format("{}: byte {} is not UTF-8 text", path, bad));
  std::vector<TokenEntry> entries;
  std::set<std::string> names;
  std::set<std::string> hashes;
  std::size_t line_number = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto words = split_words(line);
    if (words.empty() || words[0].text[0] == '#') {
      if (end == text.size()) break;
      continue;
    }
    const auto where = [&](std::size_t column) {
      return fmt::format("{}:{}:{}", path, line_number, column);
    };
    if (words.size() != 3)
      return Unexpected(fmt::format(
          "{}: expected three words, a name, a role and the token's hash (\"front-desk kiosk "
          "sha256:<64 hex digits>\"), found {}",
          where(words[0].column), words.size()));
    const Word& name = words[0];
    if (name.text.size() > kMaxTokenNameBytes ||
        std::find_if_not(name.text.begin(), name.text.end(), is_name_char) != name.text.end())
      return Unexpected(
          fmt::format("{}: expected a name of at most {} letters, digits and '-_.@', found {}",
                      where(name.column), kMaxTokenNameBytes, quoted(name.text)));
    if (!names.insert(std::string(name.text)).second)
      return Unexpected(fmt::format("{}: the name '{}' is used twice", where(name.column),
                                    std::string(name.text)));
    const auto role = parse_role(words[1].text);
    if (!role)
      return Unexpected(fmt::format("{}: expected a role, kiosk, engineer or admin, found {}",
                                    where(words[1].column), quoted(words[1].text)));
    const Word& hash = words[2];
    constexpr std::string_view kScheme = "sha256:";
    const std::string_view digits =
        hash.text.substr(0, kScheme.size()) == kScheme ? hash.text.substr(kScheme.size()) : "";
    if (digits.size() != kTokenHashHexChars ||
        std::find_if_not(digits.begin(), digits.end(), is_hex_digit) != digits.end())
      return Unexpected(fmt::format(
          "{}: expected the token's hash, \"sha256:\" and 64 lower-case hex digits (chairctl "
          "token new prints it; the file never holds the token itself)",
          where(hash.column)));
    if (!hashes.insert(std::string(digits)).second)
      return Unexpected(
          fmt::format("{}: this hash is listed twice: one token, two names", where(hash.column)));
    entries.push_back({std::string(name.text), *role, std::string(digits)});
    if (end == text.size()) break;
  }
  return TokenTable(std::move(entries));
}

std::optional<std::string> check_private_file(const std::string& path, int fd, PrivateFile kind) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fmt::format("{}: cannot be read: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fmt::format("{}: is not a regular file", path);
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return fmt::format("{}: belongs to uid {}: it must belong to chaird's user (uid {}) or root",
                       path, st.st_uid, ::geteuid());
  if (st.st_nlink > 1)
    return fmt::format(
        "{}: has {} names (hard links); refused, since another name could be "
        "readable where this one is not",
        path, st.st_nlink);
  const mode_t forbidden =
      kind == PrivateFile::kSecret ? (S_IRWXG | S_IRWXO) : (S_IWGRP | S_IWOTH | S_IROTH | S_IXOTH);
  if ((st.st_mode & forbidden) != 0)
    return fmt::format(
        "{}: mode {:04o} lets other users read or change it; refused ({})", path,
        st.st_mode & 07777,
        kind == PrivateFile::kSecret ? "chmod 0600" : "chmod 0600, or 0640 with chaird's group");
  return std::nullopt;
}

Expected<std::string, std::string> read_private_file(const std::string& path, PrivateFile kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return Unexpected(fmt::format("{}: cannot be opened: {}", path, std::strerror(errno)));
  // Checked on the open file itself, so that what is checked is what is read.
  if (auto why = check_private_file(path, fd, kind)) {
    ::close(fd);
    return Unexpected(*why);
  }
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Unexpected(fmt::format("{}: cannot be read: {}", path, std::strerror(e)));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxTokenFileBytes) {
      ::close(fd);
      return Unexpected(fmt::format("{}: larger than {} bytes", path, kMaxTokenFileBytes));
    }
  }
  ::close(fd);
  return text;
}

Expected<TokenTable, std::string> load_token_file(const std::string& path) {
  auto text = read_private_file(path, PrivateFile::kGroupMayRead);
  if (!text) return Unexpected(text.error());
  return parse_token_file(*text, path);
}

}  // namespace chaird::access
