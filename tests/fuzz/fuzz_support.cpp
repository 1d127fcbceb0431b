#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/utf8_text.hpp"

namespace chaird::fuzz {

namespace {

// The shipped programs, so that include_program in a fuzzed program reaches real ones.
ProgramResolver shipped_programs() {
  auto programs = std::make_shared<std::map<std::string, ProgramRef, std::less<>>>();
  for (const auto& entry : std::filesystem::directory_iterator(source_path("sequences/programs"))) {
    if (entry.path().extension() != ".textproto") continue;
    auto program = read_program_file(entry.path().string());
    if (program) (*programs)[(*program)->id()] = *program;
  }
  return [programs](std::string_view id) -> ProgramRef {
    auto found = programs->find(id);
    return found == programs->end() ? nullptr : found->second;
  };
}

ReferenceSetup load_reference() {
  ReferenceSetup r;
  auto chair = ChairModel::load(source_path("sequences/chairs/generic_4d_sl.textproto"));
  if (!chair) finding("the reference chair does not load: " + chair.error().to_string());
  r.chair = *chair;
  Diagnostics refusals;
  r.catalog = std::make_shared<const TechniqueCatalog>(
      TechniqueCatalog::load({CHAIRD_PLUGIN_DIR}, refusals));
  if (refusals.has_errors() || r.catalog->names().empty()) {
    finding("the shipped plugins do not load: " + refusals.to_string());
  }
  r.governor = std::make_unique<SafetyGovernor>(r.chair, SessionLimits{});
  r.context.chair = r.chair;
  r.context.catalog = r.catalog;
  r.context.governor = r.governor.get();
  r.context.resolver = shipped_programs();
  return r;
}

}  // namespace

const ReferenceSetup& reference() {
  static const ReferenceSetup setup = load_reference();
  return setup;
}

std::string source_path(std::string_view relative) {
  return std::string(CHAIRD_SOURCE_DIR) + "/" + std::string(relative);
}

namespace {

// The scratch files' directory, removed when the fuzzer exits (in memory, it would otherwise
// hold its files until the machine restarts).
class ScratchDir {
 public:
  ScratchDir() {
    // In memory (/dev/shm) where there is one: on a disk file system, replacing a file flushes
    // it on close (ext4's auto_da_alloc), which was a tenth of the time of the file targets.
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path_ = base / ("chaird-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

const std::filesystem::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

std::string write_scratch_file(std::string_view name, const std::uint8_t* data, std::size_t size) {
  const auto path = scratch_dir() / std::string(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) finding("cannot write the scratch file " + path.string());
  return path.string();
}

void finding(const std::string& what) {
  std::fprintf(stderr, "chaird fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_diagnostics(const Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.items()) {
    if (d.message.empty()) finding("a diagnostic without a message at " + d.where.file);
    const std::string text = d.to_string();
    if (first_invalid_utf8(text) != std::string_view::npos) {
      finding("a diagnostic that is not valid UTF-8: " + valid_utf8(text));
    }
  }
  if (first_invalid_utf8(diagnostics.to_string()) != std::string_view::npos) {
    finding("diagnostics that are not valid UTF-8");
  }
}

}  // namespace chaird::fuzz
