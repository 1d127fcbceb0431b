// read_trace (trace_io.hpp): the two readers, strict about exactly what the writers write.
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/utf8_text.hpp"
#include "replay/json_line.hpp"
#include "replay/trace_io.hpp"

namespace chaird::sim {
namespace {

using Problem = std::optional<std::string>;  // what was expected, placed by the caller

constexpr std::size_t kCsvColumns = 6;

// What both formats check once a line is split: unique and known actuators, time order, events.
class TraceBuilder {
 public:
  Problem add_actuator(TraceActuator actuator) {
    if (actuator.id.empty()) return "expected an actuator id";
    const auto index = static_cast<std::int32_t>(trace_.actuators.size());
    if (!index_.emplace(actuator.id, index).second)
      return fmt::format("expected each actuator once, got {} again", excerpt(actuator.id));
    trace_.actuators.push_back(std::move(actuator));
    return std::nullopt;
  }

  Problem add_sample(std::int64_t chair_ms, std::string_view actuator, double commanded,
                     double measured) {
    if (auto p = advance(chair_ms)) return p;
    const auto found = index_.find(actuator);
    if (found == index_.end()) return unknown(actuator);
    trace_.samples.push_back({chair_ms, found->second, commanded, measured});
    return std::nullopt;
  }

  Problem add_event(std::int64_t chair_ms, std::string kind, std::string actuator,
                    std::string text) {
    if (auto p = advance(chair_ms)) return p;
    const bool word = !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '_';
    });
    if (!word)
      return fmt::format("expected an event kind like 'step_start', got {}", excerpt(kind));
    if (!actuator.empty() && index_.find(actuator) == index_.end()) return unknown(actuator);
    trace_.events.push_back({chair_ms, std::move(kind), std::move(actuator), std::move(text)});
    return std::nullopt;
  }

  ReplayTrace& trace() { return trace_; }

 private:
  // Rows are written in time order; one out of order means the file was edited or spliced.
  Problem advance(std::int64_t chair_ms) {
    if (chair_ms < last_ms_)
      return fmt::format("expected chair_ms of at least {} (rows are in time order), got {}",
                         last_ms_, chair_ms);
    last_ms_ = chair_ms;
    return std::nullopt;
  }

  Problem unknown(std::string_view actuator) const {
    return fmt::format("expected an actuator listed in the header, got {}", excerpt(actuator));
  }

  ReplayTrace trace_;
  std::map<std::string, std::int32_t, std::less<>> index_;
  std::int64_t last_ms_ = 0;
};

// Splits one CSV line into at most max_fields fields; a quoted field may hold commas and "".
Problem split_csv(std::string_view line, std::size_t max_fields, std::vector<std::string>& fields) {
  fields.clear();
  std::size_t i = 0;
  for (;;) {
    if (fields.size() == max_fields)
      return fmt::format("expected at most {} columns, got more", max_fields);
    std::string field;
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) return "expected a closing quote";
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          break;
        }
      }
      ++i;  // the closing quote
      if (i < line.size() && line[i] != ',')
        return fmt::format("expected ',' after a closing quote at column {}", i + 1);
    } else {
      const std::size_t comma = std::min(line.find(',', i), line.size());
      field.assign(line.substr(i, comma - i));
      if (field.find('"') != std::string::npos)
        return fmt::format("expected quotes around a whole field, got {}", excerpt(field));
      i = comma;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return std::nullopt;
    ++i;  // the comma
  }
}

Problem to_int(std::string_view text, std::string_view what, std::int64_t& out) {
  const auto v = parse_int64(text);
  if (!v) return fmt::format("expected an integer {}, got {}", what, excerpt(text));
  out = *v;
  return std::nullopt;
}

Problem to_number(std::string_view text, std::string_view what, double& out) {
  const auto v = parse_finite(text);
  if (!v) return fmt::format("expected a finite number {}, got {}", what, excerpt(text));
  out = *v;
  return std::nullopt;
}

class CsvReader {
 public:
  Problem line(std::string_view text) {
    if (!text.empty() && text.front() == '#') {
      if (in_rows_) return "expected a row (comment lines come before the column header)";
      return comment(text.substr(text.size() > 1 && text[1] == ' ' ? 2 : 1));
    }
    if (in_rows_) return row(text);
    if (text != kTraceCsvHeader)
      return fmt::format("expected the column header '{}'", kTraceCsvHeader);
    if (!(have_program_ && have_chair_ && have_end_))
      return "expected '# program,…', '# chair,…' and '# end_ms,…' before the column header";
    in_rows_ = true;
    return std::nullopt;
  }

