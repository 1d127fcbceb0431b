#include "planner/round_diagnostics.hpp"

#include <fmt/format.h>

#include <map>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

namespace chaird {
namespace {

// "'drum (2/3)'" and "'knead (1/2,2/2)'" as program_expander names the rounds of a repeat.
std::string without_rounds(const std::string& message) {
  static const std::regex kRound(R"('([^']*) \(\d+/\d+(?:,\d+/\d+)*\)')");
  return std::regex_replace(message, kRound, "'$1'");
}

}  // namespace

Diagnostics collapse_rounds(const Diagnostics& d) {
  using Key = std::tuple<Severity, std::string, int, int, std::string>;
  std::map<Key, std::size_t> seen;  // to its index in `kept`
  std::vector<Diagnostic> kept;
  std::vector<int> rounds;
  for (const auto& item : d.items()) {
    std::string plain = without_rounds(item.message);
    Key key{item.severity, item.where.file, item.where.line, item.where.column, plain};
    if (plain == item.message) {
      kept.push_back(item);
      rounds.push_back(1);
      continue;
    }
    const auto [at, fresh] = seen.emplace(std::move(key), kept.size());
    if (fresh) {
      kept.push_back(item);
      rounds.push_back(1);
    } else {
      ++rounds[at->second];
    }
  }
  Diagnostics out;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    Diagnostic item = kept[i];
    if (rounds[i] > 1)
      item.message = fmt::format("{} (in {} rounds)", without_rounds(item.message), rounds[i]);
    out.add(std::move(item));
  }
  return out;
}

}  // namespace chaird
