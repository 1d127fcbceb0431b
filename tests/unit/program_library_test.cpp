// library/program_library: a directory of programs on disk: the good ones are offered, each bad
// one is refused with its reasons at file:line:col, and refusals spread to what includes them.
#include "library/program_library.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;
using unit::ErrorAt;
using unit::HasError;
using unit::line_of;
using unit::step_item;

std::string program(const std::string& id, const std::string& steps,
                    const std::string& extra_phases = "") {
  return "metadata { id: \"" + id + "\" name: \"" + id + "\" }\n" + extra_phases +
         "phases { tracks {\n" + steps + "} }\n";
}

std::string includer(const std::string& id, const std::string& included) {
  return "metadata { id: \"" + id + "\" name: \"" + id +
         "\" }\n"
         "phases { tracks {\n" +
         step_item("warm", "shoulders", 15000) +
         "} }\n"
         "phases { include_program: \"" +
         included + "\" }\n";
}

class ProgramLibraryTest : public ::testing::Test {
 protected:
  ProgramCheckContext context() const {
    ProgramCheckContext c;
    c.chair = chair_;
    c.catalog = test::shipped_techniques();
    c.governor = &governor_;
    c.plugin_budget = std::chrono::milliseconds(10000);
    return c;
  }
  std::string add(const std::string& name, const std::string& text) {
    texts_[name] = text;
    return unit::write_file(dir_, name, text);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // Every diagnostic located in one file.
  std::vector<Diagnostic> in_file(const Diagnostics& d, const std::string& name) const {
    std::vector<Diagnostic> out;
    for (const auto& item : d.items()) {
      if (item.where.file == path(name)) out.push_back(item);
    }
    return out;
  }

  std::shared_ptr<const ChairModel> chair_ = unit::chair();
  SafetyGovernor governor_{chair_, {}};
  std::string dir_ = test::make_temp_dir("library");
  std::map<std::string, std::string> texts_;
};

TEST_F(ProgramLibraryTest, LoadsTheGoodAndRefusesEachBadOneWithItsPlace) {
  add("good.textproto", program("good", step_item("a", "lumbar", 20000)));
  add("also_good.textproto", includer("also_good", "good"));
  add("syntax.textproto",
      "metadata { id: \"syntax\" name: \"s\" }\nphases { tracks { items { step {\n"
      "  duration_ms: twenty } } } }\n");
  add("bad_technique.textproto", program("bad_tech", step_item("a", "lumbar", 20000, "", "reiki")));
  add("bad_tempo.textproto",
      program("bad_tempo", step_item("a", "lumbar", 20000, "tempo_cpm: 90")));
  add("notes.txt", "not a program");  // other files are ignored
  Diagnostics refusals;
  const auto library = ProgramLibrary::load({dir_}, context(), refusals);
  ASSERT_NE(library, nullptr);

  ASSERT_EQ(library->entries().size(), 2u) << refusals.to_string();
  EXPECT_EQ(library->entries()[0].program->id(), "also_good");  // by id
  EXPECT_EQ(library->entries()[1].program->id(), "good");
  const LibraryEntry* good = library->find("good");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->program->source.path, path("good.textproto"));
  EXPECT_EQ(good->step_count, 1u);
  EXPECT_GE(good->planned_duration_ms, 20000);
  EXPECT_EQ(library->find("also_good")->step_count, 2u);
  EXPECT_EQ(library->find("bad_tech"), nullptr);
  EXPECT_EQ(library->find("syntax"), nullptr);
  EXPECT_EQ(library->find("goo"), nullptr);

  EXPECT_TRUE(ErrorAt(refusals, "takes a whole number, got twenty", path("syntax.textproto"), 3,
                      unit::column_of(texts_["syntax.textproto"], "twenty")));
  const std::string& tech = texts_["bad_technique.textproto"];
  EXPECT_TRUE(ErrorAt(refusals, "unknown technique 'reiki'", path("bad_technique.textproto"),
                      line_of(tech, "technique: \"reiki\""),
                      unit::column_of(tech, "technique: \"reiki\"")));
  EXPECT_TRUE(ErrorAt(refusals, "tempo 90 cpm", path("bad_tempo.textproto"),
                      line_of(texts_["bad_tempo.textproto"], "tempo_cpm")));
  for (const auto& d : refusals.items()) {
    EXPECT_EQ(d.severity, Severity::kError);
    EXPECT_GT(d.where.line, 0) << d.to_string();
    EXPECT_GT(d.where.column, 0) << d.to_string();
  }
  EXPECT_TRUE(in_file(refusals, "notes.txt").empty());