  Problem finish() const {
    if (!in_rows_) return fmt::format("expected the column header '{}'", kTraceCsvHeader);
    return std::nullopt;
  }

  ReplayTrace take() { return std::move(builder_.trace()); }

 private:
  Problem comment(std::string_view text) {
    if (auto p = split_csv(text, 7, fields_)) return p;
    const std::string& key = fields_[0];
    ReplayTrace& trace = builder_.trace();
    if (key == "program") return once(have_program_, 2, [&] { trace.program_id = fields_[1]; });
    if (key == "chair") return once(have_chair_, 2, [&] { trace.chair_id = fields_[1]; });
    if (key == "end_ms") {
      std::int64_t end_ms = 0;
      if (auto p = once(have_end_, 2, [] {})) return p;
      if (auto p = to_int(fields_[1], "end_ms", end_ms)) return p;
      trace.end_ms = end_ms;
      return std::nullopt;
    }
    if (key != "actuator")
      return fmt::format("expected a comment 'program', 'chair', 'end_ms' or 'actuator', got {}",
                         excerpt(key));
    if (fields_.size() != 7) return "expected '# actuator,<id>,<kind>,<unit>,<group>,<min>,<max>'";
    TraceActuator a{fields_[1], fields_[2], fields_[3], fields_[4], 0.0, 0.0};
    if (auto p = to_number(fields_[5], "min", a.min)) return p;
    if (auto p = to_number(fields_[6], "max", a.max)) return p;
    return builder_.add_actuator(std::move(a));
  }

  template <typename Set>
  Problem once(bool& seen, std::size_t columns, Set set) {
    if (seen) return fmt::format("expected '# {}' once", fields_[0]);
    if (fields_.size() != columns) return fmt::format("expected '# {},<value>'", fields_[0]);
    seen = true;
    set();
    return std::nullopt;
  }

  Problem row(std::string_view text) {
    if (auto p = split_csv(text, kCsvColumns, fields_)) return p;
    if (fields_.size() != kCsvColumns)
      return fmt::format("expected {} columns ({}), got {}", kCsvColumns, kTraceCsvHeader,
                         fields_.size());
    std::int64_t chair_ms = 0;
    if (auto p = to_int(fields_[0], "chair_ms", chair_ms)) return p;
    if (!fields_[4].empty()) {
      if (!fields_[2].empty() || !fields_[3].empty())
        return "expected no commanded or measured value on an event row";
      return builder_.add_event(chair_ms, fields_[4], fields_[1], fields_[5]);
    }
    if (!fields_[5].empty()) return "expected an event in the event column, or no text";
    double commanded = 0.0;
    double measured = 0.0;
    if (auto p = to_number(fields_[2], "commanded", commanded)) return p;
    if (auto p = to_number(fields_[3], "measured", measured)) return p;
    return builder_.add_sample(chair_ms, fields_[1], commanded, measured);
  }

  TraceBuilder builder_;
  std::vector<std::string> fields_;
  bool have_program_ = false;
  bool have_chair_ = false;
  bool have_end_ = false;
  bool in_rows_ = false;
};

class JsonlReader {
 public:
  Problem line(std::string_view text) {
    if (auto p = parse_json_line(text, value_)) return p;
    if (auto p = JsonMembers::check(value_)) return p;
    JsonMembers members(value_);
    if (!have_header_) {
      have_header_ = true;
      return header(members);
    }
    return row(members);
  }

  Problem finish() const {
    if (!have_header_) return "expected a header object {\"program\":…}";
    return std::nullopt;
  }

  ReplayTrace take() { return std::move(builder_.trace()); }

 private:
  Problem header(JsonMembers& m) {
    ReplayTrace& trace = builder_.trace();
    if (auto p = m.take_string("program", trace.program_id)) return p;
    if (auto p = m.take_string("chair", trace.chair_id)) return p;
    if (auto p = m.take_int("end_ms", trace.end_ms)) return p;
    const JsonValue* actuators = m.take("actuators");
    if (actuators == nullptr || actuators->type != JsonValue::Type::kArray)
      return "expected an array \"actuators\"";
    for (std::size_t i = 0; i < actuators->values.size(); ++i) {
      if (auto p = actuator(actuators->values[i])) return fmt::format("actuator {}: {}", i + 1, *p);
    }
    return m.leftover();
  }

