#include "heat_dose.hpp"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <fstream>

#include "common/time_bound.hpp"
#include "common/utf8_text.hpp"

namespace chaird {
namespace {

constexpr std::int64_t kTwoDaysMs = 2 * kDayMs;

// Ms from `then` to `now`: 0 for a time after now, at most two days; any values, without
// overflow.
std::int64_t age_ms(std::int64_t then, std::int64_t now) {
  if (then >= now) return 0;
  if (then < now - kTwoDaysMs) return kTwoDaysMs;
  return now - then;
}

}  // namespace

std::string read_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return one_plain_line(id) && id.size() <= 64 ? id : std::string();
}

MachineTime machine_now(const std::string& boot_id) {
  MachineTime t;
  t.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  timespec boot{};
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  t.boot_ms = static_cast<std::int64_t>(boot.tv_sec) * 1000 + boot.tv_nsec / 1'000'000;
  t.boot_id = boot_id;
  return t;
}

std::vector<store::HeatSpan> heat_spans_to_keep(const EnergyHistory& history,
                                                const ChairModel& chair, const MachineTime& at) {
  std::vector<store::HeatSpan> out;
  for (std::size_t i = 0; i < history.heat_on.size(); ++i) {
    const auto& id = chair.actuator(static_cast<ActuatorIndex>(i)).id;
    for (const auto& [began, ended] : history.heat_on[i]) {
      const std::int64_t began_ago = to_ms(history.at - began);
      const std::int64_t ended_ago = to_ms(history.at - ended);
      out.push_back({id, at.unix_ms - began_ago, at.unix_ms - ended_ago, at.boot_id,
                     at.boot_ms - began_ago, at.boot_ms - ended_ago});
    }
  }
  return out;
}

EarlierHeat earlier_heat(const std::vector<store::HeatSpan>& rows, const ChairModel& chair,
                         ChairTime chair_now, const MachineTime& now) {
  EarlierHeat out;
  out.heat_on.resize(chair.actuator_count());
  for (const auto& row : rows) {
    const auto leave_out = [&](std::string_view why) {
      out.left_out.push_back(fmt::format("{} from {} to {} (unix ms): {}", excerpt(row.actuator),
                                         row.began_unix_ms, row.ended_unix_ms, why));
    };
    const auto index = chair.find(row.actuator);
    if (!index) {
      leave_out("the chair has no such actuator");
      continue;
    }
    if (chair.actuator(*index).kind != chair::v1::TEMPERATURE) {
      leave_out("it is not a heater");
      continue;
    }
    // Within this boot, the boot clock, which no one sets; across a reboot, the wall clock.
    const bool same_boot = !now.boot_id.empty() && row.boot_id == now.boot_id;
    const std::int64_t began = same_boot ? row.began_boot_ms : row.began_unix_ms;
    const std::int64_t ended = same_boot ? row.ended_boot_ms : row.ended_unix_ms;
    if (ended < began) {
      leave_out("it ends before it begins");
      continue;
    }
    // Unsigned: well defined for any two values, and ended >= began.
    const auto length = static_cast<std::int64_t>(std::min<std::uint64_t>(
        static_cast<std::uint64_t>(ended) - static_cast<std::uint64_t>(began), kTwoDaysMs));
    const std::int64_t ended_ago = age_ms(ended, same_boot ? now.boot_ms : now.unix_ms);
    if (ended_ago >= kDayMs) continue;  // out of every window
    out.heat_on[static_cast<std::size_t>(*index)].emplace_back(
        chair_now - std::chrono::milliseconds(ended_ago + length),
        chair_now - std::chrono::milliseconds(ended_ago));
    ++out.kept;
  }
  return out;
}

}  // namespace chaird
