// Why a request was refused, in words a kiosk can show, with the kind of refusal (which the
// API maps to a gRPC status code) and, when known, the structure a kiosk acts on: which fields
// are wrong and what they allow, what in the chair's state or the sitter's answers blocks the
// call, and a message for the sitter.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace chaird {

// One invalid field of a request.
struct FieldProblem {
  std::string field;        // its path: "body_scan.height_cm", "health_conditions[2]"
  std::string description;  // what is wrong and what is allowed
  std::string reason;       // REQUIRED, OUT_OF_RANGE, NOT_A_NUMBER, UNKNOWN_VALUE, TOO_LONG, ...
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> allowed_values;
};

// One thing that blocks the call (docs/api.md, "Errors", lists the types).
struct BlockingCondition {
  std::string type;  // SESSION_STATE, CONTRAINDICATION, PROGRAM_CHECK, CHAIR_FAULT, SEAT
  std::string subject;
  std::string description;
};

struct Refusal {
  enum class Kind {
    kInvalidArgument,
    kNotFound,
    kFailedPrecondition,
    kAborted,           // overtaken by another call (a stop cancelled a start being prepared)
    kPermissionDenied,  // another app controls the session; the caller's role may not
    kUnauthenticated,   // no token, or one chaird does not know
    kUnavailable,
    kResourceExhausted,  // too many of something at once (status streams)
    kAlreadyExists,      // a name taken already (a custom program's id)
    kDataLoss,           // stored data chaird cannot use (changed by another program)
    kInternal
  };
  Kind kind = Kind::kFailedPrecondition;
  std::string message;
  std::vector<FieldProblem> fields = {};
  std::vector<BlockingCondition> blocking = {};
  // For the person in the chair; empty: the API says something fitting the kind.
  std::string sitter_message = {};
};

}  // namespace chaird
