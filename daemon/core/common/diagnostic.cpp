#include "common/diagnostic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "common/utf8_text.hpp"

namespace chaird {

std::string Diagnostic::to_string() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  if (!out.empty()) out += ": ";
  out += severity == Severity::kError ? "error: " : "warning: ";
  out += message;
  return out;
}

void Diagnostics::error(SourceLocation where, std::string message, std::size_t stands_for) {
  add({std::move(where), std::move(message), Severity::kError, stands_for});
}

void Diagnostics::warning(SourceLocation where, std::string message) {
  add({std::move(where), std::move(message), Severity::kWarning});
}

void Diagnostics::add(Diagnostic d) {
  // Messages quote what they read (the parser quotes the byte it stopped at, which may be the
  // first of a character's several) and files are named as found on disk; both go to a kiosk's
  // screen and into the API's string fields, which must be valid UTF-8.
  if (first_invalid_utf8(d.message) != std::string_view::npos) d.message = valid_utf8(d.message);
  if (first_invalid_utf8(d.where.file) != std::string_view::npos) {
    d.where.file = valid_utf8(d.where.file);
  }
  items_.push_back(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

namespace {

std::size_t count_of(const std::vector<Diagnostic>& items, Severity severity) {
  std::size_t n = 0;
  for (const auto& d : items) {
    if (d.severity == severity) n += d.stands_for;
  }
  return n;
}

}  // namespace

std::size_t Diagnostics::error_count() const {
  return count_of(items_, Severity::kError);
}

std::size_t Diagnostics::warning_count() const {
  return count_of(items_, Severity::kWarning);
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.to_string();
    out += '\n';
  }
  return out;
}

std::string Diagnostics::first_error() const {
  for (const auto& d : items_) {
    if (d.severity == Severity::kError) return d.to_string();
  }
  return {};
}

Diagnostics Diagnostics::first_listed(std::size_t listed) const {
  if (items_.size() <= listed + 1) return *this;
  Diagnostics out;
  std::vector<Diagnostic> rest;
  // Errors first: a file with a hundred warnings before its one error must still show it.
  for (const Severity kind : {Severity::kError, Severity::kWarning}) {
    for (const auto& d : items_) {
      if (d.severity != kind) continue;
      if (out.items_.size() < listed) {
        out.items_.push_back(d);
      } else {
        rest.push_back(d);
      }
    }
  }
  const std::size_t errors = count_of(rest, Severity::kError);
  const std::size_t warnings = count_of(rest, Severity::kWarning);
  const auto counted = [](std::size_t n, const char* what) {
    return fmt::format("{} more {}{}", n, what, n == 1 ? "" : "s");
  };
  std::string what;
  if (errors > 0) what = counted(errors, "error");
  if (errors > 0 && warnings > 0) what += " and ";
  if (warnings > 0) what += counted(warnings, "warning");
  // Placed at the first it leaves out. It counts the errors it stands for, so that
  // error_count() stays true; the warnings it mentions are left out of warning_count() when it
  // carries errors too.
  const auto first = std::min_element(rest.begin(), rest.end(), [](const auto& a, const auto& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
  out.items_.push_back({first->where,
                        fmt::format("{} {} not listed: fix the ones above and check again", what,
                                    errors + warnings == 1 ? "is" : "are"),
                        errors > 0 ? Severity::kError : Severity::kWarning,
                        errors > 0 ? errors : warnings});
  return out;
}

}  // namespace chaird
