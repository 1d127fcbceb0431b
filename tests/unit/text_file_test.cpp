// common/text_file: parsing text-format files with located errors, and locating fields after.
#include "common/text_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "chair/v1/program.pb.h"
#include "common/utf8_text.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::column_of;
using unit::Contains;
using unit::HasError;
using unit::line_of;

std::string deep_repeats(int levels) {
  std::string text = "phases { tracks { ";
  for (int i = 0; i < levels; ++i) text += "items { repeat { count: 1 ";
  text += "items { step { name: \"deep\" } }";
  for (int i = 0; i < levels; ++i) text += " } }";
  text += " } }\n";
  return text;
}

TEST(TextFile, SyntaxErrorIsPlacedAtOneBasedLineAndColumnWithWhatWasExpected) {
  const std::string text =
      "metadata {\n"
      "  id: \"x\"\n"
      "  total_duration_ms: abc\n"
      "}\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "prog.textproto", program, nullptr);
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  const Diagnostic& e = d.items().front();
  EXPECT_EQ(e.where.file, "prog.textproto");
  EXPECT_EQ(e.where.line, 3);
  EXPECT_EQ(e.where.column, column_of(text, "abc"));
  EXPECT_EQ(e.message, "'total_duration_ms' takes a whole number, got abc");
  EXPECT_TRUE(Contains(e.to_string(),
                       "prog.textproto:3:" + std::to_string(column_of(text, "abc")) + ": error: "));
}

TEST(TextFile, MissingClosingBraceIsReportedAtTheEndOfTheText) {
  const std::string text = "metadata {\n  id: \"x\"\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "p", program, nullptr);
  ASSERT_TRUE(d.has_errors());
  // The parser only notices at the end of the input: line 3 (after the last newline).
  EXPECT_EQ(d.items().front().where.line, 3) << d.to_string();
  EXPECT_EQ(d.items().front().where.column, 1) << d.to_string();
  EXPECT_TRUE(Contains(d.items().front().message, "Expected")) << d.to_string();
}

TEST(TextFile, MisspeltNamesArePlacedAtTheNameNotAtTheTokenAfterIt) {
  // Protobuf notices an unknown enum value only once it reads the next token, here on the
  // next line; the diagnostic must still point at the value.
  const std::string text =
      "phases {\n"
      "  kind: MIAN\n"
      "  name: \"x\"\n"
      "}\n"
      "metadata { id: \"a\"\n"
      "\tid: \"b\" }\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "p", program, nullptr);
  const Diagnostic* kind = unit::find_error(d, "MIAN");
  ASSERT_NE(kind, nullptr) << d.to_string();
  EXPECT_EQ(kind->where.line, 2) << kind->to_string();
  EXPECT_EQ(kind->where.column, column_of(text, "MIAN")) << kind->to_string();
  // A field given twice is placed at the second one (after a tab: protobuf's 8-column stops).
  const std::string twice = "metadata { id: \"a\"\n\tid: \"b\" }\n";
  const Diagnostics d2 = parse_text(twice, "p", program, nullptr);
  ASSERT_TRUE(d2.has_errors());
  EXPECT_EQ(d2.items().front().where.line, 2) << d2.to_string();
  EXPECT_EQ(d2.items().front().where.column, 9) << d2.to_string();
  // Two members of one oneof: placed at the second.
  const std::string both =
      "phases { tracks { items { step { params { name: \"p\"\n  number: 1\n  integer: 2 } } } } "
      "}\n";
  const Diagnostics d3 = parse_text(both, "p", program, nullptr);
  ASSERT_TRUE(d3.has_errors());
  EXPECT_EQ(d3.items().front().where.line, 3) << d3.to_string();
  EXPECT_EQ(d3.items().front().where.column, 3) << d3.to_string();
}

