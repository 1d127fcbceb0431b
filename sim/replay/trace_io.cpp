#include "replay/trace_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <numeric>
#include <ostream>
#include <string_view>
#include <vector>

namespace chaird::sim {
namespace {

constexpr std::size_t kFlushBytes = std::size_t{1} << 16;

// Indices of items stably ordered by chair_ms: the files promise time order even to a caller
// that appended out of order.
template <typename T>
std::vector<std::size_t> by_time(const std::vector<T>& items) {
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return items[a].chair_ms < items[b].chair_ms;
  });
  return order;
}

// Every row in file order: by chair_ms, and at one chair_ms the events first (a step start
// explains the samples that follow it).
template <typename OnEvent, typename OnSample>
void for_each_row(const ReplayTrace& trace, OnEvent on_event, OnSample on_sample) {
  const auto events = by_time(trace.events);
  const auto samples = by_time(trace.samples);
  std::size_t e = 0;
  std::size_t s = 0;
  while (e < events.size() || s < samples.size()) {
    const bool event_next =
        e < events.size() && (s == samples.size() || trace.events[events[e]].chair_ms <=
                                                         trace.samples[samples[s]].chair_ms);
    if (event_next) {
      on_event(trace.events[events[e++]]);
    } else {
      on_sample(trace.samples[samples[s++]]);
    }
  }
}

std::string actuator_id(const ReplayTrace& trace, std::int32_t index) {
  // A bad index is written as a name the reader refuses, rather than read out of bounds.
  if (index < 0 || static_cast<std::size_t>(index) >= trace.actuators.size())
    return fmt::format("?{}", index);
  return trace.actuators[static_cast<std::size_t>(index)].id;
}

// Collects the text and hands it to the stream in large pieces, not a write per row.
class Output {
 public:
  explicit Output(std::ostream& stream) : stream_(stream) {}
  std::string& text() { return text_; }
  void end_line() {
    text_ += '\n';
    if (text_.size() >= kFlushBytes) flush();
  }
  void flush() {
    stream_.write(text_.data(), static_cast<std::streamsize>(text_.size()));
    text_.clear();
  }

 private:
  std::ostream& stream_;
  std::string text_;
};

// A newline inside a field would start a new row for every CSV reader: fields are one line.
void append_csv_field(std::string& out, std::string_view field, bool always_quote) {
  const bool quote = always_quote || field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out += '"';
  for (const char c : field) {
    if (c == '\r' || c == '\n') {
      out += ' ';
    } else if (c == '"') {
      out += "\"\"";
    } else {
      out += c;
    }
  }
  if (quote) out += '"';
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", byte);
    } else {
      out += c;  // UTF-8 passes through as it is
    }
  }
  out += '"';
}

// JSON has no NaN or infinity: null, which the reader refuses as "expected a number".
void append_json_number(std::string& out, double value, std::string_view format) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), fmt::runtime(format), value);
}

}  // namespace

void write_trace_csv(const ReplayTrace& trace, std::ostream& stream) {
  Output out(stream);
  std::string& s = out.text();
  s += "# program,";
  append_csv_field(s, trace.program_id, false);
  out.end_line();
  s += "# chair,";
  append_csv_field(s, trace.chair_id, false);
  out.end_line();
  fmt::format_to(std::back_inserter(s), "# end_ms,{}", trace.end_ms);
  out.end_line();
  for (const TraceActuator& a : trace.actuators) {
    s += "# actuator";
    for (const std::string* field : {&a.id, &a.kind, &a.unit, &a.group}) {
      s += ',';
      append_csv_field(s, *field, false);
    }
    // Shortest text that reads back as the same double: the range is exact, not rounded.
    fmt::format_to(std::back_inserter(s), ",{},{}", a.min, a.max);
    out.end_line();
  }
  s += kTraceCsvHeader;
  out.end_line();
  for_each_row(
      trace,
      [&](const TraceEvent& e) {
        fmt::format_to(std::back_inserter(s), "{},", e.chair_ms);
        append_csv_field(s, e.actuator, false);
        s += ",,,";
        append_csv_field(s, e.kind, false);
        s += ',';
        append_csv_field(s, e.text, true);
        out.end_line();
      },
      [&](const TraceSample& x) {
        fmt::format_to(std::back_inserter(s), "{},", x.chair_ms);
        append_csv_field(s, actuator_id(trace, x.actuator), false);
        fmt::format_to(std::back_inserter(s), ",{:.2f},{:.2f},,", x.commanded, x.measured);
        out.end_line();
      });
  out.flush();
}

void write_trace_jsonl(const ReplayTrace& trace, std::ostream& stream) {
  Output out(stream);
  std::string& s = out.text();
  s += "{\"program\":";
  append_json_string(s, trace.program_id);
  s += ",\"chair\":";
  append_json_string(s, trace.chair_id);
  fmt::format_to(std::back_inserter(s), ",\"end_ms\":{},\"actuators\":[", trace.end_ms);
  for (std::size_t i = 0; i < trace.actuators.size(); ++i) {
    const TraceActuator& a = trace.actuators[i];
    s += i == 0 ? "{\"id\":" : ",{\"id\":";
    append_json_string(s, a.id);
    s += ",\"kind\":";
    append_json_string(s, a.kind);
    s += ",\"unit\":";
    append_json_string(s, a.unit);
    s += ",\"group\":";
    append_json_string(s, a.group);
    s += ",\"min\":";
    append_json_number(s, a.min, "{}");
    s += ",\"max\":";
    append_json_number(s, a.max, "{}");
    s += '}';
  }
  s += "]}";
  out.end_line();
  for_each_row(
      trace,
      [&](const TraceEvent& e) {
        fmt::format_to(std::back_inserter(s), "{{\"chair_ms\":{},\"event\":", e.chair_ms);
        append_json_string(s, e.kind);
        s += ",\"actuator\":";
        append_json_string(s, e.actuator);
        s += ",\"text\":";
        append_json_string(s, e.text);
        s += '}';
        out.end_line();
      },
      [&](const TraceSample& x) {
        fmt::format_to(std::back_inserter(s), "{{\"chair_ms\":{},\"actuator\":", x.chair_ms);
        append_json_string(s, actuator_id(trace, x.actuator));
        s += ",\"commanded\":";
        append_json_number(s, x.commanded, "{:.2f}");
        s += ",\"measured\":";
        append_json_number(s, x.measured, "{:.2f}");
        s += '}';
        out.end_line();
      });
  out.flush();
}

}  // namespace chaird::sim
