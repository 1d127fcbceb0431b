#include "common/text_file.hpp"

#include <fmt/format.h>
#include <google/protobuf/io/tokenizer.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/closest_name.hpp"
#include "common/utf8_text.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// A message about a megabyte-long token is left as protobuf wrote it rather than explained: the
// explanation would quote the token again.
constexpr std::size_t kMaxExplained = 1024;

// A letter, digit or '_' (a regular expression's \w).
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// A character of a (possibly qualified) protobuf name: a word character or '.'.
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

// The name in double quotes at `at` in a protobuf message (' "name"'), if there is one. Plain
// string work rather than std::regex, which is slow to match and was a tenth of the time the
// fuzzers spent reading broken files (tests/fuzz).
std::optional<std::string> quoted_name_at(std::string_view message, std::size_t at) {
  if (message.compare(at, 2, " \"") != 0) return std::nullopt;
  const std::size_t begin = at + 2;
  const std::size_t end = message.find('"', begin);
  if (end == std::string_view::npos || end == begin) return std::nullopt;
  return std::string(message.substr(begin, end - begin));
}

// 'Message type "chair.v1.Step" has no field named "durration"': the type and the field.
std::optional<std::pair<std::string, std::string>> unknown_field_in(std::string_view message) {
  constexpr std::string_view kHead = "Message type \"";
  constexpr std::string_view kMiddle = "\" has no field named \"";
  for (auto at = message.find(kHead); at != std::string_view::npos;
       at = message.find(kHead, at + 1)) {
    std::size_t i = at + kHead.size();
    const std::size_t type_begin = i;
    while (i < message.size() && is_name_char(message[i])) ++i;
    if (i == type_begin || message.compare(i, kMiddle.size(), kMiddle) != 0) continue;
    const std::size_t type_end = i;
    i += kMiddle.size();
    const std::size_t name_begin = i;
    while (i < message.size() && is_word_char(message[i])) ++i;
    if (i == name_begin || i == message.size() || message[i] != '"') continue;
    return std::pair{std::string(message.substr(type_begin, type_end - type_begin)),
                     std::string(message.substr(name_begin, i - name_begin))};
  }
  return std::nullopt;
}

// The name a message is about: the first of 'has no field named "x"', 'Unknown enumeration value
// of "x"', 'Non-repeated field "x"', or a message that begins 'Field "x"'.
std::optional<std::string> named_in(std::string_view message) {
  if (message.rfind("Field", 0) == 0) {
    if (auto name = quoted_name_at(message, 5)) return name;
  }
  constexpr std::string_view kKinds[] = {"has no field named", "Unknown enumeration value of",
                                         "Non-repeated field"};
  for (std::size_t at = 0; at < message.size(); ++at) {
    for (const std::string_view kind : kKinds) {
      if (message.compare(at, kind.size(), kind) != 0) continue;
      if (auto name = quoted_name_at(message, at + kind.size())) return name;
    }
  }
  return std::nullopt;
}

// Protobuf says 'Message type "chair.v1.Step" has no field named "durration".'; a chair maker
// wants to know which fields exist and which one was probably meant.
std::string explain_unknown_field(const std::string& message) {
  // At the end of the text protobuf says "Expected identifier, got: " (nothing).
  if (message.size() >= 5 && message.compare(message.size() - 5, 5, "got: ") == 0) {
    return message.substr(0, message.size() - 7) + " before the end of the file: is a '}' missing?";
  }
  if (message.size() > kMaxExplained) return message;
  const auto unknown = unknown_field_in(message);
  if (!unknown) return message;
  const auto& [type, name] = *unknown;
  std::string out = "unknown field '" + name + "' in " + type;
  const Descriptor* d =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (d == nullptr) return out;
  std::string best;
  std::size_t best_distance = 3;  // suggest only close matches
  std::string fields;
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string& candidate = d->field(i)->name();
    fields += (i == 0 ? "" : ", ") + candidate;
    // The name without its unit suffix ("duration" for "duration_ms") is as close as a typo.
    const bool unit_left_out =
        candidate.size() > name.size() + 1 && candidate.compare(0, name.size(), name) == 0 &&
        candidate[name.size()] == '_' && candidate.find('_', name.size() + 1) == std::string::npos;
    if (best_distance == 0) continue;  // nothing is closer than the name itself
    // Bounded by the best so far: a name far from every field (the fuzzer writes 1,000-letter
    // ones) costs no length-squared comparison.
    const std::size_t dist = unit_left_out ? 1 : edit_distance(name, candidate, best_distance - 1);
    if (dist < best_distance) {
      best_distance = dist;
      best = candidate;
    }
  }
  if (!best.empty()) return out + "; did you mean '" + best + "'?";
  return out + "; expected one of: " + fields;
}

