#include "replay/json_line.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "common/utf8_text.hpp"

namespace chaird::sim {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonParser {
 public:
  JsonParser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  JsonProblem parse(JsonValue& out) {
    if (auto p = value(out, 0)) return p;
    skip_space();
    if (pos_ != text_.size()) return expected("the end of the line after the value");
    return std::nullopt;
  }

 private:
  JsonProblem expected(std::string_view what) const {
    return fmt::format("expected {} at column {}", what, pos_ + 1);
  }
  bool at_end() const { return pos_ >= text_.size(); }
  bool peek(char c) const { return !at_end() && text_[pos_] == c; }
  bool peek_digit() const { return !at_end() && is_digit(text_[pos_]); }
  void skip_space() {
    while (!at_end() && (peek(' ') || peek('\t'))) ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }

  JsonProblem value(JsonValue& out, int depth) {
    // A line of a million tiny values would cost a hundred bytes of memory per two bytes read.
    if (++values_ > kMaxValuesPerLine)
      return expected(fmt::format("at most {} values on a line", kMaxValuesPerLine));
    skip_space();
    if (peek('{') || peek('[')) {
      // Refused before descending: a line of a million '[' must not take a million frames.
      if (depth >= max_depth_)
        return expected(fmt::format("at most {} levels of nesting", max_depth_));
      return peek('{') ? object(out, depth + 1) : array(out, depth + 1);
    }
    if (peek('"')) {
      out.type = JsonValue::Type::kString;
      return string(out.text);
    }
    if (peek('-') || peek_digit()) {
      out.type = JsonValue::Type::kNumber;
      return number(out.text);
    }
    for (const std::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        out.type = JsonValue::Type::kLiteral;
        out.text = literal;
        pos_ += literal.size();
        return std::nullopt;
      }
    }
    return expected("a value");
  }

  JsonProblem object(JsonValue& out, int depth) {
    out.type = JsonValue::Type::kObject;
    ++pos_;
    if (eat('}')) return std::nullopt;
    for (;;) {
      skip_space();
      if (!peek('"')) return expected("a key in quotes");
      out.keys.emplace_back();
      if (auto p = string(out.keys.back())) return p;
      if (!eat(':')) return expected("':' after a key");
      out.values.emplace_back();
      if (auto p = value(out.values.back(), depth)) return p;
      if (eat(',')) continue;
      if (eat('}')) return std::nullopt;
      return expected("',' or '}'");
    }
  }

  JsonProblem array(JsonValue& out, int depth) {
    out.type = JsonValue::Type::kArray;
    ++pos_;
    if (eat(']')) return std::nullopt;
    for (;;) {
      out.values.emplace_back();
      if (auto p = value(out.values.back(), depth)) return p;
      if (eat(',')) continue;
      if (eat(']')) return std::nullopt;
      return expected("',' or ']'");
    }
  }

  // JSON's grammar, so that "1." or "01" is refused rather than half-read.
  JsonProblem number(std::string& out) {
    const std::size_t start = pos_;
    if (peek('-')) ++pos_;
    if (peek('0')) {
      ++pos_;
    } else if (peek_digit()) {
      while (peek_digit()) ++pos_;
    } else {
      return expected("a digit");
    }
    if (peek('.')) {
      ++pos_;
      if (!peek_digit()) return expected("a digit after '.'");
      while (peek_digit()) ++pos_;
    }
    if (peek('e') || peek('E')) {
      ++pos_;
      if (peek('+') || peek('-')) ++pos_;
      if (!peek_digit()) return expected("a digit in the exponent");
      while (peek_digit()) ++pos_;
    }
    out.assign(text_.substr(start, pos_ - start));
    return std::nullopt;
  }

  JsonProblem string(std::string& out) {
    ++pos_;  // the opening quote
    for (;;) {
      if (at_end()) return expected("a closing quote");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (static_cast<unsigned char>(c) < 0x20) return expected("a control character as \\u00XX");
      ++pos_;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (auto p = escape(out)) return p;
    }
  }

