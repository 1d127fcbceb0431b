// The plugin host against real shared libraries: what it loads, what it refuses and why, and
// how it contains a technique that misbehaves at plan time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <link.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "library/program_checker.hpp"
#include "plugin_host/plugin_library.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "test_support.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A private directory holding copies of the named fixture libraries, mode 0755 each.
std::string plugin_dir_with(const std::vector<std::string>& fixtures, const std::string& name) {
  const std::string dir = test::make_temp_dir(name);
  ::chmod(dir.c_str(), 0755);
  for (const auto& f : fixtures) {
    const fs::path to = fs::path(dir) / (f + ".so");
    fs::copy_file(fs::path(test::fixture_dir()) / (f + ".so"), to);
    ::chmod(to.c_str(), 0755);
  }
  return dir;
}

std::string load_error(const std::string& path) {
  auto loaded = load_technique(path);
  EXPECT_FALSE(loaded) << path << " should have been refused";
  return loaded ? std::string() : loaded.error();
}

bool is_mapped(const std::string& path) {
  struct Search {
    std::string path;
    bool found = false;
  } search{fs::canonical(path).string()};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        if (info->dlpi_name != nullptr && s->path == info->dlpi_name) s->found = true;
        return 0;
      },
      &search);
  return search.found;
}

TEST(PluginHost, LoadsAShippedTechniqueAndReadsItsDescription) {
  auto loaded = load_technique(test::plugin_dir() + "/shiatsu.so");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->name, "shiatsu");
  EXPECT_EQ(loaded->abi_version, sdk::kAbiVersion);
  EXPECT_EQ(loaded->description.name, "shiatsu");
  EXPECT_FALSE(loaded->description.params.empty());
}

TEST(PluginHost, RefusesALibraryWithAnUndefinedSymbolWithTheLoadersText) {
  const std::string dir = plugin_dir_with({"broken"}, "broken");
  const std::string error = load_error(dir + "/broken.so");
  EXPECT_THAT(error, HasSubstr(dir + "/broken.so"));
  EXPECT_THAT(error, HasSubstr("undefined symbol"));
  EXPECT_THAT(error, HasSubstr("chaird_fixture_symbol_that_does_not_exist"));
}

TEST(PluginHost, RefusesAWrongAbiVersionBeforeImportingTheFactory) {
  const std::string dir = plugin_dir_with({"wrong_abi"}, "abi");
  const std::string error = load_error(dir + "/wrong_abi.so");
  EXPECT_THAT(error, HasSubstr("ABI 999"));
  EXPECT_THAT(error, HasSubstr("ABI " + std::to_string(sdk::kAbiVersion)));
}

TEST(PluginHost, RefusesAPluginBuiltAgainstAnotherVersionOfTheSdkHeader) {
  const std::string dir = plugin_dir_with({"stale_layout"}, "layout");
  EXPECT_THAT(load_error(dir + "/stale_layout.so"),
              HasSubstr("built against a different plugin_sdk.hpp"));
}

TEST(PluginHost, RefusesLibrariesWithoutARecordOrAFactory) {
  const std::string dir = plugin_dir_with({"no_record", "no_factory"}, "incomplete");
  EXPECT_THAT(load_error(dir + "/no_record.so"), HasSubstr("chaird_plugin_info"));
  EXPECT_THAT(load_error(dir + "/no_factory.so"), HasSubstr("chaird_create_technique"));
}

TEST(PluginHost, RefusesAPluginWhoseDescribeThrows) {
  const std::string dir = plugin_dir_with({"describe_throws"}, "describe");
  EXPECT_THAT(load_error(dir + "/describe_throws.so"), HasSubstr("cannot find my own description"));
}

TEST(PluginHost, RefusesAFileThatIsNotALibrary) {
  const std::string dir = test::make_temp_dir("garbage");
  const std::string path = dir + "/garbage.so";
  std::ofstream(path) << "not an ELF file";
  ::chmod(path.c_str(), 0644);
  EXPECT_THAT(load_error(path), HasSubstr("not a loadable shared library"));
}

