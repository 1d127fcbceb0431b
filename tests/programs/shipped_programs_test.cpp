// The shipped program library on the reference chair: every program loads, stays within what
// a chair maker promises (5 to 30 minutes, honest metadata), and plans to exactly its golden
// timeline, and replays on the chair model to its golden trace. A change to a program, a
// technique, the planner or the chair model fails here until the golden files are regenerated
// on purpose: scripts/update-golden.sh (docs/programs.md, docs/simulator.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "library/program_library.hpp"
#include "replay/replay_runner.hpp"
#include "replay/trace_compare.hpp"
#include "replay/trace_io.hpp"
#include "test_support.hpp"
#include "timeline/timeline_format.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;

std::string programs_dir() {
  return test::source_dir() + "/sequences/programs";
}
std::string golden_dir() {
  return test::source_dir() + "/tests/golden";
}

std::vector<std::string> shipped_ids() {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(programs_dir(), ec)) {
    if (e.path().extension() == ".textproto") ids.push_back(e.path().stem().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

struct Library {
  std::shared_ptr<const ChairModel> chair = test::reference_chair();
  SafetyGovernor governor{chair, SessionLimits{}};
  ProgramCheckContext context;
  Diagnostics refusals;
  std::shared_ptr<const ProgramLibrary> library;

  Library() {
    context.chair = chair;
    context.catalog = test::shipped_techniques();
    context.governor = &governor;
    library = ProgramLibrary::load({programs_dir()}, context, refusals);
    context.resolver = ProgramLibrary::resolver(library);
  }
  static const Library& get() {
    static const Library instance;
    return instance;
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ShippedLibrary, EveryProgramLoadsOnTheReferenceChair) {
  const auto& lib = Library::get();
  EXPECT_TRUE(lib.refusals.empty()) << lib.refusals.to_string();
  EXPECT_EQ(lib.library->entries().size(), shipped_ids().size());
  EXPECT_GE(lib.library->entries().size(), 15u);
}

TEST(ShippedLibrary, EveryGoldenFileBelongsToAProgram) {
  const auto ids = shipped_ids();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(golden_dir(), ec)) {
    if (!e.is_regular_file()) continue;  // replay/: the golden traces, checked below
    EXPECT_NE(std::find(ids.begin(), ids.end(), e.path().stem().string()), ids.end())
        << e.path() << " has no program; delete it";
  }
}

class ShippedProgram : public ::testing::TestWithParam<std::string> {
 protected:
  const LibraryEntry& entry() {
    const LibraryEntry* e = Library::get().library->find(GetParam());
    if (e == nullptr) throw std::runtime_error("program " + GetParam() + " was refused");
    return *e;
  }
};

TEST_P(ShippedProgram, FileNameIsItsIdAndItsMetadataIsComplete) {
  const auto& m = entry().program->program.metadata();
  EXPECT_EQ(m.id(), GetParam());
  EXPECT_FALSE(m.name().empty());
  EXPECT_FALSE(m.summary().empty());
  EXPECT_NE(m.intensity_class(), chair::v1::INTENSITY_CLASS_UNSPECIFIED);
  EXPECT_FALSE(m.focus_areas().empty());
  EXPECT_FALSE(m.contraindications().empty()) << "every program has someone it is not for";
  EXPECT_FALSE(m.required_capabilities().empty());
  EXPECT_EQ(m.total_duration_ms(), entry().planned_duration_ms);
}

TEST_P(ShippedProgram, LastsFiveToThirtyMinutes) {
  EXPECT_GE(entry().planned_duration_ms, 5 * 60 * 1000);
  EXPECT_LE(entry().planned_duration_ms, 30 * 60 * 1000);
}

TEST_P(ShippedProgram, PlansToItsGoldenTimeline) {
  const auto& lib = Library::get();
  auto checked = check_program(entry().program, lib.context);
  ASSERT_TRUE(checked) << checked.error().to_string();
  const std::string actual =
      format_timeline_table(checked->governed->timeline(), *lib.chair, test::source_dir());
  const std::string path = golden_dir() + "/" + GetParam() + ".timeline";
  if (const char* update = std::getenv("CHAIRD_UPDATE_GOLDEN");
      update != nullptr && *update == '1') {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "wrote " << path;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing; run scripts/update-golden.sh";
  const std::string expected = read_file(path);
  if (actual == expected) return;
  // Point at the first difference; the whole diff is one `git diff` away after regenerating.
  std::istringstream a(actual), e(expected);
  std::string la, le;
  int line = 1;
  while (std::getline(a, la) && std::getline(e, le) && la == le) ++line;
  FAIL() << GetParam() << "'s timeline differs from " << path << " at line " << line
         << ":\n  golden: " << le << "\n  now:    " << la
         << "\nIf the change is deliberate, run scripts/update-golden.sh and review `git diff "
            "tests/golden`.";
}

// The program replayed on the chair model (at 1 kHz, in virtual time) matches its golden trace
// within the bench's tolerances, and replaying it again gives the same bytes.
TEST_P(ShippedProgram, ReplaysToItsGoldenTraceAndTheSameBytesEveryTime) {
  const auto& lib = Library::get();
  auto checked = check_program(entry().program, lib.context);
  ASSERT_TRUE(checked) << checked.error().to_string();
  const auto trace = sim::replay(lib.chair, checked->governed, lib.governor, {});
  std::ostringstream csv;
  sim::write_trace_csv(trace, csv);
  const std::string path = golden_dir() + "/replay/" + GetParam() + ".trace.csv";
  if (const char* update = std::getenv("CHAIRD_UPDATE_GOLDEN");
      update != nullptr && *update == '1') {
    fs::create_directories(golden_dir() + "/replay");
    std::ofstream(path, std::ios::binary) << csv.str();
    GTEST_SKIP() << "wrote " << path;
  }
  std::ostringstream again;
  sim::write_trace_csv(sim::replay(lib.chair, checked->governed, lib.governor, {}), again);
  EXPECT_TRUE(again.str() == csv.str()) << "two replays of " << GetParam() << " differ";

  auto golden = sim::read_trace(path);
  ASSERT_TRUE(golden) << golden.error() << "; run scripts/update-golden.sh";
  const auto difference = sim::compare_traces(trace, *golden, sim::TraceTolerances{});
  EXPECT_FALSE(difference) << GetParam() << " differs from " << path << " first at "
                           << difference->chair_ms << " ms: " << difference->what
                           << "\nIf the change is deliberate, run scripts/update-golden.sh and "
                              "review the plots (chairctl replay).";
}

TEST(ShippedLibrary, EveryGoldenTraceBelongsToAProgram) {
  const auto ids = shipped_ids();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(golden_dir() + "/replay", ec)) {
    const std::string name = e.path().filename().string();
    const std::string id = name.substr(0, name.find('.'));
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << e.path() << ": delete it";
  }
}

INSTANTIATE_TEST_SUITE_P(Library, ShippedProgram, ::testing::ValuesIn(shipped_ids()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace chaird
