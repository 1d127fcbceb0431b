// Errors are values with a place and a reason: "program.textproto:14:5: step 'x': ...".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace chaird {

enum class Severity { kError, kWarning };

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no line (a missing file, say)
  int column = 0;  // 1-based
};

struct Diagnostic {
  SourceLocation where;
  std::string message;
  Severity severity = Severity::kError;
  // How many problems this one stands for: more than 1 for the line that counts the errors a
  // file had past those listed ("30 more errors ... are not listed"), so counts stay true.
  std::size_t stands_for = 1;

  // "file:line:col: error: message" (the form compilers and editors understand).
  std::string to_string() const;
};

class Diagnostics {
 public:
  // stands_for: how many problems it counts (a line that counts those not listed).
  void error(SourceLocation where, std::string message, std::size_t stands_for = 1);
  void warning(SourceLocation where, std::string message);
  // Every text is kept as valid UTF-8 (an invalid sequence becomes U+FFFD).
  void add(Diagnostic d);
  void append(const Diagnostics& other);

  bool has_errors() const;
  // Every error and warning, counting those a listed one stands for (Diagnostic::stands_for).
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sorted by file, line, column; the order a reader fixes them in.
  void sort();
  // Every diagnostic on its own line.
  std::string to_string() const;
  // The first error, for places that can show one line only (a kiosk).
  std::string first_error() const;
  // At most `listed` of them, errors before warnings, each kind in the order it has here, and
  // when more than one is left out, one more that counts those (placed at the first of them,
  // last in the list): an answer of bounded size however many problems a file has, in which
  // what makes it invalid is never crowded out by warnings. Sort first. The count line counts
  // as the errors it stands for (or the warnings, when it stands for warnings only).
  Diagnostics first_listed(std::size_t listed) const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace chaird
