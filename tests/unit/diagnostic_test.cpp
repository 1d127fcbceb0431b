// common/diagnostic: a bounded listing of a file's problems keeps its counts true.
#include "common/diagnostic.hpp"

#include <gtest/gtest.h>

namespace chaird {
namespace {

Diagnostics problems(int errors, int warnings) {
  Diagnostics d;
  for (int i = 0; i < errors; ++i) d.error({"p.textproto", i + 1, 3}, "bad step");
  for (int i = 0; i < warnings; ++i) d.warning({"p.textproto", errors + i + 1, 3}, "odd step");
  return d;
}

TEST(Diagnostics, AShortListIsListedWhole) {
  const Diagnostics d = problems(4, 2);
  EXPECT_EQ(d.first_listed(5).items().size(), 6u);  // one more than listed needs no count line
  EXPECT_EQ(d.first_listed(100).to_string(), d.to_string());
}

TEST(Diagnostics, TheRestIsCountedInOneLineAtTheFirstNotListed) {
  const Diagnostics d = problems(250, 30);
  const Diagnostics listed = d.first_listed(100);
  ASSERT_EQ(listed.items().size(), 101u);
  const Diagnostic& rest = listed.items().back();
  EXPECT_EQ(rest.severity, Severity::kError);
  EXPECT_EQ(rest.message,
            "150 more errors and 30 more warnings are not listed: fix the ones above and check "
            "again");
  EXPECT_EQ(rest.where.line, 101);
  EXPECT_EQ(listed.error_count(), 250u);

  // Only warnings left: a warning that counts them.
  const Diagnostics warned = problems(1, 40).first_listed(10);
  ASSERT_EQ(warned.items().size(), 11u);
  EXPECT_EQ(warned.items().back().severity, Severity::kWarning);
  EXPECT_EQ(warned.items().back().message,
            "31 more warnings are not listed: fix the ones above and check again");
  EXPECT_EQ(warned.warning_count(), 40u);
  EXPECT_EQ(warned.error_count(), 1u);
}

// A hundred warnings before the one error that makes a program invalid: the error is listed.
TEST(Diagnostics, ErrorsAreListedBeforeWarnings) {
  Diagnostics d;
  for (int i = 0; i < 150; ++i) d.warning({"p.textproto", i + 1, 3}, "odd step");
  d.error({"p.textproto", 200, 3}, "bad step");
  const Diagnostics listed = d.first_listed(100);
  ASSERT_EQ(listed.items().size(), 101u);
  EXPECT_EQ(listed.items().front().severity, Severity::kError);
  EXPECT_EQ(listed.items().front().where.line, 200);
  EXPECT_EQ(listed.items()[1].where.line, 1);  // then the warnings, in order
  EXPECT_EQ(listed.items().back().message,
            "51 more warnings are not listed: fix the ones above and check again");
  EXPECT_EQ(listed.items().back().where.line, 100);  // the first it leaves out
  EXPECT_EQ(listed.error_count(), 1u);
  EXPECT_EQ(listed.warning_count(), 150u);
}

TEST(Diagnostics, ALineThatAlreadyCountsOthersIsCountedWithThem) {
  Diagnostics d = problems(5, 0);
  d.error({"p.textproto", 9, 1}, "30 more errors from here on are not listed", 30);
  const Diagnostics listed = d.first_listed(3);
  ASSERT_EQ(listed.items().size(), 4u);
  EXPECT_EQ(listed.error_count(), 35u);
  EXPECT_NE(listed.items().back().message.find("32 more errors"), std::string::npos)
      << listed.items().back().message;
}

}  // namespace
}  // namespace chaird
