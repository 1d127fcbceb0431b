#include "replay/trace_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string_view>
#include <vector>

#include "common/utf8_text.hpp"

namespace chaird::sim {
namespace {

// The page, in SVG pixels. The lanes start low enough for the rotated step labels above them.
constexpr double kWidthPx = 1600;
constexpr double kPlotLeftPx = 70;
constexpr double kPlotRightPx = 1280;
constexpr double kLegendLeftPx = 1300;
constexpr double kLanesTopPx = 220;
constexpr double kLaneMinHeightPx = 140;
constexpr double kLegendRowPx = 16;
constexpr double kLaneGapPx = 34;  // room for the next lane's title
constexpr double kAxisHeightPx = 60;
constexpr double kStepLabelAngleDeg = -45;
constexpr double kMinLabelGapPx = 17;        // rotated labels closer than this would overlap
constexpr std::size_t kStepLabelBytes = 32;  // the whole text is in the tooltip
constexpr std::size_t kFaultLabelBytes = 60;
constexpr int kFaultLabelRows = 4;  // faults close together stagger over this many rows
// Values a little past the range show as past it, without spilling into the next lane.
constexpr double kOvershoot = 0.05;
// Up to this many samples a series is drawn exactly (two points per sample: hold, then step);
// beyond it, kBuckets buckets of at most four points each (entry, min, max, exit).
constexpr std::size_t kExactSamples = kMaxPlotPoints / 2 - 1;
constexpr std::size_t kBuckets = kMaxPlotPoints / 4 - 5;
constexpr const char* kRed = "#d62728";
// Distinct from one another and from the fault red; a lane with more actuators reuses them.
constexpr std::array<const char*, 8> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                                 "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};

struct Lane {
  std::string group;
  std::vector<std::size_t> actuators;  // indices into ReplayTrace::actuators
  double top_px = 0;
  double height_px = 0;
  double bottom_px() const { return top_px + height_px; }
};

struct Layout {
  std::vector<Lane> lanes;
  std::vector<std::size_t> lane_of;  // per actuator
  std::int64_t last_ms = 1;          // the right end of the time axis
  double span_ms = 1;
  double lanes_bottom_px = kLanesTopPx;
  double height_px = 0;

