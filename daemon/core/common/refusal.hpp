// Why a request was refused, in words a kiosk can show, with the kind of refusal (which the
// API maps to a gRPC status code).
#pragma once

#include <string>

namespace chaird {

struct Refusal {
  enum class Kind { kInvalidArgument, kNotFound, kFailedPrecondition, kUnavailable, kInternal };
  Kind kind = Kind::kFailedPrecondition;
  std::string message;
};

}  // namespace chaird
