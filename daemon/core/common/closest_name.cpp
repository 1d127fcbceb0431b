#include "common/closest_name.hpp"

#include <algorithm>
#include <limits>

namespace chaird {

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  // The largest limit is no limit; limit + 1 would wrap around to 0.
  limit = std::min(limit, std::numeric_limits<std::size_t>::max() - 1);
  const std::size_t past_limit = limit + 1;
  // The lengths' gap is at least the distance.
  const std::size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (gap > limit) return past_limit;
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    std::size_t row_least = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
      row_least = std::min(row_least, row[j]);
    }
    // Every path to the end crosses this row, and no step lowers the count.
    if (row_least > limit) return past_limit;
  }
  return std::min(row[b.size()], past_limit);
}

std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates) {
  constexpr std::size_t kMaxEdits = 2;
  // Names are short; a long one is no typo, and its edit distance would cost its length squared.
  constexpr std::size_t kMaxNameLength = 64;
  if (name.empty() || name.size() > kMaxNameLength) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = kMaxEdits + 1;
  for (const auto& candidate : candidates) {
    if (best_distance == 0) break;  // nothing is closer than the name itself
    const std::size_t distance = edit_distance(name, candidate, best_distance - 1);
    const std::size_t longer = std::max(name.size(), candidate.size());
    if (distance < best_distance && 2 * distance < longer) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace chaird