  double x(std::int64_t chair_ms) const {
    const double t = std::clamp(static_cast<double>(chair_ms), 0.0, span_ms);
    return kPlotLeftPx + t / span_ms * (kPlotRightPx - kPlotLeftPx);
  }
};

struct Point {
  std::int64_t chair_ms;
  double value;
};

Layout make_layout(const ReplayTrace& trace) {
  Layout layout;
  for (std::size_t i = 0; i < trace.actuators.size(); ++i) {
    const std::string& group = trace.actuators[i].group;
    const auto found = std::find_if(layout.lanes.begin(), layout.lanes.end(),
                                    [&](const Lane& lane) { return lane.group == group; });
    const auto lane = static_cast<std::size_t>(found - layout.lanes.begin());
    if (lane == layout.lanes.size()) layout.lanes.push_back({group, {}, 0, 0});
    layout.lanes[lane].actuators.push_back(i);
    layout.lane_of.push_back(lane);
  }
  double top = kLanesTopPx;
  for (Lane& lane : layout.lanes) {
    lane.top_px = top;
    lane.height_px = std::max(kLaneMinHeightPx, kLegendRowPx * lane.actuators.size() + 12);
    top = lane.bottom_px() + kLaneGapPx;
    layout.lanes_bottom_px = lane.bottom_px();
  }
  layout.last_ms = std::max<std::int64_t>(trace.end_ms, 1);
  for (const auto& s : trace.samples) layout.last_ms = std::max(layout.last_ms, s.chair_ms);
  for (const auto& e : trace.events) layout.last_ms = std::max(layout.last_ms, e.chair_ms);
  layout.span_ms = static_cast<double>(layout.last_ms);
  layout.height_px = layout.lanes_bottom_px + kAxisHeightPx;
  return layout;
}

// Text as XML character data or an attribute value: valid UTF-8, markup escaped, and control
// characters (which XML 1.0 forbids) as spaces.
std::string xml(std::string_view text) {
  std::string out;
  for (const char c : valid_utf8(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

std::string shortened(std::string_view text, std::size_t max_bytes) {
  std::string cut = cut_utf8(text, max_bytes);
  if (cut.size() < text.size()) cut += "…";
  return cut;
}

std::string clock_text(std::int64_t chair_ms, bool tenths) {
  const std::int64_t t = std::max<std::int64_t>(chair_ms, 0);
  if (!tenths) return fmt::format("{}:{:02}", t / 60000, t / 1000 % 60);
  return fmt::format("{}:{:02}.{}", t / 60000, t / 1000 % 60, t / 100 % 10);
}

double lane_y(const Lane& lane, const TraceActuator& a, double value) {
  const double lo = std::isfinite(a.min) ? a.min : 0.0;
  const double range = std::isfinite(a.max - lo) && a.max > lo ? a.max - lo : 1.0;
  const double norm = std::clamp((value - lo) / range, -kOvershoot, 1.0 + kOvershoot);
  return lane.bottom_px() - norm * lane.height_px;
}

// One actuator's commanded or measured values as a sample-and-hold line up to end_ms; long
// series keep, per time bucket, the value held on entry, the extremes and the value on exit.
std::vector<Point> series_points(const std::vector<const TraceSample*>& samples, bool measured,
                                 const Layout& layout) {
  std::vector<Point> values;
  for (const TraceSample* s : samples) {
    const double v = measured ? s->measured : s->commanded;
    if (std::isfinite(v)) values.push_back({s->chair_ms, v});
  }
  std::vector<Point> points;
  auto add = [&](Point p) {
    if (points.empty() || points.back().chair_ms != p.chair_ms || points.back().value != p.value)
      points.push_back(p);
  };
  for (std::size_t i = 0; i < values.size();) {
    std::size_t end = i + 1;
    if (values.size() > kExactSamples) {
      const auto bucket = [&](std::int64_t t) {
        const double b = static_cast<double>(t) / layout.span_ms * kBuckets;
        return std::min(static_cast<std::size_t>(std::max(b, 0.0)), kBuckets - 1);
      };
      while (end < values.size() && bucket(values[end].chair_ms) == bucket(values[i].chair_ms))
        ++end;
    }
    if (i > 0) add({values[i].chair_ms, values[i - 1].value});  // held until this bucket
    const auto [lo, hi] = std::minmax_element(values.begin() + i, values.begin() + end,
                                              [](Point a, Point b) { return a.value < b.value; });
    add(lo < hi ? *lo : *hi);
    add(lo < hi ? *hi : *lo);
    add(values[end - 1]);
    i = end;
  }
  if (!values.empty()) add({layout.last_ms, values.back().value});
  return points;
}

class SvgWriter {
 public:
  SvgWriter(const ReplayTrace& trace, const Layout& layout) : trace_(trace), layout_(layout) {}

  std::string render() {
    put(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{:.0f}" height="{:.0f}" )"
        R"(viewBox="0 0 {:.0f} {:.0f}" font-family="sans-serif" font-size="11">)"
        "\n",
        kWidthPx, layout_.height_px, kWidthPx, layout_.height_px);
    put(R"(<rect width="100%" height="100%" fill="#ffffff"/>)"
        "\n");
    header();
    const auto ticks = tick_times();
    for (const Lane& lane : layout_.lanes) lane_frame(lane, ticks);
    safe_state();
    steps();
    for (std::size_t i = 0; i < trace_.actuators.size(); ++i) actuator(i);
    faults();
    time_axis(ticks);
    put("</svg>\n");
    return std::move(svg_);
  }

 private:
  template <typename... Args>
  void put(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(svg_), format, std::forward<Args>(args)...);
  }

  void header() {
    put(R"(<text x="{}" y="24" font-size="16" font-weight="bold">{} on {}</text>)"
        "\n",
        kPlotLeftPx, xml(trace_.program_id), xml(trace_.chair_id));
    put(R"(<text x="{}" y="42" fill="#555555">chair time 0:00 to {}</text>)"
        "\n",
        kPlotLeftPx, clock_text(layout_.last_ms, false));
    // The key for the two line styles, once for every lane.
    put(R"(<g stroke="#333333"><line x1="{0}" y1="20" x2="{1}" y2="20" stroke-width="1.6"/>)"
        R"(<line x1="{0}" y1="38" x2="{1}" y2="38" stroke-dasharray="5 3"/></g>)"
        R"(<text x="{2}" y="24">measured</text><text x="{2}" y="42">commanded</text>)"
        "\n",
        kLegendLeftPx, kLegendLeftPx + 22, kLegendLeftPx + 28);
    if (trace_.actuators.empty()) {
      put(R"(<text x="{}" y="{}" fill="#555555">no actuators in this trace</text>)"
          "\n",
          kPlotLeftPx, kLanesTopPx + 20);
    }
  }

  // About ten ticks at a round number of seconds or minutes.
  std::vector<std::int64_t> tick_times() const {
    static constexpr std::array<std::int64_t, 16> kSteps = {
        100,   200,   500,    1000,   2000,   5000,   10000,   15000,
        30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000};
    constexpr double kMaxTicks = 12;
    std::int64_t step = kSteps.back();
    for (const std::int64_t s : kSteps) {
      if (layout_.span_ms / static_cast<double>(s) <= kMaxTicks) {
        step = s;
        break;
      }
    }
    while (layout_.span_ms / static_cast<double>(step) > kMaxTicks) step *= 2;
    std::vector<std::int64_t> ticks;
    for (std::int64_t t = 0;; t += step) {
      ticks.push_back(t);
      if (t > layout_.last_ms - step) break;  // not t + step: a hostile end_ms is near INT64_MAX
    }
    return ticks;
  }

  void lane_frame(const Lane& lane, const std::vector<std::int64_t>& ticks) {
    const std::string title = lane.group.empty() ? "(no group)" : xml(lane.group);
    put(R"(<text class="lane-title" x="{}" y="{:.1f}" font-size="13" font-weight="bold">{}</text>)"
        "\n",
        kPlotLeftPx, lane.top_px - 8, title);
    put(R"(<rect x="{}" y="{:.1f}" width="{}" height="{:.1f}" fill="#fafafa" stroke="#cccccc"/>)"
        "\n",
        kPlotLeftPx, lane.top_px, kPlotRightPx - kPlotLeftPx, lane.height_px);
    put(R"(<g stroke="#eeeeee">)");
    for (const std::int64_t t : ticks) {
      const double x = layout_.x(t);
      put(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}"/>)", x, lane.top_px,
          lane.bottom_px());
    }
    put(R"(<line x1="{0}" y1="{2:.1f}" x2="{1}" y2="{2:.1f}"/></g>)"
        "\n",
        kPlotLeftPx, kPlotRightPx, lane.top_px + lane.height_px / 2);
    put(R"(<text x="{0}" y="{1:.1f}" text-anchor="end" fill="#777777">max</text>)"
        R"(<text x="{0}" y="{2:.1f}" text-anchor="end" fill="#777777">min</text>)"
        "\n",
        kPlotLeftPx - 4, lane.top_px + 10, lane.bottom_px());
    for (std::size_t row = 0; row < lane.actuators.size(); ++row) {
      const TraceActuator& a = trace_.actuators[lane.actuators[row]];
      const double y = lane.top_px + 14 + kLegendRowPx * static_cast<double>(row);
      put(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="{}" stroke-width="2"/>)"
          R"(<text x="{}" y="{:.1f}">{} ({:g} to {:g}{}{})</text>)"
          "\n",
          kLegendLeftPx, y - 4, kLegendLeftPx + 22, y - 4, kPalette[row % kPalette.size()],
          kLegendLeftPx + 28, y, xml(a.id), a.min, a.max, a.unit.empty() ? "" : " ", xml(a.unit));
    }
  }

  void safe_state() {
    const auto found = std::find_if(trace_.events.begin(), trace_.events.end(),
                                    [](const TraceEvent& e) { return e.kind == kEventSafeState; });
    if (found == trace_.events.end() || layout_.lanes.empty()) return;
    const double x = layout_.x(found->chair_ms);
    put(R"(<g class="safe-state"><title>{}</title>)", xml(found->text));
    put(R"(<rect x="{:.1f}" y="{}" width="{:.1f}" height="{:.1f}" fill="#808080" )"
        R"(fill-opacity="0.25"/>)",
        x, kLanesTopPx, std::max(kPlotRightPx - x, 1.0), layout_.lanes_bottom_px - kLanesTopPx);
    put(R"(<text x="{:.1f}" y="{:.1f}" fill="#444444">safe state</text></g>)"
        "\n",
        x + 4, layout_.lanes_bottom_px - 6);
  }

  // Thin lines across every lane; labels rotated above the lanes, and nudged right (with a
  // leader) when the previous label is too close to leave room.
  void steps() {
    double last_label_x = -std::numeric_limits<double>::infinity();
    const double top = kLanesTopPx - 20;  // above the first lane's title
    for (const TraceEvent& e : trace_.events) {
      if (e.kind != kEventStepStart) continue;
      const double x = layout_.x(e.chair_ms);
      const double label_x = std::max(x, last_label_x + kMinLabelGapPx);
      last_label_x = label_x;
      put(R"(<g class="step"><title>{}</title>)", xml(e.text));
      put(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#999999" )"
          R"(stroke-width="0.75"/>)",
          x, top, layout_.lanes_bottom_px);
      if (label_x != x) {
        put(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#999999" )"
            R"(stroke-width="0.75"/>)",
            x, top, label_x, top - 6);
      }
      put(R"svg(<text transform="translate({:.1f} {:.1f}) rotate({})" fill="#333333">{}</text></g>)svg"
          "\n",
          label_x, top - 8, kStepLabelAngleDeg, xml(shortened(e.text, kStepLabelBytes)));
    }
  }

  void actuator(std::size_t index) {
    std::vector<const TraceSample*> samples;
    for (const TraceSample& s : trace_.samples) {
      if (s.actuator >= 0 && static_cast<std::size_t>(s.actuator) == index) samples.push_back(&s);
    }
    std::stable_sort(
        samples.begin(), samples.end(),
        [](const TraceSample* a, const TraceSample* b) { return a->chair_ms < b->chair_ms; });
    const Lane& lane = layout_.lanes[layout_.lane_of[index]];
    const auto row = static_cast<std::size_t>(
        std::find(lane.actuators.begin(), lane.actuators.end(), index) - lane.actuators.begin());
    const char* colour = kPalette[row % kPalette.size()];
    polyline(lane, index, series_points(samples, false, layout_), "commanded", colour,
             R"(stroke-width="1" stroke-dasharray="5 3" stroke-opacity="0.8")");
    polyline(lane, index, series_points(samples, true, layout_), "measured", colour,
             R"(stroke-width="1.6")");
  }

  void polyline(const Lane& lane, std::size_t index, const std::vector<Point>& points,
                std::string_view which, const char* colour, std::string_view style) {
    if (points.empty()) return;
    const TraceActuator& a = trace_.actuators[index];
    put(R"(<polyline class="{}" data-actuator="{}" fill="none" stroke="{}" {} points=")", which,
        xml(a.id), colour, style);
    for (std::size_t i = 0; i < points.size(); ++i) {
      put("{}{:.1f},{:.1f}", i == 0 ? "" : " ", layout_.x(points[i].chair_ms),
          lane_y(lane, a, points[i].value));
    }
    put("\"/>\n");
  }

  // Red markers: a triangle for an injected fault (hollow when it ends), a diamond for a board
  // fault, a square for a trip; in the lane of their actuator, or across all lanes.
  void faults() {
    std::vector<int> rows(layout_.lanes.size() + 1, 0);  // the last counts the all-lanes markers
    for (const TraceEvent& e : trace_.events) {
      const std::string_view kind = e.kind;
      const bool ended = kind == kEventFaultEnded;
      if (!ended && kind != kEventFaultInjected && kind != kEventBoardFault && kind != kEventTrip)
        continue;
      std::size_t lane_index = layout_.lanes.size();
      for (std::size_t i = 0; i < trace_.actuators.size(); ++i) {
        if (!e.actuator.empty() && trace_.actuators[i].id == e.actuator)
          lane_index = layout_.lane_of[i];
      }
      const bool one_lane = lane_index < layout_.lanes.size();
      const double top = one_lane ? layout_.lanes[lane_index].top_px : kLanesTopPx;
      const double bottom = one_lane ? layout_.lanes[lane_index].bottom_px()
                                     : std::max(layout_.lanes_bottom_px, kLanesTopPx + 40);
      const double x = layout_.x(e.chair_ms);
      const std::string label =
          fmt::format("{}{}{}", e.kind, e.actuator.empty() ? "" : " ", e.actuator) +
          (e.text.empty() ? "" : ": " + e.text);
      put(R"(<g class="fault"><title>{}</title>)", xml(label));
      if (!ended) {
        put(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="{3}" )"
            R"(stroke-width="1.2" stroke-opacity="0.8"/>)",
            x, top, bottom, kRed);
      }
      marker(kind, x, top);
      if (!ended) {
        const int row = rows[lane_index]++ % kFaultLabelRows;
        // Right of the marker, or left of it in the plot's right half so as not to run into the
        // legend.
        const bool left = x > (kPlotLeftPx + kPlotRightPx) / 2;
        put(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="{}" fill="{}" stroke="#ffffff" )"
            R"(stroke-width="3" paint-order="stroke">{}</text>)",
            left ? x - 8 : x + 8, top + 20 + 12.0 * row, left ? "end" : "start", kRed,
            xml(shortened(label, kFaultLabelBytes)));
      }
      put("</g>\n");
    }
  }

