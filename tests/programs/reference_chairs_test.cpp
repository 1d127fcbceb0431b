// Every shipped program on every reference chair in sequences/chairs/ besides the 4D one the
// rest of the library's tests use. A program's required_capabilities are its claim about
// chairs, and the claim must be true both ways: on a chair that has every capability it
// requires, the program plans, passes the governor, plans to its golden timeline for that chair
// (tests/golden/chairs/<chair>/<id>.timeline) and replays on the chair model to the end without
// a trip, leaving air, heat and motors at rest; on a chair that lacks one, it is refused for
// that, up front. scripts/update-golden.sh regenerates the golden timelines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "library/program_checker.hpp"
#include "replay/replay_runner.hpp"
#include "replay/trace_io.hpp"
#include "test_support.hpp"
#include "timeline/timeline_format.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".textproto") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string chairs_dir() {
  return test::source_dir() + "/sequences/chairs";
}
std::string programs_dir() {
  return test::source_dir() + "/sequences/programs";
}

// The chairs besides the reference one, by id.
std::vector<std::string> other_chairs() {
  std::vector<std::string> ids;
  for (const auto& path : files_in(chairs_dir())) {
    const std::string id = fs::path(path).stem().string();
    if (id != "generic_4d_sl") ids.push_back(id);
  }
  return ids;
}

struct ChairSetup {
  std::shared_ptr<const ChairModel> chair;
  std::unique_ptr<SafetyGovernor> governor;
  ProgramCheckContext context;
};

const ChairSetup& setup_for(const std::string& chair_id) {
  static std::map<std::string, std::unique_ptr<ChairSetup>> setups;
  auto& slot = setups[chair_id];
  if (!slot) {
    slot = std::make_unique<ChairSetup>();
    auto chair = ChairModel::load(chairs_dir() + "/" + chair_id + ".textproto");
    if (!chair) throw std::runtime_error(chair.error().to_string());
    slot->chair = *chair;
    slot->governor = std::make_unique<SafetyGovernor>(slot->chair, SessionLimits{});
    slot->context.chair = slot->chair;
    slot->context.catalog = test::shipped_techniques();
    slot->context.governor = slot->governor.get();
    // include_program finds the library's programs whether or not they fit this chair.
    auto programs = std::make_shared<std::map<std::string, ProgramRef>>();
    for (const auto& path : files_in(programs_dir())) {
      if (auto p = read_program_file(path)) programs->emplace((*p)->id(), *p);
    }
    slot->context.resolver = [programs](std::string_view id) -> ProgramRef {
      const auto it = programs->find(std::string(id));
      return it == programs->end() ? nullptr : it->second;
    };
  }
  return *slot;
}

