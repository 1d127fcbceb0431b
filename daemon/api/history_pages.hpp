// ListSessionHistory and ExportSessionHistory answer in pages: a sitter's history can hold
// a thousand sessions of two hundred adjustments each, far past the 4 MB a gRPC client takes
// by default, and a client that gets more gets no answer at all. An answer ends at its limit
// or its byte budget, and next_page_token says where the next one starts.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/session_history_store.hpp"

namespace chaird::api {

// What one answer's sessions may take, with room under gRPC's 4 MB for the rest.
inline constexpr std::size_t kMaxHistoryAnswerBytes = 3 * 1024 * 1024;
inline constexpr std::size_t kMaxPageTokenBytes = 64;

// The token a client passes back to list the sessions after `cursor`.
std::string page_token(const store::HistoryCursor& cursor);
// The cursor of a token chaird gave; nullopt for anything else (a client's token is hostile).
std::optional<store::HistoryCursor> parse_page_token(std::string_view token);

struct HistoryPageCut {
  std::size_t rows = 0;         // the first this many rows go into the answer
  std::string next_page_token;  // empty when no row follows them
};

// rows: as listed, newest first, up to one more than limit (that one says more follow).
// row_bytes[i]: what row i adds to the answer. At least one row goes in, whatever its size,
// so that paging always moves on.
HistoryPageCut cut_history_page(const std::vector<store::HistoryRow>& rows,
                                const std::vector<std::size_t>& row_bytes, std::size_t limit,
                                std::size_t max_bytes);

}  // namespace chaird::api
