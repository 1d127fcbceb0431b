#include "technique_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace chairctl {
namespace {

// "2.5", "12", "12.34567": the shortest text that reads back as the same number, without a
// rounding that turns 1..2.5 into 1..2.
std::string number(double v) {
  return fmt::format("{}", v);
}

std::string tempo(const chair::v1::TempoRange& r) {
  // A technique without a rhythm (heat) says 0..0.
  if (r.max_cpm() <= 0.0) return "no tempo: steady";
  return fmt::format("{}..{} cpm, default {}", number(r.min_cpm()), number(r.max_cpm()),
                     number(r.default_cpm()));
}

std::string actuators(const chair::v1::TechniqueDescription& t) {
  std::vector<std::string> needs;
  std::vector<std::string> uses;
  for (const auto& a : t.actuators()) {
    const std::string item = a.purpose().empty() ? a.id() : a.id() + " (" + a.purpose() + ")";
    (a.required() ? needs : uses).push_back(item);
  }
  std::string out;
  if (!needs.empty()) out += fmt::format("needs {}", fmt::join(needs, ", "));
  if (!uses.empty())
    out += fmt::format("{}uses if present {}", out.empty() ? "" : "; ", fmt::join(uses, ", "));
  return out;
}

}  // namespace

std::string technique_text(const chair::v1::TechniqueDescription& t) {
  std::string out =
      fmt::format("{} {}  ({}): {}\n", t.name(), t.version(), tempo(t.tempo()), t.summary());
  if (const std::string a = actuators(t); !a.empty()) out += "    " + a + "\n";
  for (const auto& p : t.params()) {
    std::string range;
    if (p.type() == chair::v1::NUMBER || p.type() == chair::v1::INTEGER) {
      range = fmt::format("{}..{} {} (default {})", number(p.min()), number(p.max()), p.unit(),
                          number(p.default_number()));
    } else if (p.type() == chair::v1::CHOICE) {
      range = fmt::format("{} (default {})", fmt::join(p.choices(), "|"), p.default_choice());
    } else {
      range = fmt::format("true|false (default {})", p.default_flag());
    }
    out += fmt::format("    {:<16} {:<8} {}  {}\n", p.name(), chair::v1::ParamType_Name(p.type()),
                       range, p.summary());
  }
  return out;
}

}  // namespace chairctl
