#include "test_support.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace chaird::test {

std::string source_dir() {
  return CHAIRD_SOURCE_DIR;
}
std::string plugin_dir() {
  return CHAIRD_PLUGIN_DIR;
}
std::string fixture_dir() {
  return CHAIRD_FIXTURE_DIR;
}
std::string chaird_binary() {
  return CHAIRD_BINARY;
}
std::string chairctl_binary() {
  return CHAIRCTL_BINARY;
}
std::string reference_chair_path() {
  return source_dir() + "/sequences/chairs/generic_4d_sl.textproto";
}

std::string short_heat_chair_path() {
  std::ifstream in(reference_chair_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string profile = text.str();
  const std::string from = "heat_max_on_ms: 1800000";
  const auto at = profile.find(from);
  EXPECT_NE(at, std::string::npos) << "the reference chair's heat limit has changed";
  if (at != std::string::npos) profile.replace(at, from.size(), "heat_max_on_ms: 200000");
  const std::string path = make_temp_dir("chair") + "/short_heat.textproto";
  std::ofstream(path) << profile;
  return path;
}

std::shared_ptr<const ChairModel> reference_chair() {
  auto chair = ChairModel::load(reference_chair_path());
  if (!chair) ADD_FAILURE() << chair.error().to_string();
  return chair ? *chair : nullptr;
}

std::shared_ptr<const TechniqueCatalog> shipped_techniques() {
  static std::mutex mutex;
  static std::shared_ptr<const TechniqueCatalog> catalog;
  std::lock_guard lock(mutex);
  if (!catalog) {
    Diagnostics refusals;
    catalog =
        std::make_shared<const TechniqueCatalog>(TechniqueCatalog::load({plugin_dir()}, refusals));
    if (!refusals.empty()) ADD_FAILURE() << refusals.to_string();
  }
  return catalog;
}

Expected<PlannedProgram, Diagnostics> plan_text(const std::string& text, const PlanOptions& options,
                                                const ProgramResolver& resolver,
                                                std::shared_ptr<const ChairModel> chair,
                                                std::shared_ptr<const TechniqueCatalog> catalog) {
  auto program = parse_program_text(text, "test.textproto");
  if (!program) return Unexpected{program.error()};
  if (!chair) chair = reference_chair();
  if (!catalog) catalog = shipped_techniques();
  auto plan = Planner().plan(*program, resolver, chair, catalog, options);
  if (!plan) return Unexpected{plan.error()};
  SafetyGovernor governor(chair, {});
  auto governed = governor.review((*plan)->timeline);
  if (!governed) return Unexpected{governed.error()};
  return PlannedProgram{*plan, *governed};
}

std::string single_step_program(const std::string& technique, const std::string& zone,
                                std::int64_t duration_ms, const std::string& extra) {
  return "metadata { id: \"t\" name: \"test\" }\n"
         "phases { kind: MAIN tracks { kind: BACK_ROLLERS items { step {\n"
         "  name: \"s\" technique: \"" +
         technique + "\" zone: \"" + zone +
         "\"\n"
         "  duration_ms: " +
         std::to_string(duration_ms) + "\n" + extra + "\n} } } }\n";
}

double value_at(const Timeline& tl, const ChairModel& chair, const std::string& actuator,
                std::int64_t t_ms) {
  const auto index = chair.find(actuator);
  if (!index) {
    ADD_FAILURE() << "no actuator " << actuator;
    return 0.0;
  }
  return tl.targets_at(t_ms)[static_cast<std::size_t>(*index)];
}

namespace {

// Removes the test binary's temporary directories when its tests are done (kept when a test
// failed, so that its daemon log and trace can be read).
class TempDirs : public ::testing::Environment {
 public:
  static TempDirs& instance() {
    static TempDirs* dirs = [] {
      auto* d = new TempDirs();
      ::testing::AddGlobalTestEnvironment(d);  // gtest owns it from here
      return d;
    }();
    return *dirs;
  }
  void add(const std::string& dir) {
    std::lock_guard lock(mutex_);
    dirs_.push_back(dir);
  }
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->failed_test_count() > 0) return;
    std::lock_guard lock(mutex_);
    for (const auto& d : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> dirs_;
};

// Registered before main runs the tests, as gtest asks of environments.
const bool kTempDirsRegistered = (TempDirs::instance(), true);

}  // namespace

std::string make_temp_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  const auto base =
      std::filesystem::path(::testing::TempDir()) /
      ("chaird-" + std::to_string(::getpid()) + "-" + name + "-" + std::to_string(counter++));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  ::chmod(base.c_str(), 0700);
  TempDirs::instance().add(base.string());
  return base.string();
}

}  // namespace chaird::test
