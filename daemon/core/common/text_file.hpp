// Reading protobuf text-format files (programs, chair profiles, configuration) with every error
// placed at file:line:column, and locating fields afterwards for semantic errors.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/diagnostic.hpp"

namespace chaird {

struct TextFileLimits {
  // Larger files are refused before they are read (docs/programs.md, "Limits").
  std::size_t max_bytes = 1u << 20;
  // Deeper message nesting is refused by the parser instead of exhausting the stack.
  int max_nesting = 24;
  // Syntax errors (tokenizer and parser, unknown fields among them) listed per file; the rest
  // are counted in one more error. A person fixes the first few and checks again (clang stops
  // at 20 too), and placing each error scans the text before it, so listing every one of a
  // megabyte's took a minute. Errors found after the parse (limits, names) are not capped here.
  std::size_t max_errors = 20;
};

using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

// The locations recorded while parsing one file.
struct TextFileSource {
  std::string path;
  std::shared_ptr<ParseInfoTree> tree;
};

// Parses text into message. On any error the message is cleared (a failed parse leaves it
// half-filled) and the diagnostics say where and what was expected. Unknown fields are all
// reported, not just the first, up to limits.max_errors.
Diagnostics parse_text(std::string_view text, const std::string& path,
                       google::protobuf::Message& message, ParseInfoTree* tree,
                       const TextFileLimits& limits = {});

// Reads a file (refusing missing, unreadable, non-regular and oversized ones) and parses it.
Diagnostics parse_text_file(const std::string& path, google::protobuf::Message& message,
                            ParseInfoTree* tree, const TextFileLimits& limits = {});

// Finds where a field of a parsed message was written, to place semantic errors.
// A Locator for a message that was not parsed from text (an API payload) gives the file name
// (or nothing) without a line.
class Locator {
 public:
  Locator() = default;
  Locator(const TextFileSource& source, const google::protobuf::Descriptor* descriptor);

  // The message's own location (where its field name was written in the parent).
  SourceLocation self() const { return self_; }
  // Where field (index for repeated fields) was written, or this message's location.
  SourceLocation at(std::string_view field, int index = -1) const;
  // The locator of a nested message field.
  Locator nested(std::string_view field, int index = -1) const;

 private:
  const google::protobuf::FieldDescriptor* field(std::string_view name) const;

  std::shared_ptr<ParseInfoTree> root_;  // keeps the tree alive
  const ParseInfoTree* tree_ = nullptr;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  SourceLocation self_;
};

}  // namespace chaird
