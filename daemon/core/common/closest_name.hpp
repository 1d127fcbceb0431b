// The name a chair maker probably meant when they wrote one that does not exist: "did you mean
// 'shiatsu'?" for "shiatzu", in the diagnostics for techniques, zones and fields.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chaird {

// Levenshtein distance: insertions, deletions and substitutions, one each.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to name, when it is close enough to be a typo of it (at most two edits,
// and fewer than half the longer name's letters, so that short names do not all match); the
// first of equally close ones. Nothing when none is, or when name is longer than 64 characters.
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates);

}  // namespace chaird
