// Plugins run inside the daemon that moves the chair, so whoever can replace a plugin file can
// move it. Like sshd with key files, chaird refuses plugin directories and files that anyone
// but their owner (root or the daemon's own user) can write.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace chaird {

// nullopt when the path is safe to load from; otherwise the reason, naming path and mode.
std::optional<std::string> loose_permissions(const std::filesystem::path& path);

}  // namespace chaird
