#include "api/history_pages.hpp"

#include <fmt/format.h>

#include "common/strict_number.hpp"

namespace chaird::api {
namespace {

constexpr std::string_view kTokenPrefix = "h1:";

}  // namespace

std::string page_token(const store::HistoryCursor& cursor) {
  return fmt::format("{}{}:{}", kTokenPrefix, cursor.started_at_unix_ms, cursor.row);
}

std::optional<store::HistoryCursor> parse_page_token(std::string_view token) {
  if (token.size() > kMaxPageTokenBytes || !token.starts_with(kTokenPrefix)) return std::nullopt;
  token.remove_prefix(kTokenPrefix.size());
  const auto colon = token.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto started = parse_int64(token.substr(0, colon));
  const auto row = parse_int64(token.substr(colon + 1));
  // SQLite numbers rows from 1.
  if (!started || !row || *row < 1) return std::nullopt;
  return store::HistoryCursor{*started, *row};
}

HistoryPageCut cut_history_page(const std::vector<store::HistoryRow>& rows,
                                const std::vector<std::size_t>& row_bytes, std::size_t limit,
                                std::size_t max_bytes) {
  HistoryPageCut cut;
  std::size_t bytes = 0;
  while (cut.rows < rows.size() && cut.rows < limit && cut.rows < row_bytes.size()) {
    const std::size_t more = row_bytes[cut.rows];
    if (cut.rows > 0 && bytes + more > max_bytes) break;
    bytes += more;
    ++cut.rows;
  }
  if (cut.rows > 0 && cut.rows < rows.size())
    cut.next_page_token = page_token(rows[cut.rows - 1].cursor);
  return cut;
}

}  // namespace chaird::api
