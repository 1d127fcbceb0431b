// A reason to stop the chair at once, as a value that cannot be ignored: every safety check
// returns std::optional<SafetyTrip> marked [[nodiscard]], so a caller that forgets to look does
// not compile (tests/compile_fail).
#pragma once

#include <cstdint>
#include <string>

#include "chair/v1/control.pb.h"
#include "clock/chair_time.hpp"

namespace chaird {

struct SafetyTrip {
  chair::v1::FaultCode code = chair::v1::BOARD_FAULT;
  std::string reason;  // in words a kiosk can show
  ChairTime at{};
  // The part it concerns (an actuator's id); empty for the chair as a whole.
  std::string part = {};
};

// The code of a board's fault bits (BoardFault), the most specific one first.
chair::v1::FaultCode fault_code_of_board(std::uint32_t bits);

}  // namespace chaird
