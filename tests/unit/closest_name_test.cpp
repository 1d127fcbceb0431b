// common/closest_name: the name a maker probably meant, for "did you mean" in diagnostics.
#include "common/closest_name.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace chaird {
namespace {

TEST(ClosestName, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("shiatsu", "shiatsu"), 0u);
  EXPECT_EQ(edit_distance("shiatzu", "shiatsu"), 1u);
  EXPECT_EQ(edit_distance("lumbr", "lumbar"), 1u);
  EXPECT_EQ(edit_distance("kneeding", "kneading"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestName, ABoundedEditDistanceIsExactUpToItsLimitAndOnePastItBeyond) {
  EXPECT_EQ(edit_distance("kitten", "sitting", 3), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting", 2), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting", 0), 1u);
  EXPECT_EQ(edit_distance("shiatzu", "shiatsu", 2), 1u);
  EXPECT_EQ(edit_distance("same", "same", 0), 0u);
  EXPECT_EQ(edit_distance(std::string(900, 'a'), "abc", 2), 3u);  // far apart in length
  EXPECT_EQ(edit_distance("abcdefgh", "stuvwxyz", 2), 3u);        // far apart in letters
  // The largest limit there is: no limit, and no "limit + 1" that wraps around to 0.
  EXPECT_EQ(edit_distance("abc", "", std::numeric_limits<std::size_t>::max()), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting", std::numeric_limits<std::size_t>::max()), 3u);
  // Every pair of short words over a small alphabet, at every limit, against the full table.
  const std::string letters = "ab_";
  std::vector<std::string> words{""};  // shortest first: each word grows the ones after it
  for (std::size_t w = 0; words[w].size() < 4; ++w) {
    for (const char c : letters) words.push_back(words[w] + c);
  }
  for (const auto& a : words) {
    for (const auto& b : words) {
      const std::size_t full = edit_distance(a, b);
      for (std::size_t limit = 0; limit <= 5; ++limit) {
        ASSERT_EQ(edit_distance(a, b, limit), std::min(full, limit + 1))
            << "'" << a << "' to '" << b << "' within " << limit;
      }
    }
  }
}

TEST(ClosestName, SuggestsOnlyACloseNameAndTheClosestOfThem) {
  const std::vector<std::string> techniques{"shiatsu", "kneading", "rolling", "heat", "tapping"};
  EXPECT_EQ(closest_name("shiatzu", techniques), "shiatsu");
  EXPECT_EQ(closest_name("Kneading", techniques), "kneading");  // case is a typo like any other
  EXPECT_EQ(closest_name("rollin", techniques), "rolling");
  EXPECT_EQ(closest_name("reiki", techniques), std::nullopt);
  EXPECT_EQ(closest_name("", techniques), std::nullopt);
  EXPECT_EQ(closest_name("shiatsu", {}), std::nullopt);
  // A short name is not "close" to every other short name.
  EXPECT_EQ(closest_name("hat", {"heat", "arms"}), "heat");
  EXPECT_EQ(closest_name("xy", {"ab", "neck"}), std::nullopt);
  // A name far longer than any candidate is no typo of one (and costs nothing to rule out).
  EXPECT_EQ(closest_name(std::string(900'000, 's'), techniques), std::nullopt);
  EXPECT_EQ(closest_name(std::string(5000, 's'), {std::string(5001, 's')}), std::nullopt);
}

}  // namespace
}  // namespace chaird