TEST(PluginHost, RefusesAGroupOrWorldWritableFileNamingPathAndMode) {
  const std::string dir = plugin_dir_with({"twin_a"}, "loose-file");
  const std::string path = dir + "/twin_a.so";
  ::chmod(path.c_str(), 0775);
  std::string error = load_error(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("mode 0775"));
  ::chmod(path.c_str(), 0757);
  error = load_error(path);
  EXPECT_THAT(error, HasSubstr("writable by others"));
  EXPECT_THAT(error, HasSubstr("mode 0757"));
}

TEST(PluginHost, RefusesAGroupWritableDirectory) {
  const std::string dir = plugin_dir_with({"twin_a"}, "loose-dir");
  ::chmod(dir.c_str(), 0775);
  Diagnostics refusals;
  const auto catalog = TechniqueCatalog::load({dir}, refusals);
  EXPECT_TRUE(catalog.all().empty());
  EXPECT_THAT(refusals.to_string(), HasSubstr(dir));
  EXPECT_THAT(refusals.to_string(), HasSubstr("mode 0775"));
}

TEST(PluginHost, RefusesBothPluginsThatShareANameAndNamesBothPaths) {
  const std::string dir = plugin_dir_with({"twin_a", "twin_b", "side_effect"}, "twins");
  Diagnostics refusals;
  const auto catalog = TechniqueCatalog::load({dir}, refusals);
  EXPECT_EQ(catalog.find("twin"), nullptr);
  EXPECT_NE(catalog.find("side_effect"), nullptr);  // the others still load
  ASSERT_EQ(refusals.error_count(), 2u);
  for (const auto& d : refusals.items()) {
    EXPECT_THAT(d.message, HasSubstr(dir + "/twin_a.so"));
    EXPECT_THAT(d.message, HasSubstr(dir + "/twin_b.so"));
  }
}

