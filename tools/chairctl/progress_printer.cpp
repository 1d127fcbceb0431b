#include "progress_printer.hpp"

#include <fmt/format.h>

#include <cmath>

namespace chairctl {

std::string mmss(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(0, (ms + 500) / 1000);
  return fmt::format("{:02d}:{:02d}", s / 60, s % 60);
}

bool ProgressPrinter::is_final(chair::v1::SessionState s) {
  return s == chair::v1::COMPLETED || s == chair::v1::STOPPED || s == chair::v1::FAULTED ||
         s == chair::v1::EMERGENCY_STOPPED;
}

std::string ProgressPrinter::line(const chair::v1::SessionStatus& s) {
  std::string out = fmt::format("[{} / {}] {:<9}", mmss(s.elapsed_ms()), mmss(s.total_ms()),
                                chair::v1::SessionState_Name(s.state()));
  if (s.state() == chair::v1::RUNNING) {
    out += fmt::format(" step {}/{}", s.step_index(), s.step_count());
    for (const auto& a : s.active_steps()) {
      out += fmt::format(" | {} on {} ({})", a.technique(), a.zone(), a.name());
    }
  }
  std::string active;
  for (const auto& a : s.actuators()) {
    if (!a.active()) continue;
    active += fmt::format("{}{} {:.0f}{}{}", active.empty() ? "" : ", ", a.id(), a.measured(),
                          a.unit().empty() ? "" : " ", a.unit());
  }
  if (!active.empty()) out += " | active: " + active;
  if (s.state() == chair::v1::RUNNING) out += fmt::format(" | {} left", mmss(s.remaining_ms()));
  if (!s.reason().empty() && s.state() != chair::v1::RUNNING) out += " | " + s.reason();
  return out;
}

std::string ProgressPrinter::update(const chair::v1::SessionStatus& s) {
  std::string steps;
  for (const auto& a : s.active_steps()) steps += a.name() + ";";
  const bool changed = steps != last_steps_ || s.state() != last_state_;
  const bool due = last_printed_ms_ < 0 || s.elapsed_ms() - last_printed_ms_ >= every_ms_;
  if (!changed && !due) return {};
  last_steps_ = steps;
  last_state_ = s.state();
  last_printed_ms_ = s.elapsed_ms();
  return line(s);
}

}  // namespace chairctl
