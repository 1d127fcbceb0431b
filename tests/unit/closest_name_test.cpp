// common/closest_name: the name a maker probably meant, for "did you mean" in diagnostics.
#include "common/closest_name.hpp"

#include <gtest/gtest.h>

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
