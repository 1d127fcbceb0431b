// Directories a configuration lists, and files that clash across them: each directory is read
// once, and a clash among n files is told in text that grows with n, not n².
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace chaird {

class ListedDirectories {
 public:
  // Nothing when dir is new (it is remembered); otherwise why it is skipped: it is the same
  // directory as one listed before (another spelling, a link). Read twice, every file in it
  // would meet itself as another file of its name, and all would be refused.
  std::optional<std::string> already_listed(const std::string& dir);

 private:
  std::vector<std::string> dirs_;
};

// "a, b, c and 4 more": the first few of paths, in order.
std::string name_a_few(const std::vector<std::string>& paths, std::size_t shown = 3);
// How many files clash, as a refusal says it: "two", else the number.
std::string how_many(std::size_t n);

}  // namespace chaird