  // The resolver finds library programs for includes, and keeps the library alive.
  const ProgramResolver resolve = ProgramLibrary::resolver(library);
  ASSERT_NE(resolve("good"), nullptr);
  EXPECT_EQ(resolve("good")->id(), "good");
  EXPECT_EQ(resolve("bad_tech"), nullptr);
}

TEST_F(ProgramLibraryTest, TwoProgramsWithOneIdAreBothRefused) {
  add("twin_a.textproto", program("twin", step_item("a", "lumbar", 20000)));
  add("twin_b.textproto", program("twin", step_item("b", "neck", 20000)));
  add("single.textproto", program("single", step_item("c", "lumbar", 20000)));
  Diagnostics refusals;
  const auto library = ProgramLibrary::load({dir_}, context(), refusals);
  ASSERT_EQ(library->entries().size(), 1u);
  EXPECT_EQ(library->entries()[0].program->id(), "single");
  EXPECT_EQ(library->find("twin"), nullptr);
  ASSERT_EQ(refusals.error_count(), 2u) << refusals.to_string();
  for (const char* name : {"twin_a.textproto", "twin_b.textproto"}) {
    const auto mine = in_file(refusals, name);
    ASSERT_EQ(mine.size(), 1u) << name;
    EXPECT_EQ(mine[0].where.line, 1);
    EXPECT_EQ(mine[0].where.column, unit::column_of(texts_[name], "id:"));
    EXPECT_TRUE(Contains(mine[0].message, "two programs have the id 'twin'"));
    EXPECT_TRUE(Contains(mine[0].message, path("twin_a.textproto")));
    EXPECT_TRUE(Contains(mine[0].message, path("twin_b.textproto")));
  }
}

// Found by review: each of n programs sharing an id was refused naming all n files, n² of text
// in the log (60 files: 60 refusals of 60 paths each).
TEST_F(ProgramLibraryTest, ManyProgramsWithOneIdAreEachRefusedNamingAFew) {
  for (int i = 0; i < 60; ++i)
    add(fmt::format("twin_{:02}.textproto", i), program("twin", step_item("a", "lumbar", 20000)));
  Diagnostics refusals;
  const auto library = ProgramLibrary::load({dir_}, context(), refusals);
  EXPECT_EQ(library->find("twin"), nullptr);
  ASSERT_EQ(refusals.error_count(), 60u) << refusals.to_string();
  for (const auto& d : refusals.items()) {
    EXPECT_TRUE(Contains(d.message, "60 programs have the id 'twin': ")) << d.message;
    EXPECT_TRUE(Contains(d.message, path("twin_00.textproto"))) << d.message;
    EXPECT_TRUE(Contains(d.message, " and 57 more")) << d.message;
    EXPECT_LT(d.message.size(), 600u);
  }
}

