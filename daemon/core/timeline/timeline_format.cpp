#include "timeline/timeline_format.hpp"

#include <fmt/format.h>

namespace chaird {
namespace {

const char* source_name(CommandSource s) {
  switch (s) {
    case CommandSource::kTechnique:
      return "technique";
    case CommandSource::kTransition:
      return "transition";
    case CommandSource::kSafety:
      return "safety";
  }
  return "?";
}

std::string clock(std::int64_t ms) {
  return fmt::format("{}:{:02d}.{:03d}", ms / 60000, (ms / 1000) % 60, ms % 1000);
}

std::string relative(const std::string& path, const std::string& root) {
  if (!root.empty() && path.compare(0, root.size(), root) == 0) {
    std::string rest = path.substr(root.size());
    while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
    return rest;
  }
  return path;
}

std::string where(const SourceLocation& w, const std::string& root) {
  return fmt::format("{}:{}:{}", relative(w.file, root), w.line, w.column);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string format_timeline_table(const Timeline& tl, const ChairModel& chair,
                                  const std::string& root) {
  std::string out =
      fmt::format("program {}  duration {} ({} ms)  steps {}  commands {}\n\n", tl.program_id,
                  clock(tl.duration_ms), tl.duration_ms, tl.steps.size(), tl.commands.size());
  out += fmt::format("{:>4}  {:>10}  {:>10}  {:>8}  {:<16} {:<11} {:>4} {:>6}  {:<32} {}\n", "step",
                     "start", "end", "travel", "technique", "zone", "int", "cpm", "name", "source");
  for (std::size_t i = 0; i < tl.steps.size(); ++i) {
    const auto& s = tl.steps[i];
    out +=
        fmt::format("{:>4}  {:>10}  {:>10}  {:>6}ms  {:<16} {:<11} {:>4.2f} {:>6.1f}  {:<32} {}\n",
                    i + 1, clock(s.start_ms), clock(s.end_ms), s.transition_ms, s.technique, s.zone,
                    s.intensity, s.tempo_cpm, s.name, where(s.where, root));
  }
  out += fmt::format("\n{:>10} {:>10}  {:<18} {:>10}  {:<10} {}\n", "start_ms", "reach_ms",
                     "actuator", "value", "source", "step");
  for (const auto& c : tl.commands) {
    out += fmt::format("{:>10} {:>10}  {:<18} {:>10.3f}  {:<10} {}\n", c.start_ms, c.reach_ms,
                       chair.actuator(c.actuator).id, c.value, source_name(c.source),
                       c.step >= 0 ? std::to_string(c.step + 1) : "-");
  }
  return out;
}

std::string format_timeline_json(const Timeline& tl, const ChairModel& chair,
                                 const std::string& root) {
  std::string out = fmt::format("{{\"program_id\":{},\"duration_ms\":{},\"steps\":[",
                                json_string(tl.program_id), tl.duration_ms);
  for (std::size_t i = 0; i < tl.steps.size(); ++i) {
    const auto& s = tl.steps[i];
    out += fmt::format(
        "{}{{\"index\":{},\"name\":{},\"technique\":{},\"zone\":{},\"phase\":{},\"track\":{},"
        "\"start_ms\":{},"
        "\"end_ms\":{},\"transition_ms\":{},\"intensity\":{:.3f},\"tempo_cpm\":{:.3f},\"source\":{}"
        "}}",
        i == 0 ? "" : ",", i + 1, json_string(s.name), json_string(s.technique),
        json_string(s.zone), json_string(s.phase), json_string(s.track), s.start_ms, s.end_ms,
        s.transition_ms, s.intensity, s.tempo_cpm, json_string(where(s.where, root)));
  }
  out += "],\"commands\":[";
  for (std::size_t i = 0; i < tl.commands.size(); ++i) {
    const auto& c = tl.commands[i];
    out += fmt::format(
        "{}{{\"start_ms\":{},\"reach_ms\":{},\"actuator\":{},\"value\":{:.3f},\"source\":\"{}\","
        "\"step\":{}}}",
        i == 0 ? "" : ",", c.start_ms, c.reach_ms, json_string(chair.actuator(c.actuator).id),
        c.value, source_name(c.source), c.step + 1);
  }
  out += "]}\n";
  return out;
}

}  // namespace chaird