  JsonProblem escape(std::string& out) {
    if (at_end()) return expected("an escape after '\\'");
    const char e = text_[pos_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        return std::nullopt;
      case 'b':
        out += '\b';
        return std::nullopt;
      case 'f':
        out += '\f';
        return std::nullopt;
      case 'n':
        out += '\n';
        return std::nullopt;
      case 'r':
        out += '\r';
        return std::nullopt;
      case 't':
        out += '\t';
        return std::nullopt;
      case 'u':
        return unicode(out);
      default:
        --pos_;
        return expected("one of \" \\ / b f n r t u after '\\'");
    }
  }

  JsonProblem hex4(std::uint32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (at_end()) return expected("four hex digits after \\u");
      const char c = text_[pos_];
      const int digit = is_digit(c)              ? c - '0'
                        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                 : -1;
      if (digit < 0) return expected("four hex digits after \\u");
      out = out * 16 + static_cast<std::uint32_t>(digit);
    }
    return std::nullopt;
  }

  // A code point, or a surrogate pair, as UTF-8; a lone surrogate is no character and refused.
  JsonProblem unicode(std::string& out) {
    std::uint32_t cp = 0;
    if (auto p = hex4(cp)) return p;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return expected("a high surrogate before a low one");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") return expected("a low surrogate after a high one");
      pos_ += 2;
      std::uint32_t low = 0;
      if (auto p = hex4(low)) return p;
      if (low < 0xDC00 || low > 0xDFFF) return expected("a low surrogate after a high one");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
    return std::nullopt;
  }

  static constexpr std::size_t kMaxValuesPerLine = std::size_t{1} << 20;

  std::string_view text_;
  int max_depth_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;
};

}  // namespace

JsonProblem parse_json_line(std::string_view line, JsonValue& out, int max_depth) {
  out = JsonValue{};
  return JsonParser(line, max_depth).parse(out);
}

JsonProblem JsonMembers::check(const JsonValue& object) {
  if (object.type != JsonValue::Type::kObject) return "expected an object";
  const auto& keys = object.keys;
  if (keys.size() > kMaxKeys)
    return fmt::format("expected at most {} keys in an object, got {}", kMaxKeys, keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      if (keys[i] == keys[j]) return fmt::format("expected the key {} once", excerpt(keys[i]));
    }
  }
  return std::nullopt;
}

JsonMembers::JsonMembers(const JsonValue& object)
    : object_(object), taken_(object.keys.size(), false) {}

bool JsonMembers::has(std::string_view key) const {
  for (const auto& k : object_.keys) {
    if (k == key) return true;
  }
  return false;
}

const JsonValue* JsonMembers::take(std::string_view key) {
  for (std::size_t i = 0; i < object_.keys.size(); ++i) {
    if (object_.keys[i] == key) {
      taken_[i] = true;
      return &object_.values[i];
    }
  }
  return nullptr;
}

JsonProblem JsonMembers::take_string(std::string_view key, std::string& out) {
  const JsonValue* v = take(key);
  if (v == nullptr || v->type != JsonValue::Type::kString)
    return fmt::format("expected a string \"{}\"", key);
  out = v->text;
  return std::nullopt;
}

JsonProblem JsonMembers::take_int(std::string_view key, std::int64_t& out) {
  const JsonValue* v = take(key);
  const auto parsed = v != nullptr && v->type == JsonValue::Type::kNumber
                          ? parse_int64(v->text)
                          : std::optional<std::int64_t>{};
  if (!parsed) return fmt::format("expected an integer \"{}\"", key);
  out = *parsed;
  return std::nullopt;
}

JsonProblem JsonMembers::take_number(std::string_view key, double& out) {
  const JsonValue* v = take(key);
  const auto parsed = v != nullptr && v->type == JsonValue::Type::kNumber ? parse_finite(v->text)
                                                                          : std::optional<double>{};
  if (!parsed) return fmt::format("expected a finite number \"{}\"", key);
  out = *parsed;
  return std::nullopt;
}

JsonProblem JsonMembers::leftover() const {
  for (std::size_t i = 0; i < taken_.size(); ++i) {
    if (!taken_[i]) return fmt::format("expected no key {}", excerpt(object_.keys[i]));
  }
  return std::nullopt;
}

std::optional<double> parse_finite(std::string_view text) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  // from_chars, not strtod: the C locale's decimal point, whatever the process's locale is.
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace chaird::sim
