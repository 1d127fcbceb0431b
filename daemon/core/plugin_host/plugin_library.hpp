// Loading one technique plugin library through Boost.DLL.
//
// Order matters: permissions, then discovery from the file alone (no code of the library runs),
// then dlopen with RTLD_NOW (so a missing symbol is an error now, with the loader's text, not a
// crash later), then the extern "C" record (ABI version), and only then the factory.
#pragma once

#include <atomic>
#include <chaird/plugin_sdk.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/expected.hpp"

namespace chaird {

struct PluginDiscovery {
  std::string path;
  // Boost.DLL aliases the library exports (its "boostdll" section).
  std::vector<std::string> aliases;
  bool has_record = false;
};

// Reads the library's symbol tables without loading it.
Expected<PluginDiscovery, std::string> discover_plugin(const std::filesystem::path& path);

struct LoadedTechnique {
  std::string name;
  std::string version;
  std::string path;
  std::uint32_t abi_version = 0;
  sdk::TechniqueDescription description;
  // The library stays loaded for as long as this object (or any copy of the pointer) lives.
  std::shared_ptr<const sdk::Technique> technique;
  // Set when a call into the technique hung and was abandoned: its thread may still be stuck in
  // it, so it is not called again until chaird restarts. Shared by every copy.
  std::shared_ptr<std::atomic<bool>> hung = std::make_shared<std::atomic<bool>>(false);
};

// Loads, checks and instantiates the technique; the error names the path and the reason.
Expected<LoadedTechnique, std::string> load_technique(const std::filesystem::path& path);

// Checks a description for what the host relies on; empty when it is sound.
std::string check_description(const sdk::TechniqueDescription& d);

}  // namespace chaird