TEST(TextFile, EveryUnknownFieldIsReportedInOnePassWithASuggestion) {
  const std::string text =
      "metadata { id: \"x\" nmae: \"y\" }\n"
      "phases {\n"
      "  tracks { items { step { technique: \"shiatsu\" durration_ms: 5 } } }\n"
      "}\n"
      "frobnicate_everything: 3\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "p.textproto", program, nullptr);
  EXPECT_EQ(d.error_count(), 3u) << d.to_string();

  const Diagnostic* name = unit::find_error(d, "'nmae'");
  ASSERT_NE(name, nullptr) << d.to_string();
  EXPECT_TRUE(Contains(name->message, "chair.v1.ProgramMetadata"));
  EXPECT_TRUE(Contains(name->message, "did you mean 'name'?"));
  EXPECT_EQ(name->where.line, 1);
  EXPECT_EQ(name->where.column, column_of(text, "nmae")) << name->to_string();

  const Diagnostic* duration = unit::find_error(d, "'durration_ms'");
  ASSERT_NE(duration, nullptr) << d.to_string();
  EXPECT_TRUE(Contains(duration->message, "did you mean 'duration_ms'?"));
  EXPECT_EQ(duration->where.line, 3);
  EXPECT_EQ(duration->where.column, column_of(text, "durration_ms")) << duration->to_string();

  // A name without its unit suffix is suggested the full name.
  const Diagnostics unit_left_out =
      parse_text("phases { tracks { items { step { duration: 5 } } } }", "p", program, nullptr);
  EXPECT_TRUE(HasError(unit_left_out,
                       "unknown field 'duration' in chair.v1.Step; did you mean 'duration_ms'?"));

  // Nothing close: the fields that exist are listed instead.
  const Diagnostic* far = unit::find_error(d, "'frobnicate_everything'");
  ASSERT_NE(far, nullptr) << d.to_string();
  EXPECT_EQ(far->where.line, 5);
  EXPECT_TRUE(Contains(far->message, "expected one of: metadata, phases"));
}

// Suggestions stop comparing a field as soon as it is out of reach (edit_distance's limit); a
// field two edits away in length is still suggested, and a name far from every field gets the
// list.
TEST(TextFile, ASuggestionReachesAcrossTwoLettersOfLengthAndNoFurther) {
  chair::v1::Program program;
  const auto message_of = [&](const std::string& field) {
    const Diagnostics d = parse_text("phases { tracks { items { step { " + field + ": 5 } } } }",
                                     "p", program, nullptr);
    return d.items().empty() ? std::string("(no error)") : d.items().front().message;
  };
  EXPECT_TRUE(Contains(message_of("duraton_m"), "did you mean 'duration_ms'?"))
      << message_of("duraton_m");
  EXPECT_TRUE(Contains(message_of("duration_msss"), "did you mean 'duration_ms'?"))
      << message_of("duration_msss");
  EXPECT_TRUE(Contains(message_of("duration_mssss"), "expected one of:"))
      << message_of("duration_mssss");
  const std::string long_name(900, 'd');  // its message stays under kMaxExplained
  EXPECT_TRUE(Contains(message_of(long_name), "expected one of:"));
}

TEST(TextFile, AValueOfTheWrongKindNamesItsFieldAndTheRightSyntax) {
  chair::v1::Program program;
  const auto error_of = [&](const std::string& text) {
    const Diagnostics d = parse_text(text, "p.textproto", program, nullptr);
    return d.items().empty() ? std::string("(no error)") : d.items().front().message;
  };
  // Protobuf says only 'Expected double, got: "3"'.
  EXPECT_EQ(error_of("phases { tracks { items { step { intensity: \"3\" } } } }"),
            "'intensity' takes a number, got the text \"3\": write it without quotes "
            "(intensity: 3)");
  EXPECT_EQ(error_of("phases { tracks { items { step { duration_ms: \"60000\" } } } }"),
            "'duration_ms' takes a whole number, got the text \"60000\": write it without quotes "
            "(duration_ms: 60000)");
  EXPECT_EQ(error_of("phases { tracks { items { step { duration_ms: 1.5 } } } }"),
            "'duration_ms' takes a whole number, got 1.5");
  EXPECT_EQ(error_of("phases { tracks { items { step { technique: 3 } } } }"),
            "'technique' takes text in double quotes, got 3 (technique: \"3\")");
  // Across lines and after a comment, the name is still found, and the place stays the value's.
  const std::string text =
      "phases { tracks { items { step {\n  tempo_cpm:  # per minute\n"
      "    \"twelve\" } } } }";
  const Diagnostics d = parse_text(text, "p.textproto", program, nullptr);
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_TRUE(Contains(d.items().front().message, "'tempo_cpm' takes a number, got the text"))
      << d.to_string();
  EXPECT_EQ(d.items().front().where.line, 3);
}