// Protobuf's tokenizer counts a tab as reaching the next multiple of 8 columns.
int advance_column(int column, char c) {
  return c == '\t' ? (column / 8 + 1) * 8 : column + 1;
}

// The byte offset of a 0-based line and column as protobuf counts them; npos past the text.
std::size_t offset_of(std::string_view text, int line, int column) {
  std::size_t offset = 0;
  for (int l = 0; l < line; ++l) {
    offset = text.find('\n', offset);
    if (offset == std::string_view::npos) return offset;
    ++offset;
  }
  for (int c = 0; offset < text.size() && c < column && text[offset] != '\n'; ++offset) {
    c = advance_column(c, text[offset]);
  }
  return offset;
}

// The field name written before the value at offset ("intensity" in "intensity: \"3\""), across
// lines and comments; empty when there is none (a value in a list, say).
std::string field_before(std::string_view text, std::size_t offset) {
  constexpr std::size_t kLookBack = 2000;
  std::size_t start = offset > kLookBack ? offset - kLookBack : 0;
  // From a line's start, so that a string or comment is not entered halfway.
  if (start > 0) {
    const std::size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos || newline >= offset) return {};
    start = newline + 1;
  }
  std::string before;
  while (start < offset) {
    const std::size_t end = std::min(text.find('\n', start), offset);
    char quote = 0;  // the quote a string began with (' or "), while in one
    std::size_t cut = end;
    for (std::size_t i = start; i < end; ++i) {
      const char c = text[i];
      if (quote != 0) {
        if (c == '\\') {
          ++i;  // an escaped character, a quote or a backslash
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#') {
        cut = i;
        break;
      }
    }
    before.append(text.substr(start, cut - start)).push_back(' ');
    start = end + 1;
  }
  const auto trim_right = [&before] {
    while (!before.empty() && std::isspace(static_cast<unsigned char>(before.back())) != 0)
      before.pop_back();
  };
  trim_right();
  if (before.empty() || before.back() != ':') return {};
  before.pop_back();
  trim_right();
  std::size_t name_start = before.size();
  while (name_start > 0 && (std::isalnum(static_cast<unsigned char>(before[name_start - 1])) != 0 ||
                            before[name_start - 1] == '_'))
    --name_start;
  return before.substr(name_start);
}

// A number as the text format writes one ("3", "-0.5", "1e3"); std::from_chars reads it whole.
bool is_number_text(const std::string& text, bool whole) {
  if (text.empty() || text.size() > 64) return false;
  const char* end = text.data() + text.size();
  if (whole) {
    long long v = 0;
    const auto r = std::from_chars(text.data(), end, v);
    return r.ec == std::errc() && r.ptr == end;
  }
  double v = 0;
  const auto r = std::from_chars(text.data(), end, v);
  return r.ec == std::errc() && r.ptr == end;
}

// Protobuf says 'Expected double, got: "3"' at the value, without the field. A chair maker
// needs the field, what it takes, and how to write it. (Plain string work: the token can be a
// megabyte long, and std::regex recurses once per character.)
std::string explain_wrong_value(std::string_view text, int line, int column,
                                const std::string& message) {
  std::string expected;
  std::string got;
  for (const char* kind : {"double", "integer", "string"}) {
    const std::string prefix = std::string("Expected ") + kind + ", got: ";
    if (message.rfind(prefix, 0) == 0) {
      expected = kind;
      got = message.substr(prefix.size());
    }
  }
  if (expected.empty()) return message;
  if (got.empty()) return message;  // the end of the file: explain_unknown_field says so
  const std::size_t offset = offset_of(text, line, column);
  if (offset == std::string_view::npos) return message;
  const std::string field = field_before(text, offset);
  if (field.empty()) return message;
  if (expected == "string")
    return fmt::format("'{}' takes text in double quotes, got {} ({}: \"{}\")", field, got, field,
                       got);
  const bool whole = expected == "integer";
  // An unsigned field read '-' and stopped there.
  if (whole && got == "-")
    return fmt::format("'{}' takes a whole number of 0 or more, got a negative one", field);
  const std::string what = whole ? "a whole number" : "a number";
  if (got.size() >= 2 && got.front() == '"' && got.back() == '"') {
    const std::string inside = got.substr(1, got.size() - 2);
    if (is_number_text(inside, whole))
      return fmt::format("'{}' takes {}, got the text {}: write it without quotes ({}: {})", field,
                         what, got, field, inside);
    return fmt::format("'{}' takes {}, got the text {}", field, what, got);
  }
  return fmt::format("'{}' takes {}, got {}", field, what, got);
}

