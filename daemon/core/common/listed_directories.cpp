#include "common/listed_directories.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace chaird {

std::optional<std::string> ListedDirectories::already_listed(const std::string& dir) {
  const auto same = std::find_if(dirs_.begin(), dirs_.end(), [&](const std::string& before) {
    std::error_code ec;  // one that cannot be looked at is not the same
    return std::filesystem::equivalent(dir, before, ec);
  });
  if (same == dirs_.end()) {
    dirs_.push_back(dir);
    return std::nullopt;
  }
  return "is the same directory as " + *same + ", listed before it; its files are read once";
}

std::string name_a_few(const std::vector<std::string>& paths, std::size_t shown) {
  std::string text;
  const std::size_t named = std::min(paths.size(), shown);
  for (std::size_t i = 0; i < named; ++i) {
    const bool last = i + 1 == paths.size();
    text += (i == 0 ? "" : last ? " and " : ", ") + paths[i];
  }
  if (paths.size() > named) text += fmt::format(" and {} more", paths.size() - named);
  return text;
}

std::string how_many(std::size_t n) {
  return n == 2 ? "two" : std::to_string(n);
}

}  // namespace chaird
