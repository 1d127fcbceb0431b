// Live session progress for people: one line per step change and every few seconds of chair
// time, with the step, the zone, the actuators at work and the time left.
#pragma once

#include <cstdint>
#include <string>

#include "chair/v1/control.pb.h"

namespace chairctl {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::int64_t every_ms = 10000) : every_ms_(every_ms) {}
  // Returns the line to print for this status, or empty when nothing worth a line changed.
  std::string update(const chair::v1::SessionStatus& status);
  static std::string line(const chair::v1::SessionStatus& status);
  static bool is_final(chair::v1::SessionState state);

 private:
  std::int64_t every_ms_;
  std::string last_steps_;
  chair::v1::SessionState last_state_ = chair::v1::SESSION_STATE_UNSPECIFIED;
  std::int64_t last_printed_ms_ = -1;
};

std::string mmss(std::int64_t ms);

}  // namespace chairctl
