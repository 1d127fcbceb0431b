// The history's pages: a token a client passes back is checked like any input, and an answer
// stops at its limit or its bytes, with at least one session in it.
#include "api/history_pages.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace chaird::api {
namespace {

std::vector<store::HistoryRow> rows(int n) {
  std::vector<store::HistoryRow> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)].cursor = {10'000 - i, i + 1};
  }
  return out;
}

TEST(HistoryPages, ATokenNamesTheRowItCameFrom) {
  for (const store::HistoryCursor c :
       {store::HistoryCursor{1'764'950'000'000, 1}, store::HistoryCursor{0, 42},
        store::HistoryCursor{-5, std::numeric_limits<std::int64_t>::max()},
        store::HistoryCursor{std::numeric_limits<std::int64_t>::min(), 7}}) {
    const auto back = parse_page_token(page_token(c));
    ASSERT_TRUE(back) << page_token(c);
    EXPECT_EQ(*back, c);
    EXPECT_LE(page_token(c).size(), kMaxPageTokenBytes);
  }
}

TEST(HistoryPages, ATokenChairdDidNotGiveIsRefused) {
  for (const char* token : {"", "h1:", "h1:1", "h1:1:", "h1::1", "h1:1:0", "h1:1:-3", "h1:x:1",
                            "h1:1:1x", "h1: 1:1", "h1:1:1:1", "h2:1:1", "1:1",
                            "h1:99999999999999999999:1", "h1:1:99999999999999999999", "h1:+1:1"}) {
    EXPECT_FALSE(parse_page_token(token)) << token;
  }
  EXPECT_FALSE(parse_page_token("h1:1:" + std::string(100, '1')));
  EXPECT_FALSE(parse_page_token(std::string("h1:1:1\0", 7)));
}

TEST(HistoryPages, APageEndsAtItsLimitAndSaysWhereTheNextStarts) {
  const auto listed = rows(4);  // the limit is 3: one more was fetched, so more follow
  const auto cut = cut_history_page(listed, {10, 10, 10, 10}, 3, 1000);
  EXPECT_EQ(cut.rows, 3u);
  EXPECT_EQ(parse_page_token(cut.next_page_token), listed[2].cursor);
}

TEST(HistoryPages, APageEndsBeforeItsBytesRunOut) {
  const auto listed = rows(5);
  const auto cut = cut_history_page(listed, {40, 40, 40, 40, 40}, 50, 100);
  EXPECT_EQ(cut.rows, 2u);
  EXPECT_EQ(parse_page_token(cut.next_page_token), listed[1].cursor);
}

TEST(HistoryPages, ASessionLargerThanAPageStillGoesOut) {
  const auto listed = rows(2);
  const auto cut = cut_history_page(listed, {500, 500}, 50, 100);
  EXPECT_EQ(cut.rows, 1u) << "paging must move on";
  EXPECT_FALSE(cut.next_page_token.empty());
}

TEST(HistoryPages, TheLastPageHasNoToken) {
  const auto listed = rows(3);
  const auto cut = cut_history_page(listed, {10, 10, 10}, 3, 1000);
  EXPECT_EQ(cut.rows, 3u);
  EXPECT_TRUE(cut.next_page_token.empty());
  EXPECT_EQ(cut_history_page({}, {}, 3, 1000).rows, 0u);
}

}  // namespace
}  // namespace chaird::api
