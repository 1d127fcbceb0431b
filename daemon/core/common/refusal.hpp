// Why a request was refused, in words a kiosk can show, with the kind of refusal (which the
// API maps to a gRPC status code).
#pragma once

#include <string>

namespace chaird {

struct Refusal {
  enum class Kind {
    kInvalidArgument,
    kNotFound,
    kFailedPrecondition,
    kAborted,           // overtaken by another call (a stop cancelled a start being prepared)
    kPermissionDenied,  // another app controls the session
    kUnavailable,
    kInternal
  };
  Kind kind = Kind::kFailedPrecondition;
  std::string message;
};

}  // namespace chaird
