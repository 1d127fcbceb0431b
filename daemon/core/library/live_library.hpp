// The library chaird offers now. Custom programs come and go (SaveProgram, DeleteProgram):
// each change makes a new immutable snapshot, and a reader keeps the snapshot it took for as
// long as it needs it (a start planned from a program deleted meanwhile still runs).
#pragma once

#include <atomic>
#include <memory>

#include "common/shared_snapshot.hpp"
#include "library/program_library.hpp"

namespace chaird {

class LiveLibrary {
 public:
  explicit LiveLibrary(std::shared_ptr<const ProgramLibrary> initial)
      : current_(std::move(initial)) {}
  LiveLibrary(const LiveLibrary&) = delete;
  LiveLibrary& operator=(const LiveLibrary&) = delete;

  std::shared_ptr<const ProgramLibrary> current() const { return current_.load(); }
  // One writer at a time (the caller sees to it).
  void replace(std::shared_ptr<const ProgramLibrary> next) { current_.store(std::move(next)); }
  // Resolves include_program against the library current at each call.
  ProgramResolver resolver() const {
    return [this](std::string_view id) -> ProgramRef {
      const auto library = current();
      const LibraryEntry* e = library->find(id);
      return e == nullptr ? nullptr : e->program;
    };
  }

 private:
  SharedSnapshot<const ProgramLibrary> current_;
};

}  // namespace chaird