// A plugin directory listed twice (or once more through a link) is read once: before, every
// plugin in it met itself as a second plugin of its name, and every technique was refused.
TEST(PluginHost, ADirectoryListedTwiceIsReadOnce) {
  const std::string dir = plugin_dir_with({"side_effect"}, "listed-twice");
  const std::string link = test::make_temp_dir("link") + "/plugins";
  fs::create_directory_symlink(dir, link);
  Diagnostics refusals;
  const auto catalog = TechniqueCatalog::load({dir, link}, refusals);
  EXPECT_NE(catalog.find("side_effect"), nullptr) << refusals.to_string();
  EXPECT_EQ(refusals.error_count(), 0u) << refusals.to_string();
  ASSERT_EQ(refusals.items().size(), 1u) << refusals.to_string();
  EXPECT_EQ(refusals.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(refusals.items()[0].where.file, link);
  EXPECT_THAT(refusals.items()[0].message, HasSubstr("is the same directory as " + dir));
}

TEST(PluginHost, AProgramThatNeedsARefusedPluginIsToldWhyItWasRefused) {
  // wrong_abi.so would be the technique 'wrong_abi'; twin_a and twin_b both call themselves
  // 'twin'. A program using either is refused where it names them, with the plugin's reason.
  const std::string dir = plugin_dir_with({"wrong_abi", "twin_a", "twin_b", "side_effect"}, "why");
  Diagnostics refusals;
  auto catalog = std::make_shared<const TechniqueCatalog>(TechniqueCatalog::load({dir}, refusals));
  ASSERT_EQ(refusals.error_count(), 3u) << refusals.to_string();
  ASSERT_NE(catalog->refused_for("wrong_abi"), nullptr);
  EXPECT_EQ(catalog->refused_for("side_effect"), nullptr);  // loaded, not refused
  EXPECT_EQ(catalog->refused_for("reiki"), nullptr);        // no such plugin at all
  {
    // A library named lib<technique>.so is that technique's, and liberty.so is liberty's.
    const std::string named = plugin_dir_with({}, "named");
    for (const char* file : {"liberty.so", "libpalm.so"}) {
      fs::copy_file(fs::path(test::fixture_dir()) / "wrong_abi.so", fs::path(named) / file);
      ::chmod((fs::path(named) / file).c_str(), 0755);
    }
    Diagnostics named_refusals;
    const auto named_catalog = TechniqueCatalog::load({named}, named_refusals);
    EXPECT_NE(named_catalog.refused_for("liberty"), nullptr);
    EXPECT_NE(named_catalog.refused_for("palm"), nullptr);
  }

  auto chair = test::reference_chair();
  SafetyGovernor governor(chair, SessionLimits{});
  ProgramCheckContext context;
  context.chair = chair;
  context.catalog = catalog;
  context.governor = &governor;
  const auto errors_for = [&](const std::string& technique) {
    auto program = parse_program_text(test::single_step_program(technique, "lumbar", 10000, ""),
                                      "p.textproto");
    EXPECT_TRUE(program);
    auto checked = check_program(*program, context);
    return checked ? std::string() : checked.error().to_string();
  };
  const std::string abi = errors_for("wrong_abi");
  EXPECT_THAT(abi, HasSubstr("unknown technique 'wrong_abi'"));
  EXPECT_THAT(abi, HasSubstr("its plugin " + dir + "/wrong_abi.so was refused: "));
  // The loader's own words, without the path said twice.
  EXPECT_THAT(abi, HasSubstr("was refused: " +
                             load_error(dir + "/wrong_abi.so")
                                 .substr(dir.size() + std::string("/wrong_abi.so: ").size())));
  const std::string twin = errors_for("twin");
  EXPECT_THAT(twin, HasSubstr("its plugin " + dir +
                              "/twin_a.so was refused: two plugins are "
                              "named 'twin'"));
  EXPECT_THAT(errors_for("reiki"), Not(HasSubstr("was refused")));
}

TEST(PluginHost, DiscoveryListsAliasesWithoutRunningAnyOfTheLibrarysCode) {
  const std::string dir = plugin_dir_with({"side_effect"}, "discover");
  const std::string marker = dir + "/loaded";
  ::setenv("CHAIRD_FIXTURE_MARKER", marker.c_str(), 1);
  auto found = discover_plugin(dir + "/side_effect.so");
  ASSERT_TRUE(found) << found.error();
  EXPECT_TRUE(found->has_record);
  EXPECT_NE(std::find(found->aliases.begin(), found->aliases.end(), sdk::kFactoryAlias),
            found->aliases.end());
  EXPECT_FALSE(fs::exists(marker)) << "discovery ran the library's code";
  EXPECT_FALSE(is_mapped(dir + "/side_effect.so"));
  // Loading it does run its code.
  auto loaded = load_technique(dir + "/side_effect.so");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_TRUE(fs::exists(marker));
  ::unsetenv("CHAIRD_FIXTURE_MARKER");
}

TEST(PluginHost, KeepsTheLibraryLoadedWhileAnObjectItMadeLives) {
  const std::string dir = plugin_dir_with({"misbehaving"}, "lifetime");
  const std::string path = dir + "/misbehaving.so";
  std::shared_ptr<const sdk::Technique> survivor;
  {
    auto loaded = load_technique(path);
    ASSERT_TRUE(loaded) << loaded.error();
    survivor = loaded->technique;
  }
  EXPECT_TRUE(is_mapped(path));
  EXPECT_EQ(survivor->describe().name, "misbehaving");  // its code is still there
  survivor.reset();
  EXPECT_FALSE(is_mapped(path)) << "the library outlived every object it made";
}

// --- plan-time containment ---

class Misbehaving : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = plugin_dir_with({"misbehaving"}, "misbehaving");
    Diagnostics refusals;
    catalog_ = std::make_shared<const TechniqueCatalog>(TechniqueCatalog::load({dir_}, refusals));
    ASSERT_TRUE(refusals.empty()) << refusals.to_string();
    chair_ = test::reference_chair();
    governor_ = std::make_unique<SafetyGovernor>(chair_, SessionLimits{});
    context_.chair = chair_;
    context_.catalog = catalog_;
    context_.governor = governor_.get();
    context_.plugin_budget = std::chrono::milliseconds(100);
  }

  // The diagnostics of planning one step in the given mode (empty when it plans).
  std::string plan(const std::string& mode, const std::string& zone = "lumbar",
                   std::int64_t slow_ms = 500) {
    auto program =
        parse_program_text(test::single_step_program("misbehaving", zone, 10000,
                                                     "params { name: \"mode\" choice: \"" + mode +
                                                         "\" } params { name: \"slow_ms\" "
                                                         "integer: " +
                                                         std::to_string(slow_ms) + " }"),
                           "misbehaving.textproto");
    EXPECT_TRUE(program);
    auto checked = check_program(*program, context_);
    return checked ? std::string() : checked.error().to_string();
  }

  std::string dir_;
  std::shared_ptr<const TechniqueCatalog> catalog_;
  std::shared_ptr<const ChairModel> chair_;
  std::unique_ptr<SafetyGovernor> governor_;
  ProgramCheckContext context_;
};