// Protobuf reports a misspelt field name or enum value after reading it, at the token that
// follows: the ':' after a field name, or the next line after an enum value. A chair maker
// needs the place of the name itself, so look for it backwards from there. Locations are
// 0-based here, as protobuf gives them.
std::pair<int, int> place_of_name(std::string_view text, int line, int column,
                                  const std::string& message) {
  if (message.size() > kMaxExplained) return {line, column};
  const auto named = named_in(message);
  if (!named) return {line, column};
  const std::string& name = *named;
  std::size_t offset = 0;
  for (int l = 0; l < line; ++l) {
    offset = text.find('\n', offset);
    if (offset == std::string_view::npos) return {line, column};
    ++offset;
  }
  for (int c = 0; offset < text.size() && c < column && text[offset] != '\n'; ++offset) {
    c = advance_column(c, text[offset]);
  }
  if (offset < name.size()) return {line, column};
  std::size_t at = text.rfind(name, offset - name.size());
  while (at != std::string_view::npos &&
         ((at > 0 && is_name_char(text[at - 1])) ||
          (at + name.size() < text.size() && is_name_char(text[at + name.size()])))) {
    at = at == 0 ? std::string_view::npos : text.rfind(name, at - 1);
  }
  if (at == std::string_view::npos) return {line, column};
  const std::size_t newline = text.rfind('\n', at);
  const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  int found_column = 0;
  for (std::size_t i = line_start; i < at; ++i) {
    found_column = advance_column(found_column, text[i]);
  }
  const auto found_line = static_cast<int>(
      std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  return {found_line, found_column};
}

class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  CollectingErrors(const std::string& path, std::string_view text, std::size_t max_errors,
                   Diagnostics& out)
      : path_(path), text_(text), max_errors_(max_errors), out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    add(line, column, message, /*syntax=*/true);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    // Unknown fields arrive as warnings because the parser is told to go on past them, so
    // that a file with several is reported whole. They are still errors for us.
    add(line, column, message, /*syntax=*/false);
  }

  // The errors past the bound, in one: placed where the first of them is (protobuf reports in
  // the order it reads), so that it sorts after those listed. Two syntax errors are listed on
  // their own, or a count would hide what makes the file unreadable behind unknown fields: the
  // first (the tokenizer reads on past a missing quote, say) and the one the parse stopped at
  // (the last report, when it is a syntax error).
  void finish() {
    for (const auto* e : {&first_unlisted_syntax_, &last_unlisted_syntax_}) {
      if (!e->has_value()) continue;
      --unlisted_;
      list((*e)->line, (*e)->column, (*e)->message);
    }
    if (unlisted_ == 0) return;
    out_.error(
        {path_, first_unlisted_.first + 1, first_unlisted_.second + 1},
        fmt::format("{} more {} from here on {} not listed: fix the ones above and "
                    "check again",
                    unlisted_, unlisted_ == 1 ? "error" : "errors", unlisted_ == 1 ? "is" : "are"),
        unlisted_);
  }

 private:
  struct Reported {
    int line = 0;
    int column = 0;
    std::string message;
  };

  void add(int line, int column, const std::string& message, bool syntax) {
    if (listed_ >= max_errors_) {
      if (unlisted_++ == 0) first_unlisted_ = place_of_name(text_, line, column, message);
      // Kept as reported (placing one scans the text): at most two are listed.
      std::optional<Reported> reported;
      if (syntax) reported = Reported{line, column, message};
      if (!first_unlisted_syntax_) {
        first_unlisted_syntax_ = std::move(reported);
      } else {
        last_unlisted_syntax_ = std::move(reported);  // none when an unknown field came after
      }
      return;
    }
    ++listed_;
    list(line, column, message);
  }
  void list(int line, int column, const std::string& message) {
    const auto [l, c] = place_of_name(text_, line, column, message);
    out_.error({path_, l + 1, c + 1},
               explain_unknown_field(explain_wrong_value(text_, line, column, message)));
  }

  const std::string& path_;
  std::string_view text_;
  std::size_t max_errors_;
  Diagnostics& out_;
  std::size_t listed_ = 0;
  std::size_t unlisted_ = 0;
  std::pair<int, int> first_unlisted_;  // 0-based line and column, as protobuf gives them
  // 0-based, as protobuf gives them: the first unlisted syntax error, and the last unlisted
  // report when it is another syntax error.
  std::optional<Reported> first_unlisted_syntax_;
  std::optional<Reported> last_unlisted_syntax_;
};