bool claims_fit(const ProgramSource& program, const ChairModel& chair) {
  const Diagnostics d = check_metadata(program, chair);
  for (const auto& item : d.items()) {
    if (item.message.find("lacks required capability") != std::string::npos) return false;
  }
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

using ChairAndProgram = std::tuple<std::string, std::string>;

class OnAReferenceChair : public ::testing::TestWithParam<ChairAndProgram> {};

TEST_P(OnAReferenceChair, RunsWhereItsClaimsHoldAndIsRefusedForThemWhereNot) {
  const auto& [chair_id, program_id] = GetParam();
  const ChairSetup& s = setup_for(chair_id);
  auto program = read_program_file(programs_dir() + "/" + program_id + ".textproto");
  ASSERT_TRUE(program) << program.error().to_string();
  const std::string golden =
      test::source_dir() + "/tests/golden/chairs/" + chair_id + "/" + program_id + ".timeline";
  auto checked = check_program(*program, s.context);

  if (!claims_fit(**program, *s.chair)) {
    ASSERT_FALSE(checked) << program_id << " claims a capability chair '" << chair_id
                          << "' lacks, yet plans on it";
    EXPECT_NE(checked.error().first_error().find("lacks required capability"), std::string::npos)
        << "the first reason is not the claim:\n"
        << checked.error().to_string();
    EXPECT_FALSE(fs::exists(golden)) << golden << " belongs to no program that fits; delete it";
    return;
  }
  ASSERT_TRUE(checked) << program_id << " has every capability it requires on chair '" << chair_id
                       << "', yet is refused; list what it lacks in "
                       << "required_capabilities, or mark the step skip_if_chair_lacks:\n"
                       << checked.error().to_string();

  const std::string actual =
      format_timeline_table(checked->governed->timeline(), *s.chair, test::source_dir());
  if (const char* update = std::getenv("CHAIRD_UPDATE_GOLDEN");
      update != nullptr && *update == '1') {
    fs::create_directories(fs::path(golden).parent_path());
    std::ofstream(golden) << actual;
    GTEST_SKIP() << "wrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run scripts/update-golden.sh";
  EXPECT_TRUE(actual == read_file(golden))
      << program_id << " on " << chair_id << " differs from " << golden
      << "; if the change is deliberate, run scripts/update-golden.sh and review the diff";

  // On the chair model: to the end, no trip, no board fault, everything that rests at rest.
  const auto trace = sim::replay(s.chair, checked->governed, *s.governor, {});
  for (const auto& e : trace.events) {
    EXPECT_NE(e.kind, sim::kEventTrip) << e.chair_ms << " ms: " << e.text;
    EXPECT_NE(e.kind, sim::kEventBoardFault) << e.chair_ms << " ms: " << e.text;
  }
  EXPECT_TRUE(std::any_of(trace.events.begin(), trace.events.end(),
                          [](const sim::TraceEvent& e) { return e.kind == sim::kEventEnd; }))
      << program_id << " did not play to its end on " << chair_id;
  std::vector<double> last = s.chair->home_values();  // an actuator never sampled never moved
  for (const auto& sample : trace.samples)
    last[static_cast<std::size_t>(sample.actuator)] = sample.commanded;
  for (const auto& a : s.chair->actuators()) {
    if (!a.must_rest()) continue;
    EXPECT_DOUBLE_EQ(last[static_cast<std::size_t>(a.index)], a.safe_value)
        << a.id << " is not at rest at the end of " << program_id << " on " << chair_id;
  }
}

std::vector<ChairAndProgram> every_pair() {
  std::vector<ChairAndProgram> out;
  for (const auto& chair : other_chairs()) {
    for (const auto& path : files_in(programs_dir()))
      out.emplace_back(chair, fs::path(path).stem().string());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Library, OnAReferenceChair, ::testing::ValuesIn(every_pair()),
                         [](const ::testing::TestParamInfo<ChairAndProgram>& param) {
                           return std::get<0>(param.param) + "_" + std::get<1>(param.param);
                         });

// A reference chair that no program fits would test nothing, and tell a maker nothing.
TEST(ReferenceChairs, ThereAreThreeBesidesThe4dOneAndEachRunsAQuarterOfTheLibrary) {
  const auto chairs = other_chairs();
  EXPECT_GE(chairs.size(), 3u);
  const auto programs = files_in(programs_dir());
  for (const auto& chair_id : chairs) {
    const ChairSetup& s = setup_for(chair_id);
    std::size_t fits = 0;
    for (const auto& path : programs) {
      auto program = read_program_file(path);
      ASSERT_TRUE(program);
      if (claims_fit(**program, *s.chair)) ++fits;
    }
    EXPECT_GE(fits * 4, programs.size()) << chair_id << " runs " << fits << " programs";
  }
}

TEST(ReferenceChairs, EveryGoldenTimelineBelongsToAChairAndAProgram) {
  const auto chairs = other_chairs();
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(test::source_dir() + "/tests/golden/chairs", ec)) {
    const std::string chair = dir.path().filename().string();
    EXPECT_NE(std::find(chairs.begin(), chairs.end(), chair), chairs.end())
        << dir.path() << " has no chair; delete it";
    for (const auto& file : fs::directory_iterator(dir.path(), ec)) {
      EXPECT_TRUE(fs::exists(programs_dir() + "/" + file.path().stem().string() + ".textproto"))
          << file.path() << " has no program; delete it";
    }
  }
}

}  // namespace
}  // namespace chaird