TEST_F(Misbehaving, AWellBehavedStepPlans) {
  EXPECT_EQ(plan("ok"), "");
}

TEST_F(Misbehaving, AnExceptionFailsThePlanNamingPluginAndStep) {
  const std::string d = plan("throw");
  EXPECT_THAT(d, HasSubstr("technique 'misbehaving' (step 's') failed: the rollers are shy today"));
  EXPECT_THAT(d, HasSubstr("misbehaving.textproto:"));
  EXPECT_THAT(plan("throw_int"), HasSubstr("non-standard exception"));
}

TEST_F(Misbehaving, NaNOutOfRangeUndeclaredAndLateSetpointsFailThePlan) {
  EXPECT_THAT(plan("nan"), HasSubstr("returned nan for roller.depth"));
  EXPECT_THAT(plan("out_of_range"), HasSubstr("outside its range"));
  EXPECT_THAT(plan("undeclared"), HasSubstr("drove airbag.neck, which it did not declare"));
  EXPECT_THAT(plan("after_end"), HasSubstr("outside the step's"));
  EXPECT_THAT(plan("outside_zone"), HasSubstr("outside zone 'lumbar'"));
  EXPECT_THAT(plan("never_rests"), HasSubstr("left airbag.waist at 10 kPa at the end of the step"));
}

TEST_F(Misbehaving, ProblemsPastTheFirstThreeOfAStepAreCountedNotListed) {
  auto program = parse_program_text(
      test::single_step_program("misbehaving", "lumbar", 10000,
                                "params { name: \"mode\" choice: \"ten_out_of_range\" }"),
      "misbehaving.textproto");
  ASSERT_TRUE(program);
  const auto checked = check_program(*program, context_);
  ASSERT_FALSE(checked);
  const std::string text = checked.error().to_string();
  EXPECT_THAT(text, HasSubstr("7 more problems like these"));
  EXPECT_EQ(checked.error().items().size(), 4u) << text;
  EXPECT_EQ(checked.error().error_count(), 10u) << text;
}

TEST_F(Misbehaving, ASlowPluginOverrunsItsBudget) {
  const std::string d = plan("slow");
  EXPECT_THAT(d, HasSubstr("technique 'misbehaving' (step 's')"));
  EXPECT_THAT(d, HasSubstr("the budget per step is 100 ms"));
}

TEST_F(Misbehaving, AHungPluginIsAbandonedAndThePlanFails) {
  const auto started = std::chrono::steady_clock::now();
  const std::string d = plan("hang");
  EXPECT_THAT(d, HasSubstr("is still running after"));
  EXPECT_THAT(d, HasSubstr("technique 'misbehaving' (step 's')"));
  // Abandoned after its budget, not after the plugin's ten minutes.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  // The host carries on, but not with this technique: a thread may still be stuck in it, and
  // retrying would strand another.
  EXPECT_TRUE(catalog_->find("misbehaving")->hung->load());
  EXPECT_THAT(plan("ok"), HasSubstr("is disabled: a call into it hung earlier"));
}

}  // namespace
}  // namespace chaird