// 1-based line and column (as protobuf counts them) of a byte offset.
SourceLocation location_of(const std::string& path, std::string_view text, std::size_t offset) {
  const std::size_t newline = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const std::size_t line_start =
      newline == std::string_view::npos || newline >= offset ? 0 : newline + 1;
  int column = 0;
  for (std::size_t i = line_start; i < offset; ++i) column = advance_column(column, text[i]);
  const auto line = static_cast<int>(
      std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  return {path, line + 1, column + 1};
}

// Escapes such as "\xff" in a string literal make bytes the file itself does not contain: every
// text field must still be valid UTF-8, or it would break every status and listing it reaches.
void check_strings(const google::protobuf::Message& message, const ParseInfoTree* tree,
                   const std::string& path, Diagnostics& out) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const int index = field->is_repeated() ? i : -1;
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& value =
            field->is_repeated()
                ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                : reflection->GetStringReference(message, field, &scratch);
        if (first_invalid_utf8(value) == std::string::npos) continue;
        const auto where = tree != nullptr ? tree->GetLocation(field, index)
                                           : google::protobuf::TextFormat::ParseLocation{};
        out.error({path, where.line + 1, where.column + 1},
                  "the text of '" + field->name() +
                      "' is not valid UTF-8 (an escape such as \\xff makes bytes that are not "
                      "characters); write the characters themselves");
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const auto& nested = field->is_repeated()
                                 ? reflection->GetRepeatedMessage(message, field, i)
                                 : reflection->GetMessage(message, field);
        check_strings(nested, tree != nullptr ? tree->GetTreeForNested(field, index) : nullptr,
                      path, out);
      }
    }
  }
}

}  // namespace

Diagnostics parse_text(std::string_view text, const std::string& path,
                       google::protobuf::Message& message, ParseInfoTree* tree,
                       const TextFileLimits& limits) {
  Diagnostics diagnostics;
  if (text.size() > limits.max_bytes) {
    diagnostics.error({path, 0, 0}, "text is " + std::to_string(text.size()) +
                                        " bytes; the limit is " + std::to_string(limits.max_bytes));
    return diagnostics;
  }
  if (const std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    diagnostics.error(location_of(path, text, bad),
                      fmt::format("byte 0x{:02X} is not valid UTF-8: save the file as UTF-8",
                                  static_cast<unsigned char>(text[bad])));
    return diagnostics;
  }
  CollectingErrors errors(path, text, limits.max_errors, diagnostics);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(true);
  parser.SetRecursionLimit(limits.max_nesting);
  parser.WriteLocationsTo(tree);
  const bool parsed = parser.ParseFromString(std::string(text), &message);
  errors.finish();
  if (!parsed && !diagnostics.has_errors()) {
    diagnostics.error({path, 0, 0}, "the file could not be parsed");
  }
  if (!diagnostics.has_errors()) check_strings(message, tree, path, diagnostics);
  if (diagnostics.has_errors()) message.Clear();
  return diagnostics;
}

Diagnostics parse_text_file(const std::string& path, google::protobuf::Message& message,
                            ParseInfoTree* tree, const TextFileLimits& limits) {
  Diagnostics diagnostics;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diagnostics.error({path, 0, 0}, "no such file");
    return diagnostics;
  }
  if (!fs::is_regular_file(status)) {
    diagnostics.error({path, 0, 0}, "not a regular file");
    return diagnostics;
  }
  const auto size = fs::file_size(path, ec);
  if (ec) {
    diagnostics.error({path, 0, 0}, "cannot read the file size: " + ec.message());
    return diagnostics;
  }
  if (size > limits.max_bytes) {
    diagnostics.error({path, 0, 0}, "file is " + std::to_string(size) + " bytes; the limit is " +
                                        std::to_string(limits.max_bytes) + " bytes");
    return diagnostics;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path, 0, 0}, "cannot open the file");
    return diagnostics;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_text(buffer.str(), path, message, tree, limits);
}

Locator::Locator(const TextFileSource& source, const Descriptor* descriptor)
    : root_(source.tree),
      tree_(source.tree.get()),
      descriptor_(descriptor),
      self_{source.path, source.tree ? 1 : 0, source.tree ? 1 : 0} {}

const FieldDescriptor* Locator::field(std::string_view name) const {
  return descriptor_ == nullptr ? nullptr : descriptor_->FindFieldByName(std::string(name));
}

SourceLocation Locator::at(std::string_view name, int index) const {
  const FieldDescriptor* f = field(name);
  if (tree_ == nullptr || f == nullptr) return self_;
  const auto loc = tree_->GetLocation(f, f->is_repeated() ? index : -1);
  if (loc.line < 0) return self_;
  return {self_.file, loc.line + 1, loc.column + 1};
}

Locator Locator::nested(std::string_view name, int index) const {
  Locator child;
  child.root_ = root_;
  child.self_ = at(name, index);
  const FieldDescriptor* f = field(name);
  if (f == nullptr || f->message_type() == nullptr) {
    child.self_ = self_;
    return child;
  }
  child.descriptor_ = f->message_type();
  child.tree_ =
      tree_ == nullptr ? nullptr : tree_->GetTreeForNested(f, f->is_repeated() ? index : -1);
  return child;
}

}  // namespace chaird