// A directory listed twice in the configuration (or once more as "dir/." or through a link) is
// read once: before, every program in it met itself as a second program with its id, and the
// whole library was refused over a typo.
TEST_F(ProgramLibraryTest, ADirectoryListedTwiceIsReadOnce) {
  add("single.textproto", program("single", step_item("c", "lumbar", 20000)));
  Diagnostics refusals;
  const auto library = ProgramLibrary::load({dir_, dir_ + "/."}, context(), refusals);
  ASSERT_EQ(library->entries().size(), 1u) << refusals.to_string();
  EXPECT_EQ(refusals.error_count(), 0u) << refusals.to_string();
  ASSERT_EQ(refusals.items().size(), 1u) << refusals.to_string();
  EXPECT_EQ(refusals.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(refusals.items()[0].where.file, dir_ + "/.");
  EXPECT_TRUE(Contains(refusals.items()[0].message, "is the same directory as " + dir_))
      << refusals.to_string();
}

TEST_F(ProgramLibraryTest, AProgramIncludingARefusedProgramIsRefusedToo) {
  add("bad.textproto", program("bad", step_item("a", "lumbar", 20000, "", "reiki")));
  add("includer.textproto", includer("includer", "bad"));
  add("chain.textproto", includer("chain", "includer"));
  add("twin_a.textproto", program("twin", step_item("a", "lumbar", 20000)));
  add("twin_b.textproto", program("twin", step_item("a", "lumbar", 20000)));
  add("of_twin.textproto", includer("of_twin", "twin"));
  add("fine.textproto", includer("fine", "base"));
  add("base.textproto", program("base", step_item("a", "lumbar", 20000)));
  Diagnostics refusals;
  const auto library = ProgramLibrary::load({dir_}, context(), refusals);
  ASSERT_EQ(library->entries().size(), 2u) << refusals.to_string();
  EXPECT_NE(library->find("fine"), nullptr);
  EXPECT_NE(library->find("base"), nullptr);

  // Each refused file is named in the refusals, at the place that explains it.
  for (const char* name :
       {"bad.textproto", "includer.textproto", "chain.textproto", "of_twin.textproto"}) {
    const auto mine = in_file(refusals, name);
    ASSERT_FALSE(mine.empty()) << name << " is refused without a word about it:\n"
                               << refusals.to_string();
    EXPECT_GT(mine[0].where.line, 0);
  }
  for (const char* name : {"includer.textproto", "chain.textproto", "of_twin.textproto"}) {
    const auto mine = in_file(refusals, name);
    ASSERT_FALSE(mine.empty());
    EXPECT_EQ(mine[0].where.line, line_of(texts_[name], "include_program")) << mine[0].to_string();
  }
  EXPECT_TRUE(ErrorAt(refusals,
                      "program 'includer' refused: a program it includes has problems (" +
                          path("bad.textproto") + ")",
                      path("includer.textproto"),
                      line_of(texts_["includer.textproto"], "include_program")));
  // The bad step is reported once, not once per program that includes it.
  EXPECT_EQ(std::count_if(
                refusals.items().begin(), refusals.items().end(),
                [](const Diagnostic& d) { return d.message.find("'reiki'") != std::string::npos; }),
            1)
      << refusals.to_string();
  EXPECT_TRUE(ErrorAt(refusals, "no program 'twin' in the library", path("of_twin.textproto"),
                      line_of(texts_["of_twin.textproto"], "include_program")));
}

TEST_F(ProgramLibraryTest, AMissingDirectoryIsReported) {
  add("good.textproto", program("good", step_item("a", "lumbar", 20000)));
  Diagnostics refusals;
  const std::string missing = dir_ + "/nope";
  const auto library = ProgramLibrary::load({missing, dir_}, context(), refusals);
  EXPECT_EQ(library->entries().size(), 1u);
  EXPECT_TRUE(ErrorAt(refusals, "program directory does not exist", missing, 0));
}

}  // namespace
}  // namespace chaird

namespace chaird {
namespace {

TEST_F(ProgramLibraryTest, CustomProgramsJoinTheShippedOnesButNeverTakeAShippedId) {
  add("shipped.textproto", program("shipped", unit::step_item("a", "lumbar", 20000)));
  const std::vector<CustomProgramText> custom = {
      {"mine", includer("mine", "shipped"), 42},
      // An update shipped a program with this id after it was saved: the shipped one wins.
      {"shipped", program("shipped", unit::step_item("b", "neck", 20000)), 7},
      {"broken", "metadata { id: \"broken\" name: \"b\" }\nphases { oops }\n", 9},
  };
  Diagnostics refusals;
  const auto library = ProgramLibrary::load({dir_}, context(), refusals, custom);
  ASSERT_EQ(library->entries().size(), 2u) << refusals.to_string();
  const LibraryEntry* mine = library->find("mine");
  ASSERT_NE(mine, nullptr);
  EXPECT_TRUE(mine->custom);
  EXPECT_EQ(mine->saved_at_unix_ms, 42);
  EXPECT_EQ(mine->program->source.path, custom_program_path("mine"));
  const LibraryEntry* shipped = library->find("shipped");
  ASSERT_NE(shipped, nullptr);
  EXPECT_FALSE(shipped->custom);
  EXPECT_EQ(shipped->program->source.path, path("shipped.textproto"));
  EXPECT_TRUE(unit::HasError(refusals, "a shipped program"));
  EXPECT_TRUE(unit::HasError(refusals, "unknown field 'oops'"));
  EXPECT_TRUE(std::any_of(refusals.items().begin(), refusals.items().end(), [](const auto& d) {
    return d.where.file == "custom/broken.textproto" && d.where.line == 2;
  }));

  // Snapshots: with() adds or replaces, without() removes, including() finds the includers;
  // the snapshot a reader holds does not change.
  auto entry = *mine;
  entry.saved_at_unix_ms = 43;
  const auto replaced = library->with(entry);
  EXPECT_EQ(replaced->find("mine")->saved_at_unix_ms, 43);
  EXPECT_EQ(library->find("mine")->saved_at_unix_ms, 42);
  const auto includers = replaced->including("shipped");
  ASSERT_EQ(includers.size(), 1u);
  EXPECT_EQ(includers[0]->program->id(), "mine");
  const auto removed = replaced->without("mine");
  EXPECT_EQ(removed->find("mine"), nullptr);
  EXPECT_EQ(removed->entries().size(), 1u);
  EXPECT_NE(replaced->find("mine"), nullptr);
}

}  // namespace
}  // namespace chaird
