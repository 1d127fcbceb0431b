// The name a chair maker probably meant when they wrote one that does not exist: "did you mean
// 'shiatsu'?" for "shiatzu", in the diagnostics for techniques, zones and fields.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chaird {

// Levenshtein distance: insertions, deletions and substitutions, one each. When it is more
// than limit, limit + 1 (the largest limit is none): a caller that only wants close names stops
// paying as soon as a name cannot be one (a 1,000-letter name from a fuzzer against a 10-letter
// field costs nothing).
std::size_t edit_distance(std::string_view a, std::string_view b,
                          std::size_t limit = std::numeric_limits<std::size_t>::max() - 1);

// The candidate closest to name, when it is close enough to be a typo of it (at most two edits,
// and fewer than half the longer name's letters, so that short names do not all match); the
// first of equally close ones. Nothing when none is, or when name is longer than 64 characters.
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates);

}  // namespace chaird