  Problem actuator(const JsonValue& value) {
    if (auto p = JsonMembers::check(value)) return p;
    JsonMembers m(value);
    TraceActuator a;
    if (auto p = m.take_string("id", a.id)) return p;
    if (auto p = m.take_string("kind", a.kind)) return p;
    if (auto p = m.take_string("unit", a.unit)) return p;
    if (auto p = m.take_string("group", a.group)) return p;
    if (auto p = m.take_number("min", a.min)) return p;
    if (auto p = m.take_number("max", a.max)) return p;
    if (auto p = m.leftover()) return p;
    return builder_.add_actuator(std::move(a));
  }

  Problem row(JsonMembers& m) {
    std::int64_t chair_ms = 0;
    std::string actuator;
    if (auto p = m.take_int("chair_ms", chair_ms)) return p;
    if (m.has("event")) {
      std::string kind;
      std::string text;
      if (auto p = m.take_string("event", kind)) return p;
      if (m.has("actuator")) {
        if (auto p = m.take_string("actuator", actuator)) return p;
      }
      if (m.has("text")) {
        if (auto p = m.take_string("text", text)) return p;
      }
      if (auto p = m.leftover()) return p;
      return builder_.add_event(chair_ms, std::move(kind), std::move(actuator), std::move(text));
    }
    double commanded = 0.0;
    double measured = 0.0;
    if (auto p = m.take_string("actuator", actuator)) return p;
    if (auto p = m.take_number("commanded", commanded)) return p;
    if (auto p = m.take_number("measured", measured)) return p;
    if (auto p = m.leftover()) return p;
    return builder_.add_sample(chair_ms, actuator, commanded, measured);
  }

  TraceBuilder builder_;
  JsonValue value_;
  bool have_header_ = false;
};

// Feeds the file to reader a line at a time; the first problem ends the reading, placed.
template <typename Reader>
Expected<ReplayTrace, std::string> read_lines(std::istream& in, const std::string& path) {
  Reader reader;
  std::string line;
  std::size_t number = 0;
  std::uintmax_t bytes = 0;
  while (std::getline(in, line)) {
    ++number;
    bytes += line.size() + 1;
    Problem problem;
    if (bytes > kMaxTraceFileBytes + 1) {
      problem = "expected the file to stop growing while it is read";
    } else if (in.eof()) {
      // Every written line ends with a newline: without one, the file was cut mid-line.
      problem = "expected a newline at the end of the line (the file ends mid-line)";
    } else {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      problem = reader.line(line);
    }
    if (problem) return Unexpected{fmt::format("{}:{}: {}", path, number, *problem)};
  }
  if (in.bad()) return Unexpected{fmt::format("{}:{}: cannot read further", path, number + 1)};
  if (auto p = reader.finish()) return Unexpected{fmt::format("{}:{}: {}", path, number + 1, *p)};
  return reader.take();
}

Expected<ReplayTrace, std::string> read_trace_file(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension != ".csv" && extension != ".jsonl")
    return Unexpected{path + ": expected a trace named *.csv or *.jsonl"};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Unexpected{path + ": expected a regular file" + (ec ? ": " + ec.message() : "")};
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Unexpected{path + ": " + ec.message()};
  if (size > kMaxTraceFileBytes)
    return Unexpected{fmt::format("{}: expected at most {} MiB, the file has {} bytes", path,
                                  kMaxTraceFileBytes >> 20, size)};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected{path + ": cannot open the file"};
  if (extension == ".csv") return read_lines<CsvReader>(in, path);
  return read_lines<JsonlReader>(in, path);
}

}  // namespace

Expected<ReplayTrace, std::string> read_trace(const std::string& path) {
  // Nothing escapes: an allocation that fails on a hostile file is a refusal like any other.
  try {
    return read_trace_file(path);
  } catch (const std::exception& e) {
    return Unexpected{fmt::format("{}: cannot read the trace: {}", path, e.what())};
  } catch (...) {
    return Unexpected{path + ": cannot read the trace"};
  }
}

}  // namespace chaird::sim
