// replay/trace_plot: a replay trace drawn as an SVG a person reads.
#include "replay/trace_plot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "trace_fixtures.hpp"
#include "unit_fixtures.hpp"

namespace chaird::sim {
namespace {

using unit::Contains;
using unit::small_trace;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The texts of every <text class="lane-title" ...>, in document order.
std::vector<std::string> lane_titles(const std::string& svg) {
  std::vector<std::string> titles;
  for (auto at = svg.find("class=\"lane-title\""); at != std::string::npos;
       at = svg.find("class=\"lane-title\"", at + 1)) {
    const auto open = svg.find('>', at) + 1;
    titles.push_back(svg.substr(open, svg.find("</text>", open) - open));
  }
  return titles;
}

// The y coordinates of one actuator's measured polyline.
std::vector<double> measured_ys(const std::string& svg, const std::string& actuator) {
  const auto at = svg.find("class=\"measured\" data-actuator=\"" + actuator + "\"");
  if (at == std::string::npos) return {};
  const auto begin = svg.find("points=\"", at) + 8;
  std::istringstream points(svg.substr(begin, svg.find('"', begin) - begin));
  std::vector<double> ys;
  for (std::string point; points >> point;)
    ys.push_back(std::stod(point.substr(point.find(',') + 1)));
  return ys;
}

// One actuator, a sample every 10 ms for 30 minutes, and a single 10 ms spike to its max.
ReplayTrace long_trace_with_a_spike() {
  ReplayTrace t;
  t.program_id = "long";
  t.chair_id = "c";
  t.actuators = {{"airbag.calf", "pressure", "kPa", "airbags", 0.0, 40.0}};
  t.end_ms = 30 * 60 * 1000;
  for (std::int64_t ms = 0; ms <= t.end_ms; ms += 10) {
    const double v = ms == 777'770 ? 40.0 : 10.0 + static_cast<double>(ms % 70) / 10.0;
    t.samples.push_back({ms, 0, v, v});
  }
  return t;
}

TEST(TracePlot, IsAnSvgDocumentWithBalancedElements) {
  const std::string svg = render_trace_svg(small_trace());
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<svg"), 1u);
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_EQ(count(svg, "<g"), count(svg, "</g>"));
  EXPECT_EQ(count(svg, "<title>"), count(svg, "</title>"));
  EXPECT_EQ(count(svg, "<polyline"), 8u);  // measured and commanded for four actuators
}

TEST(TracePlot, HasALaneTitlePerGroupInTheOrderGroupsFirstAppear) {
  ReplayTrace trace = small_trace();
  trace.actuators.push_back({"roller.width", "position", "mm", "roller", 0.0, 100.0});
  trace.actuators.push_back({"recline.back", "position", "mm", "recline", 0.0, 300.0});
  const std::string svg = render_trace_svg(trace);
  EXPECT_EQ(lane_titles(svg), (std::vector<std::string>{"roller", "airbags", "heat", "recline"}));
  EXPECT_TRUE(Contains(svg, "roller.position (0 to 600 mm)"));
  EXPECT_TRUE(Contains(svg, "heat.back (20 to 45.5 °C)"));
}

TEST(TracePlot, EscapesMarkupInTexts) {
  ReplayTrace trace = small_trace();
  trace.program_id = "a<b&c";
  trace.events.push_back({2000, kEventStepStart, "", "<script>&\"x\""});
  trace.events.push_back({2100, kEventBoardFault, "airbag.calf", "over <limit> & \x01"});
  const std::string svg = render_trace_svg(trace);
  EXPECT_FALSE(Contains(svg, "a<b")) << svg;
  EXPECT_FALSE(Contains(svg, "<script>"));
  EXPECT_FALSE(Contains(svg, "<limit>"));
  EXPECT_FALSE(Contains(svg, "\x01"));
  EXPECT_TRUE(Contains(svg, "a&lt;b&amp;c"));
  EXPECT_TRUE(Contains(svg, "&lt;script&gt;&amp;&quot;x&quot;"));
  EXPECT_TRUE(Contains(svg, "over &lt;limit&gt; &amp;"));
}

TEST(TracePlot, ShadesTheSafeStateOnlyWhenThereIsOne) {
  EXPECT_EQ(count(render_trace_svg(small_trace()), "class=\"safe-state\""), 1u);
  ReplayTrace calm = small_trace();
  std::erase_if(calm.events, [](const TraceEvent& e) { return e.kind == kEventSafeState; });
  EXPECT_EQ(count(render_trace_svg(calm), "class=\"safe-state\""), 0u);
}

TEST(TracePlot, DrawsStepsWithTheirTextAndFaultsAsRedMarkers) {
  const std::string svg = render_trace_svg(small_trace());
  EXPECT_EQ(count(svg, "class=\"step\""), 1u);
  EXPECT_TRUE(Contains(svg, ">neck-knead: knead on neck</text>"));
  EXPECT_EQ(count(svg, "class=\"fault\""), 2u);  // the injected fault and the trip
  EXPECT_TRUE(Contains(svg, "fault_injected airbag.calf: leaking: 3.00 kPa/s"));
  EXPECT_TRUE(Contains(svg, "fill=\"#d62728\""));
  EXPECT_TRUE(Contains(svg, ">0:01.5</text>"));  // a tick on the time axis, every 0.5 s
}

TEST(TracePlot, IsDeterministic) {
  EXPECT_EQ(render_trace_svg(small_trace()), render_trace_svg(small_trace()));
}

TEST(TracePlot, ALongTraceStaysSmallAndKeepsItsSpike) {
  const ReplayTrace trace = long_trace_with_a_spike();
  const std::string svg = render_trace_svg(trace);
  EXPECT_LT(svg.size(), 2'000'000u);
  const auto ys = measured_ys(svg, "airbag.calf");
  ASSERT_FALSE(ys.empty());
  EXPECT_LE(ys.size(), kMaxPlotPoints + 1);

  // The spike reaches as high as it does on a plot of the first 1000 samples alone (not cut).
  ReplayTrace short_trace = trace;
  short_trace.samples.resize(1000);
  const auto exact = measured_ys(render_trace_svg(short_trace), "airbag.calf");
  ReplayTrace spike_only = trace;
  spike_only.samples = {trace.samples.front(), trace.samples[77'777], trace.samples[77'778]};
  const auto spike = measured_ys(render_trace_svg(spike_only), "airbag.calf");
  ASSERT_FALSE(exact.empty() || spike.empty());
  EXPECT_EQ(*std::min_element(ys.begin(), ys.end()), *std::min_element(spike.begin(), spike.end()));
  EXPECT_EQ(*std::max_element(ys.begin(), ys.end()), *std::max_element(exact.begin(), exact.end()));
}

TEST(TracePlot, AnEmptyTraceIsStillADocument) {
  const std::string svg = render_trace_svg(ReplayTrace{});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_TRUE(Contains(svg, "no actuators"));
  EXPECT_EQ(count(svg, "class=\"safe-state\""), 0u);
}

}  // namespace
}  // namespace chaird::sim
