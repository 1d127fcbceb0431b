// What the fuzz targets share: the reference chair with the real technique plugins (as chaird
// loads them at start-up), scratch files for the loaders that read real files, and the checks
// every target makes on what comes back (diagnostics a kiosk can show).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/diagnostic.hpp"
#include "library/program_checker.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "safety/safety_governor.hpp"

namespace chaird::fuzz {

struct ReferenceSetup {
  std::shared_ptr<const ChairModel> chair;
  std::shared_ptr<const TechniqueCatalog> catalog;
  std::unique_ptr<SafetyGovernor> governor;
  ProgramCheckContext context;  // chair, catalog, governor and the shipped programs to include
};

// Loaded once per process; aborts when the chair or a plugin is missing (a fuzzer without them
// would explore nothing of the planner).
const ReferenceSetup& reference();

std::string source_path(std::string_view relative);  // under the source tree

// This process's scratch directory: in memory (/dev/shm) where there is one, removed at exit.
const std::filesystem::path& scratch_dir();

// Writes data to a file of this process's scratch directory (the loaders read real files) and
// returns its path. The same name is overwritten by the next input.
std::string write_scratch_file(std::string_view name, const std::uint8_t* data, std::size_t size);

// A finding: prints what broke and aborts, so that libFuzzer saves the input.
[[noreturn]] void finding(const std::string& what);

// Every diagnostic must be valid UTF-8 on one line per message: they go to a kiosk's screen and
// into protobuf string fields, which refuse invalid UTF-8.
void check_diagnostics(const Diagnostics& diagnostics);

}  // namespace chaird::fuzz
