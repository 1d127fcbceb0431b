// The programs chaird offers: every *.textproto in the configured directories that checks out
// on this chair (planned for the default body and accepted by the governor). A program with any
// problem is refused with its diagnostics and leaves nothing behind; an immutable snapshot is
// shared by every thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "library/program_checker.hpp"

namespace chaird {

struct LibraryEntry {
  ProgramRef program;
  std::int64_t planned_duration_ms = 0;
  std::uint32_t step_count = 0;
  // Saved through the API (chaird's database), not shipped in a program directory.
  bool custom = false;
  std::int64_t saved_at_unix_ms = 0;
};

// A custom program as chaird's database holds it.
struct CustomProgramText {
  std::string id;
  std::string text;
  std::int64_t saved_at_unix_ms = 0;
};

// How a custom program is named in diagnostics and summaries.
std::string custom_program_path(std::string_view id);

class ProgramLibrary {
 public:
  // context.resolver is ignored: programs include each other from within the library.
  // refusals gets an error for every problem of a refused program, and a warning for every
  // note of an accepted one (what a technique left out on this chair).
  // custom: the programs saved through the API, checked like the others; one whose id a
  // shipped program has (an update brought it) is refused, the shipped one kept.
  static std::shared_ptr<const ProgramLibrary> load(
      const std::vector<std::string>& dirs, const ProgramCheckContext& context,
      Diagnostics& refusals, const std::vector<CustomProgramText>& custom = {});
  // A new snapshot with entry added, or in place of the entry with its id.
  std::shared_ptr<const ProgramLibrary> with(LibraryEntry entry) const;
  // A new snapshot without the entry with this id.
  std::shared_ptr<const ProgramLibrary> without(std::string_view id) const;
  // The entries whose program includes the program with this id (directly).
  std::vector<const LibraryEntry*> including(std::string_view id) const;

  const LibraryEntry* find(std::string_view id) const;
  const std::vector<LibraryEntry>& entries() const { return entries_; }  // by id
  // Resolves include_program against this library; keeps the library alive.
  static ProgramResolver resolver(std::shared_ptr<const ProgramLibrary> library);

 private:
  std::vector<LibraryEntry> entries_;
};

}  // namespace chaird
