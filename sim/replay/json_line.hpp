// One JSON value per line, read from a hostile file: the small subset of JSON that the trace's
// JSONL lines use, with nesting and key counts bounded so that no line can exhaust the stack or
// make a lookup quadratic. Numbers are kept as their spelling and converted where their field is
// known (an integer chair_ms, a double value).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/strict_number.hpp"

namespace chaird::sim {

// What was expected where, without the file and line (the caller knows those).
using JsonProblem = std::optional<std::string>;

struct JsonValue {
  enum class Type { kLiteral, kNumber, kString, kArray, kObject };
  Type type = Type::kLiteral;
  std::string text;               // a string's value, a number's or a literal's spelling
  std::vector<std::string> keys;  // an object's keys, beside their values
  std::vector<JsonValue> values;  // an object's values or an array's items
};

// Parses one line holding exactly one value (nested at most max_depth deep).
JsonProblem parse_json_line(std::string_view line, JsonValue& out, int max_depth = 4);

// An object's members taken by name, each once; a key given twice, or left untaken, is refused.
class JsonMembers {
 public:
  static constexpr std::size_t kMaxKeys = 16;

  // Refuses a value that is not an object, has too many keys or repeats one.
  static JsonProblem check(const JsonValue& object);
  explicit JsonMembers(const JsonValue& object);

  bool has(std::string_view key) const;
  JsonProblem take_string(std::string_view key, std::string& out);
  JsonProblem take_int(std::string_view key, std::int64_t& out);
  JsonProblem take_number(std::string_view key, double& out);  // finite only
  // The value of key, or nullptr when absent (it counts as taken).
  const JsonValue* take(std::string_view key);
  // The first key nobody took.
  JsonProblem leftover() const;

 private:
  const JsonValue& object_;
  std::vector<bool> taken_;
};

// Strict conversions shared with the CSV reader: the whole text, nothing around it (the whole
// number's is common/strict_number.hpp's parse_int64).
std::optional<double> parse_finite(std::string_view text);

}  // namespace chaird::sim
