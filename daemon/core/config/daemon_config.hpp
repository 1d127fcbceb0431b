// chaird's configuration: a text-format DaemonConfig whose every field has a default, so that
// chaird runs with no file at all. Paths default to the layout beside the chaird executable
// (bin/, lib/chaird/plugins/, share/chaird/), the same in the build tree and an install.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "chair/v1/config.pb.h"
#include "common/diagnostic.hpp"
#include "common/expected.hpp"

namespace chaird {

// The directory above the one holding the running executable.
std::filesystem::path install_root();

// /run/chaird/chaird.sock for root, else $XDG_RUNTIME_DIR/chaird.sock, else /tmp/chaird-<uid>.sock.
std::string default_socket_path();

// /var/lib/chaird for root, else $XDG_STATE_HOME/chaird, else $HOME/.local/state/chaird; empty
// without a home (chaird then asks for state_dir rather than guess a shared place like /tmp).
std::string default_state_dir();

// root/lib/chaird/plugins and root/share/chaird, with the library directory the build was
// configured with (lib/x86_64-linux-gnu on a Debian /usr install).
std::filesystem::path default_plugin_dir(const std::filesystem::path& root);
std::filesystem::path default_data_dir(const std::filesystem::path& root);

chair::v1::DaemonConfig default_config(const std::filesystem::path& root);

// Reads path (if given) over the defaults, applies overrides (the command line), and checks the
// result: a default that the command line replaces is not checked.
Expected<chair::v1::DaemonConfig, Diagnostics> load_config(
    const std::optional<std::string>& path, const std::filesystem::path& root,
    const std::function<void(chair::v1::DaemonConfig&)>& overrides = {});

// The configuration as a text-format file that chaird reads back, every field written out,
// those left at zero too (chaird --print-config).
std::string config_text(const chair::v1::DaemonConfig& config);

// Checks a complete configuration (after defaults and command-line overrides).
Diagnostics check_config(const chair::v1::DaemonConfig& config, const std::string& source);

}  // namespace chaird
