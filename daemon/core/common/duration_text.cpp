#include "common/duration_text.hpp"

#include <fmt/format.h>

namespace chaird {

std::string format_mmss(std::int64_t ms) {
  const std::int64_t s = (ms + 500) / 1000;
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

std::string format_mmss_exact(std::int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const std::int64_t magnitude = ms < 0 ? -ms : ms;
  const std::int64_t s = magnitude / 1000;
  std::string text = fmt::format("{}{}:{:02d}", sign, s / 60, s % 60);
  if (const std::int64_t part = magnitude % 1000; part != 0) {
    std::string digits = fmt::format("{:03d}", part);
    while (digits.back() == '0') digits.pop_back();
    text += "." + digits;
  }
  return text;
}

}  // namespace chaird
