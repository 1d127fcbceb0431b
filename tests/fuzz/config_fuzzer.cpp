// chaird's configuration file (--config), read over the defaults and checked whole.
#include <filesystem>

#include "config/daemon_config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird;
  const std::string path = fuzz::write_scratch_file("chaird.conf", data, size);
  auto config = load_config(path, std::filesystem::path(CHAIRD_BINARY_DIR));
  if (!config) {
    fuzz::check_diagnostics(config.error());
    return 0;
  }
  // What chaird --print-config writes must read back to the same configuration.
  const std::string text = config_text(*config);
  const std::string again_path = fuzz::write_scratch_file(
      "chaird-again.conf", reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  auto again = load_config(again_path, std::filesystem::path(CHAIRD_BINARY_DIR));
  if (!again)
    fuzz::finding("--print-config's text does not read back: " + again.error().to_string());
  if (again->SerializeAsString() != config->SerializeAsString()) {
    fuzz::finding("--print-config's text reads back to another configuration:\n" + text);
  }
  return 0;
}
