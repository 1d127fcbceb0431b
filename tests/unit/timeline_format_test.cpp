// timeline/timeline_format: the table and the JSON of a timeline, deterministic and readable.
#include "timeline/timeline_format.hpp"

#include <gtest/gtest.h>

#include <string>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;
using unit::idx;

Timeline demo() {
  Timeline tl;
  tl.program_id = "demo";
  tl.duration_ms = 61500;
  tl.initial_values = unit::chair()->home_values();
  TimelineStep s;
  s.name = "press \"deep\"";
  s.technique = "shiatsu";
  s.zone = "lumbar";
  s.phase = "main";
  s.track = "rollers";
  s.where = {"/src/programs/demo.textproto", 12, 7};
  s.start_ms = 0;
  s.end_ms = 60000;
  s.transition_ms = 1500;
  s.intensity = 0.5;
  s.tempo_cpm = 12.0;
  tl.steps.push_back(s);
  tl.commands.push_back({0, 1500, idx("roller.position"), 0, 552.24, CommandSource::kTransition});
  tl.commands.push_back({1500, 2500, idx("roller.depth"), 0, 6.5, CommandSource::kTechnique});
  tl.commands.push_back({60000, 61500, idx("roller.depth"), -1, 0.0, CommandSource::kSafety});
  return tl;
}

TEST(TimelineFormat, JsonIsExactAndEscapesText) {
  const std::string json = format_timeline_json(demo(), *unit::chair(), "/src");
  EXPECT_EQ(json,
            "{\"program_id\":\"demo\",\"duration_ms\":61500,\"steps\":[{\"index\":1,\"name\":"
            "\"press \\\"deep\\\"\","
            "\"technique\":\"shiatsu\",\"zone\":\"lumbar\",\"phase\":\"main\",\"track\":"
            "\"rollers\",\"start_ms\":0,"
            "\"end_ms\":60000,\"transition_ms\":1500,\"intensity\":0.500,\"tempo_cpm\":12.000,"
            "\"source\":\"programs/demo.textproto:12:7\"}],\"commands\":["
            "{\"start_ms\":0,\"reach_ms\":1500,\"actuator\":\"roller.position\",\"value\":552.240,"
            "\"source\":\"transition\",\"step\":1},"
            "{\"start_ms\":1500,\"reach_ms\":2500,\"actuator\":\"roller.depth\",\"value\":6.500,"
            "\"source\":\"technique\",\"step\":1},"
            "{\"start_ms\":60000,\"reach_ms\":61500,\"actuator\":\"roller.depth\",\"value\":0.000,"
            "\"source\":\"safety\",\"step\":0}]}\n");
  // Without a root the full path stays; control characters are escaped.
  Timeline odd = demo();
  odd.steps[0].name = "tab\there\nnewline\x01";
  const std::string full = format_timeline_json(odd, *unit::chair());
  EXPECT_TRUE(Contains(full, "\"source\":\"/src/programs/demo.textproto:12:7\""));
  EXPECT_TRUE(Contains(full, "\"name\":\"tab\\there\\nnewline\\u0001\""));
}

TEST(TimelineFormat, TableNamesStepsActuatorsAndSources) {
  const std::string table = format_timeline_table(demo(), *unit::chair(), "/src");
  EXPECT_TRUE(Contains(table, "program demo  duration 1:01.500 (61500 ms)  steps 1  commands 3\n"));
  EXPECT_TRUE(Contains(table, "programs/demo.textproto:12:7"));
  EXPECT_FALSE(Contains(table, "/src/programs"));
  EXPECT_TRUE(
      Contains(table,
               "   1    0:00.000    1:00.000    1500ms  shiatsu          lumbar      0.50   12.0  "
               "press \"deep\"                     programs/demo.textproto:12:7\n"));
  EXPECT_TRUE(
      Contains(table, "         0       1500  roller.position       552.240  transition 1\n"));
  EXPECT_TRUE(
      Contains(table, "      1500       2500  roller.depth            6.500  technique  1\n"));
  EXPECT_TRUE(
      Contains(table, "     60000      61500  roller.depth            0.000  safety     -\n"));
}

TEST(TimelineFormat, APlannedTimelinePrintsTheSameEveryTime) {
  auto planned = test::plan_text(unit::program_text(
      {unit::step_item("a", "shoulders", 15000) + unit::step_item("b", "lumbar", 15000)}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto c = unit::chair();
  const Timeline& tl = planned->governed->timeline();
  const std::string table = format_timeline_table(tl, *c);
  EXPECT_EQ(table, format_timeline_table(tl, *c));
  EXPECT_EQ(format_timeline_json(tl, *c), format_timeline_json(tl, *c));
  for (const char* word : {"roller.position", "roller.depth", "roller.width", "transition",
                           "technique", "shiatsu", "shoulders", "lumbar", "test.textproto:"}) {
    EXPECT_TRUE(Contains(table, word)) << word;
  }
  // One line per command and per step, after the two headers.
  const auto lines = static_cast<std::size_t>(std::count(table.begin(), table.end(), '\n'));
  EXPECT_EQ(lines, 2 + 1 + tl.steps.size() + 1 + 1 + tl.commands.size());
}

}  // namespace
}  // namespace chaird
