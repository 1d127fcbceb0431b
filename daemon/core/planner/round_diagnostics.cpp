#include "planner/round_diagnostics.hpp"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace chaird {
namespace {

struct Plain {
  std::string message;   // without its round tags
  long long rounds = 0;  // how many rounds the (innermost) tag counts in all; 0 without a tag
};

// Reads "k/n" or "k/n,k/n..." from text at i, up to a ')'; the product of the n's, or 0 when the
// text there is not a round tag.
long long read_rounds(const std::string& text, std::size_t i, std::size_t& end) {
  long long total = 1;
  while (true) {
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) ++i, ++digits;
    if (digits == 0 || i >= text.size() || text[i] != '/') return 0;
    ++i;
    long long n = 0;
    digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      if (n < 1'000'000'000) n = n * 10 + (text[i] - '0');
      ++i, ++digits;
    }
    if (digits == 0 || i >= text.size()) return 0;
    total = std::min(total * std::max(n, 1LL), 1'000'000'000'000LL);
    if (text[i] == ')') {
      end = i + 1;
      return total;
    }
    if (text[i] != ',') return 0;
    ++i;
  }
}

// "'drum (2/3)'" and "'knead (1/2,2/2)'", as program_expander names the rounds of a repeat,
// become "'drum'" and "'knead'". A plain scan: names can be a megabyte long.
Plain without_rounds(const std::string& message) {
  Plain out;
  std::size_t copied = 0;
  for (std::size_t open = message.find(" ("); open != std::string::npos;
       open = message.find(" (", open + 1)) {
    std::size_t end = 0;
    const long long rounds = read_rounds(message, open + 2, end);
    if (rounds == 0 || end >= message.size() || message[end] != '\'') continue;
    out.message.append(message, copied, open - copied);
    copied = end;
    out.rounds = rounds;
  }
  out.message.append(message, copied, std::string::npos);
  return out;
}

}  // namespace

Diagnostics collapse_rounds(const Diagnostics& d) {
  struct Kept {
    Diagnostic item;  // the first of its kind
    Plain plain;
    int times = 1;
  };
  using Key = std::tuple<Severity, std::string, int, int, std::string>;
  std::map<Key, std::size_t> seen;  // to its index in `kept`
  std::vector<Kept> kept;
  for (const auto& item : d.items()) {
    Plain p = without_rounds(item.message);
    // Exact repeats too: the expander checks a repeated step, before it has a round, each time.
    Key key{item.severity, item.where.file, item.where.line, item.where.column, p.message};
    const auto [at, fresh] = seen.emplace(std::move(key), kept.size());
    if (fresh) {
      kept.push_back({item, std::move(p)});
    } else {
      ++kept[at->second].times;
    }
  }
  Diagnostics out;
  for (auto& k : kept) {
    if (k.times > 1 && k.plain.rounds > 0)
      k.item.message =
          fmt::format("{} (in {} of {} rounds)", k.plain.message, k.times, k.plain.rounds);
    out.add(std::move(k.item));
  }
  return out;
}

}  // namespace chaird
