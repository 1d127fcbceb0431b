// common/utf8_text: text from outside made safe to echo in statuses, responses and logs.
#include "common/utf8_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chaird {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Utf8Text, FindsTheFirstInvalidByte) {
  EXPECT_EQ(first_invalid_utf8("plain"), std::string::npos);
  EXPECT_EQ(first_invalid_utf8("急 ok é 😀"), std::string::npos);
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(first_invalid_utf8("ab\xe6\x80"), 2u);        // cut mid-character
  EXPECT_EQ(first_invalid_utf8("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0u);      // a surrogate
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(first_invalid_utf8("x\xe6\x80\xa5y"), std::string::npos);
}

TEST(Utf8Text, ReplacesInvalidSequences) {
  EXPECT_EQ(valid_utf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(valid_utf8("ok"), "ok");
}

TEST(Utf8Text, CutsOnACodePointBoundary) {
  const std::string hundred = repeat("急", 100);  // 300 bytes
  const std::string cut = cut_utf8(hundred, 200);
  EXPECT_EQ(cut.size(), 198u);  // 66 whole characters, not 200 bytes
  EXPECT_EQ(first_invalid_utf8(cut), std::string::npos);
  EXPECT_EQ(cut_utf8("short", 200), "short");
}

TEST(Utf8Text, OneLineReplacesControlCharactersAndStaysValid) {
  EXPECT_EQ(one_line("stop\n2026-11-30 chaird info: forged", 200),
            "stop 2026-11-30 chaird info: forged");
  EXPECT_EQ(one_line("a\x1b[2Jb\r\tc", 200), "a [2Jb  c");
  EXPECT_EQ(one_line("line\xe2\x80\xa8sep", 200), "line sep");
  const std::string cut = one_line(repeat("急", 100), 200);
  EXPECT_LE(cut.size(), 200u);
  EXPECT_EQ(first_invalid_utf8(cut), std::string::npos);
  EXPECT_EQ(one_line("a\xff", 10), "a\xEF\xBF\xBD");
}

// Text from outside that reorders what is shown after it ("Trojan source"): in a log line or a
// note a kiosk shows, a right-to-left override makes the words that follow read backwards, and
// can make a forged line look like chaird's. The embeddings, overrides and isolates are
// replaced; the marks (U+200E, U+200F), which move nothing around them, are kept.
TEST(Utf8Text, OneLineAndAnExcerptDoNotLetTextReorderWhatFollows) {
  const std::string rlo = "\xE2\x80\xAE";  // U+202E RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(one_line("no room" + rlo + "left", 200), "no room left");
  for (const char* bidi : {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD",
                           "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9"}) {
    EXPECT_EQ(one_line(std::string("a") + bidi + "b", 200), "a b") << excerpt(bidi);
  }
  EXPECT_EQ(excerpt("id" + rlo), "'id\\xe2\\x80\\xae'");
  EXPECT_EQ(one_line("\xE2\x80\x8F\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", 200),
            "\xE2\x80\x8F\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D");  // RLM and Hebrew stay
  EXPECT_EQ(one_line("\xE2\x80\xA6", 200), "\xE2\x80\xA6");   // and an ellipsis beside them
  // The edges: U+202F (a narrow space), U+2065 (unassigned) and U+206A stay.
  for (const char* kept : {"\xE2\x80\xAF", "\xE2\x81\xA5", "\xE2\x81\xAA"})
    EXPECT_EQ(one_line(kept, 200), kept) << excerpt(kept);
}

// A reason a maker writes in a rules or review file is shown to staff and logged: what one_line
// would replace is not one plain line. Found by review: an override and the C1 controls other
// than U+0085 passed.
TEST(Utf8Text, OnePlainLineRefusesWhatOneLineWouldReplace) {
  EXPECT_TRUE(one_plain_line("Not for people with a pacemaker."));
  EXPECT_TRUE(one_plain_line("\xE2\x80\x8F\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"));
  EXPECT_FALSE(
      one_plain_line("a\xE2\x80\xAE"
                     "b"));
  EXPECT_FALSE(
      one_plain_line("a\xE2\x81\xA6"
                     "b"));
  EXPECT_FALSE(
      one_plain_line("a\xC2\x9B"
                     "2J"));
  EXPECT_FALSE(one_plain_line("a\nb"));
  EXPECT_FALSE(
      one_plain_line("a\xE2\x80\xA8"
                     "b"));
  EXPECT_FALSE(one_plain_line("a\xff"));
}

TEST(Utf8Text, AnExcerptIsShortQuotedAndEscaped) {
  EXPECT_EQ(excerpt("quick_relief"), "'quick_relief'");
  EXPECT_EQ(excerpt("a\nb\x01"), "'a\\nb\\x01'");
  const std::string long_id(10000, 'x');
  const std::string e = excerpt(long_id);
  EXPECT_LT(e.size(), 60u);
  EXPECT_EQ(e, "'" + std::string(40, 'x') + "…'");
  EXPECT_EQ(first_invalid_utf8(excerpt(repeat("急", 100))), std::string::npos);
  EXPECT_EQ(excerpt("\xff"), "'\xEF\xBF\xBD'");
}

}  // namespace
}  // namespace chaird