  void marker(std::string_view kind, double x, double top) {
    if (kind == kEventBoardFault) {
      put(R"(<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}"/>)",
          x, top, x + 5, top + 6, x, top + 12, x - 5, top + 6, kRed);
    } else if (kind == kEventTrip) {
      put(R"(<rect x="{:.1f}" y="{:.1f}" width="10" height="10" fill="{}"/>)", x - 5, top + 1,
          kRed);
    } else {
      const bool ended = kind == kEventFaultEnded;
      put(R"(<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}" stroke="{}"/>)",
          x - 5, top, x + 5, top, x, top + 9, ended ? "#ffffff" : kRed, kRed);
    }
  }

  void time_axis(const std::vector<std::int64_t>& ticks) {
    const double y = layout_.lanes_bottom_px + 6;
    put(R"(<g class="time-axis" stroke="#333333"><line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>)",
        kPlotLeftPx, y, kPlotRightPx, y);
    const bool tenths =
        std::any_of(ticks.begin(), ticks.end(), [](std::int64_t t) { return t % 1000 != 0; });
    for (const std::int64_t t : ticks) {
      put(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}"/>)", layout_.x(t), y, y + 5);
    }
    put("</g>\n");
    for (const std::int64_t t : ticks) {
      put(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", layout_.x(t), y + 18,
          clock_text(t, tenths));
    }
    put(R"(<text x="{}" y="{:.1f}" text-anchor="end" fill="#555555">chair time (m:ss)</text>)"
        "\n",
        kPlotRightPx, y + 38);
  }

  const ReplayTrace& trace_;
  const Layout& layout_;
  std::string svg_;
};

}  // namespace

std::string render_trace_svg(const ReplayTrace& trace) {
  const Layout layout = make_layout(trace);
  return SvgWriter(trace, layout).render();
}

}  // namespace chaird::sim