TEST(TextFile, AHugeWrongValueOrNameIsExplainedWithoutExhaustingTheStack) {
  // Each of these once went through std::regex, which recurses about once per character.
  chair::v1::Program program;
  const std::string huge(900'000, '7');
  const Diagnostics quoted =
      parse_text("phases { tracks { items { step { intensity: \"" + huge + "\" } } } }", "p",
                 program, nullptr);
  ASSERT_EQ(quoted.items().size(), 1u);
  EXPECT_TRUE(Contains(quoted.items().front().message, "'intensity' takes a number, got the text"));
  const Diagnostics field =
      parse_text("metadata { " + std::string(900'000, 'x') + ": 1 }", "p", program, nullptr);
  EXPECT_TRUE(field.has_errors());
  // A negative number for a field that cannot be negative.
  const Diagnostics negative =
      parse_text("phases { tracks { items { repeat { count: -2 } } } }", "p", program, nullptr);
  ASSERT_EQ(negative.items().size(), 1u);
  EXPECT_EQ(negative.items().front().message,
            "'count' takes a whole number of 0 or more, got a negative one");
  // A quote escaped in a string, and a backslash ending one, do not hide a comment.
  const Diagnostics escaped = parse_text(
      "metadata { name: \"a \\\" b\" summary: \"C:\\\\\" }\n"
      "phases { tracks { items { step { tempo_cpm:  # \"per minute\n \"x\" } } } }",
      "p", program, nullptr);
  ASSERT_EQ(escaped.items().size(), 1u) << escaped.to_string();
  EXPECT_TRUE(Contains(escaped.items().front().message, "'tempo_cpm' takes a number"))
      << escaped.to_string();
}

TEST(TextFile, InvalidUtf8IsRefusedAtItsLineAndColumn) {
  const std::string text =
      "metadata {\n"
      "  id: \"x\"\n"
      "  name: \"Quick \xe6\x80 relief\"\n"
      "}\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "prog.textproto", program, nullptr);
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  const Diagnostic& e = d.items().front();
  EXPECT_EQ(e.where.line, 3);
  EXPECT_EQ(e.where.column, column_of(text, "\xe6"));
  EXPECT_TRUE(Contains(e.message, "not valid UTF-8")) << e.message;
  EXPECT_FALSE(program.has_metadata());
}

TEST(TextFile, AnEscapeThatMakesInvalidUtf8IsRefusedAtTheField) {
  const std::string text =
      "metadata {\n"
      "  id: \"x\"\n"
      "  name: \"Quick \\xff relief\"\n"
      "}\n";
  chair::v1::Program program;
  auto tree = std::make_shared<ParseInfoTree>();
  const Diagnostics d = parse_text(text, "prog.textproto", program, tree.get());
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_EQ(d.items().front().where.line, 3) << d.to_string();
  EXPECT_TRUE(Contains(d.items().front().message, "'name' is not valid UTF-8")) << d.to_string();
  EXPECT_FALSE(program.has_metadata());
}

// Found by tests/fuzz (chair_profile, config, rules, fault scenarios, programs): the parser
// quotes the byte it stopped at, which for a character outside ASCII is the first byte of
// several. Diagnostics go to a kiosk's screen and into the API's string fields, which refuse
// invalid UTF-8: the quote shows U+FFFD instead.
TEST(TextFile, ACharacterOutsideAsciiWhereAValueBelongsIsReportedInValidUtf8) {
  const std::string text =
      "metadata {\n"
      "  id: \"x\"\n"
      "  name: \xc3\xa9t\xc3\xa9\n"
      "}\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "prog\xc3.textproto", program, nullptr);
  ASSERT_TRUE(d.has_errors());
  for (const auto& e : d.items()) {
    EXPECT_EQ(first_invalid_utf8(e.message), std::string::npos) << e.message;
    EXPECT_EQ(first_invalid_utf8(e.where.file), std::string::npos) << e.where.file;
  }
  EXPECT_EQ(first_invalid_utf8(d.to_string()), std::string::npos) << d.to_string();
  EXPECT_TRUE(Contains(d.to_string(), "'name' takes text in double quotes")) << d.to_string();
  EXPECT_EQ(d.items().front().where.line, 3);
}

TEST(TextFile, AFailedParseLeavesTheMessageCleared) {
  chair::v1::Program program;
  program.mutable_metadata()->set_name("left over");
  const std::string text = "metadata { id: \"x\" name: \"y\" }\nphases { kind: NOT_A_KIND }\n";
  const Diagnostics d = parse_text(text, "p", program, nullptr);
  ASSERT_TRUE(d.has_errors());
  EXPECT_EQ(d.items().front().where.line, 2);
  EXPECT_FALSE(program.has_metadata());
  EXPECT_EQ(program.phases_size(), 0);

  // Unknown fields let the parser run to the end, but the result is still discarded.
  chair::v1::Program other;
  const Diagnostics d2 = parse_text("metadata { id: \"x\" } bogus: 1\n", "p", other, nullptr);
  ASSERT_TRUE(d2.has_errors());
  EXPECT_FALSE(other.has_metadata());
}

// A file of thousands of unknown fields (a file of another kind, or a hostile upload to
// ValidateProgram) is reported up to a bound, then counted: placing each error scans the text
// before it, so listing them all took time in the square of the file's size (a 341 KB file took
// 21 s, on the planning thread every start waits for).
TEST(TextFile, ErrorsPastTheBoundAreCountedAtTheFirstNotListed) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "zz" + std::to_string(i) + ": 1\n";
  chair::v1::Program program;
  const Diagnostics d = parse_text(text, "p.textproto", program, nullptr);
  // The first 20 (as clang's -ferror-limit), in order, then one line for the rest.
  ASSERT_EQ(d.items().size(), 21u) << d.items().size();
  for (int i = 0; i < 20; ++i) {
    const Diagnostic& e = d.items()[static_cast<std::size_t>(i)];
    EXPECT_TRUE(Contains(e.message, "unknown field 'zz" + std::to_string(i) + "'")) << e.message;
    EXPECT_EQ(e.where.line, i + 1);
  }
  const Diagnostic& rest = d.items().back();
  EXPECT_EQ(rest.severity, Severity::kError);
  EXPECT_EQ(rest.message,
            "4980 more errors from here on are not listed: fix the ones above and check again");
  EXPECT_EQ(rest.where.file, "p.textproto");
  EXPECT_EQ(rest.where.line, 21);  // where the first unlisted one is, so it sorts after the rest
  EXPECT_EQ(rest.where.column, 1);
  // The count line stands for the errors it counts, so every error is counted once.
  EXPECT_EQ(d.error_count(), 5000u);

  // The bound is the caller's; one over it is one more error.
  TextFileLimits limits;
  limits.max_errors = 2;
  const Diagnostics three = parse_text("a: 1\nb: 2\nc: 3\n", "p", program, nullptr, limits);
  ASSERT_EQ(three.items().size(), 3u) << three.to_string();
  EXPECT_EQ(three.items().back().message,
            "1 more error from here on is not listed: fix the ones above and check again");
  EXPECT_EQ(three.items().back().where.line, 3);
  EXPECT_EQ(three.error_count(), 3u);
  Diagnostics merged;
  merged.error({"q", 1, 1}, "another file's");
  merged.append(d);
  EXPECT_EQ(merged.error_count(), 5001u);
  EXPECT_EQ(parse_text("a: 1\nb: 2\n", "p", program, nullptr, limits).items().size(), 2u);
}

// The syntax error that ended the parse (protobuf stops at it) is listed even past the bound:
// it is what makes the file unreadable, and it was only counted, after 20 unknown fields.
TEST(TextFile, TheSyntaxErrorThatEndsTheParseIsListedPastTheBound) {
  std::string text;
  for (int i = 0; i < 25; ++i) text += "zz" + std::to_string(i) + ": 1\n";
  text += "metadata { id: \"x\" } }\n";  // line 26: one brace too many
  chair::v1::Program program;
  Diagnostics d = parse_text(text, "p.textproto", program, nullptr);
  d.sort();
  ASSERT_EQ(d.items().size(), 22u) << d.to_string();
  const Diagnostic& count = d.items()[20];
  EXPECT_EQ(count.message,
            "5 more errors from here on are not listed: fix the ones above and check again");
  EXPECT_EQ(count.where.line, 21);
  const Diagnostic& syntax = d.items().back();
  EXPECT_EQ(syntax.where.line, 26) << syntax.to_string();
  EXPECT_EQ(syntax.where.column, 22) << syntax.to_string();
  EXPECT_FALSE(Contains(syntax.message, "unknown field")) << syntax.message;
  EXPECT_EQ(d.error_count(), 26u);  // each counted once: 20 listed, 5 counted, the syntax error
}

// A syntax error the tokenizer reports and reads on past (a missing quote) is listed too, and
// the error the parse stopped at after it: found by review, the last report, an unknown field
// after the missing quote, hid it in the count.
TEST(TextFile, TheFirstSyntaxErrorPastTheBoundAndTheLastAreListed) {
  std::string unknown;
  for (int i = 0; i < 25; ++i) unknown += "zz" + std::to_string(i) + ": 1\n";
  chair::v1::Program program;
  const auto listed_at = [](const Diagnostics& d, int line) {
    std::vector<std::string> found;
    for (const auto& e : d.items()) {
      if (e.where.line == line && !Contains(e.message, "not listed")) found.push_back(e.message);
    }
    return found;
  };
  // The quote's line goes on with an unknown field, and the file parses to its end.
  Diagnostics read_on =
      parse_text(unknown + "metadata { name: \"Neck\n  zz99: 1\n}\n", "p", program, nullptr);
  const auto quote = listed_at(read_on, 26);
  ASSERT_EQ(quote.size(), 1u) << read_on.to_string();
  EXPECT_TRUE(Contains(quote[0], "String literals cannot cross line boundaries")) << quote[0];
  EXPECT_TRUE(listed_at(read_on, 27).empty()) << "an unknown field is counted past the bound";
  EXPECT_EQ(read_on.error_count(), 27u) << read_on.to_string();
  // The quote's line ends the file: the parse stops after it, and both are listed.
  Diagnostics stopped = parse_text(unknown + "metadata { name: \"Neck }\n", "p", program, nullptr);
  EXPECT_EQ(listed_at(stopped, 26).size() + listed_at(stopped, 27).size(), 2u)
      << stopped.to_string();
}

TEST(TextFile, AGoodParseFillsTheMessage) {
  chair::v1::Program program;
  const Diagnostics d = parse_text("metadata { id: \"x\" name: \"y\" }\n", "p", program, nullptr);
  EXPECT_TRUE(d.empty()) << d.to_string();
  EXPECT_EQ(program.metadata().id(), "x");
  EXPECT_EQ(program.metadata().name(), "y");
}

TEST(TextFile, OversizeTextIsRefusedWithTheLimit) {
  chair::v1::Program program;
  TextFileLimits limits;
  limits.max_bytes = 16;
  const Diagnostics d =
      parse_text("metadata { id: \"abcdefghij\" }", "p", program, nullptr, limits);
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_TRUE(Contains(d.items().front().message, "the limit is 16"));
  EXPECT_FALSE(program.has_metadata());
}

TEST(TextFile, OversizeFileIsRefusedBeforeItIsRead) {
  const std::string dir = test::make_temp_dir("oversize");
  const std::string path = dir + "/huge.textproto";
  unit::write_file(dir, "huge.textproto", "");
  // 3 GiB, sparse: reading it would take seconds and gigabytes; the size check must come first.
  std::filesystem::resize_file(path, 3ull << 30);
  chair::v1::Program program;
  const Diagnostics d = parse_text_file(path, program, nullptr);
  ASSERT_EQ(d.error_count(), 1u) << d.to_string();
  const Diagnostic& e = d.items().front();
  EXPECT_EQ(e.where.file, path);
  EXPECT_TRUE(Contains(e.message, std::to_string(3ull << 30) + " bytes"));
  EXPECT_TRUE(
      Contains(e.message, "the limit is " + std::to_string(TextFileLimits{}.max_bytes) + " bytes"));
  std::filesystem::remove(path);  // sparse, but no one needs to find a 3 GiB file later

  // At the limit exactly, the file is read.
  TextFileLimits limits;
  const std::string small = unit::write_file(dir, "small.textproto", "metadata { id: \"x\" }\n");
  limits.max_bytes = std::filesystem::file_size(small);
  EXPECT_TRUE(parse_text_file(small, program, nullptr, limits).empty());
  EXPECT_EQ(program.metadata().id(), "x");
  limits.max_bytes -= 1;
  EXPECT_TRUE(HasError(parse_text_file(small, program, nullptr, limits), "the limit is"));
}

TEST(TextFile, MissingFileAndDirectoryAreRefused) {
  const std::string dir = test::make_temp_dir("notfile");
  chair::v1::Program program;
  const Diagnostics missing = parse_text_file(dir + "/absent.textproto", program, nullptr);
  ASSERT_EQ(missing.error_count(), 1u);
  EXPECT_EQ(missing.items().front().where.file, dir + "/absent.textproto");
  EXPECT_EQ(missing.items().front().where.line, 0);
  EXPECT_TRUE(HasError(missing, "no such file"));

  const Diagnostics directory = parse_text_file(dir, program, nullptr);
  ASSERT_EQ(directory.error_count(), 1u);
  EXPECT_TRUE(HasError(directory, "not a regular file"));
}

TEST(TextFile, NestingBeyondTheLimitIsRefusedNotACrash) {
  chair::v1::Program program;
  // Ten thousand levels: without the limit the recursive parser would exhaust the stack.
  const Diagnostics d = parse_text(deep_repeats(10000), "deep.textproto", program, nullptr);
  ASSERT_TRUE(d.has_errors());
  EXPECT_EQ(d.items().front().where.file, "deep.textproto");
  EXPECT_GE(d.items().front().where.line, 1);
  EXPECT_EQ(program.phases_size(), 0);

  // The limit is the one configured: 2 levels per repeat, plus phases, tracks and the step.
  TextFileLimits limits;
  limits.max_nesting = 24;
  EXPECT_TRUE(parse_text(deep_repeats(9), "ok", program, nullptr, limits).empty());
  EXPECT_EQ(program.phases_size(), 1);
  EXPECT_TRUE(parse_text(deep_repeats(12), "too-deep", program, nullptr, limits).has_errors());
  limits.max_nesting = 40;
  EXPECT_TRUE(parse_text(deep_repeats(12), "ok", program, nullptr, limits).empty());
}

TEST(TextFile, LocatorPlacesNestedRepeatedFields) {
  const std::string text =
      "metadata { id: \"loc\" }\n"              // 1
      "phases { name: \"first\" }\n"            // 2
      "phases {\n"                              // 3
      "  tracks { name: \"a\" }\n"              // 4
      "  tracks {\n"                            // 5
      "    items { step { name: \"one\" } }\n"  // 6
      "    items {\n"                           // 7
      "      step { name: \"two\"\n"            // 8
      "             duration_ms: 5000 }\n"      // 9
      "    }\n"                                 // 10
      "  }\n"                                   // 11
      "}\n";                                    // 12
  chair::v1::Program program;
  TextFileSource source{"loc.textproto", std::make_shared<ParseInfoTree>()};
  ASSERT_TRUE(parse_text(text, source.path, program, source.tree.get()).empty());

  const Locator root(source, chair::v1::Program::descriptor());
  EXPECT_EQ(root.self().file, "loc.textproto");
  const Locator phase = root.nested("phases", 1);
  EXPECT_EQ(phase.self().line, 3);
  EXPECT_EQ(phase.self().column, 1);
  const Locator track = phase.nested("tracks", 1);
  EXPECT_EQ(track.self().line, 5);
  EXPECT_EQ(track.self().column, 3);
  const Locator step = track.nested("items", 1).nested("step");
  EXPECT_EQ(step.self().line, 8);
  EXPECT_EQ(step.self().column, 7);
  const SourceLocation duration = step.at("duration_ms");
  EXPECT_EQ(duration.file, "loc.textproto");
  EXPECT_EQ(duration.line, 9);
  EXPECT_EQ(duration.column, column_of(text, "duration_ms"));
  EXPECT_EQ(track.nested("items", 0).nested("step").at("name").line, 6);

  // A field that was not written falls back to its message's own place.
  const SourceLocation absent = step.at("start_ms");
  EXPECT_EQ(absent.line, 8);
  EXPECT_EQ(absent.column, 7);
  // A locator without a tree (an API payload) names the file only.
  const Locator bare(TextFileSource{"upload", nullptr}, chair::v1::Program::descriptor());
  EXPECT_EQ(bare.nested("phases", 1).at("name").file, "upload");
  EXPECT_EQ(bare.nested("phases", 1).at("name").line, 0);
  EXPECT_EQ(line_of(text, "duration_ms"), 9);
}

}  // namespace
}  // namespace chaird
