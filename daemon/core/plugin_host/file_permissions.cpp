#include "plugin_host/file_permissions.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace chaird {

std::optional<std::string> loose_permissions(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fmt::format("{}: {}", path.string(), std::strerror(errno));
  }
  const unsigned mode = st.st_mode & 07777u;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    const char* who = (st.st_mode & S_IWOTH) != 0 ? "others" : "its group";
    return fmt::format(
        "{} is writable by {} (mode {:04o}); chaird refuses plugins that anyone "
        "but their owner can replace (fix: chmod go-w {})",
        path.string(), who, mode, path.string());
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return fmt::format("{} is owned by uid {}, neither root nor chaird's user (uid {})",
                       path.string(), st.st_uid, ::geteuid());
  }
  return std::nullopt;
}

}  // namespace chaird
