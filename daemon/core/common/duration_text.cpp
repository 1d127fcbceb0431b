#include "common/duration_text.hpp"

#include <fmt/format.h>

namespace chaird {

std::string format_mmss(std::int64_t ms) {
  const std::int64_t s = (ms + 500) / 1000;
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

}  // namespace chaird
