#include "error_status.hpp"

#include <algorithm>

#include "common/utf8_text.hpp"

namespace chaird::api {
namespace {

// The message travels in a header (percent-encoded, within the client's metadata limit).
constexpr std::size_t kMaxStatusMessageBytes = 1000;
// The details travel in a trailer too, base64-encoded (4/3 larger), beside the message (up to
// 1000 bytes, percent-encoded): gRPC clients accept 8 KiB of metadata by default.
constexpr std::size_t kMaxDetailsBytes = 3000;
constexpr int kMaxBlocking = 16;
constexpr std::size_t kMaxDescriptionBytes = 300;
constexpr std::size_t kMaxNameBytes = 120;

grpc::StatusCode code_of(Refusal::Kind kind) {
  switch (kind) {
    case Refusal::Kind::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Refusal::Kind::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case Refusal::Kind::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case Refusal::Kind::kAborted:
      return grpc::StatusCode::ABORTED;
    case Refusal::Kind::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case Refusal::Kind::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    case Refusal::Kind::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case Refusal::Kind::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Refusal::Kind::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case Refusal::Kind::kDataLoss:
      return grpc::StatusCode::DATA_LOSS;
    case Refusal::Kind::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::UNKNOWN;
}

// What the person in the chair is told when the refusal says nothing for them.
const char* sitter_default(Refusal::Kind kind) {
  switch (kind) {
    case Refusal::Kind::kInvalidArgument:
      return "This screen asked the chair for something it cannot do. Please ask staff.";
    case Refusal::Kind::kNotFound:
      return "That choice is not available on this chair.";
    case Refusal::Kind::kFailedPrecondition:
      return "The chair cannot do that right now.";
    case Refusal::Kind::kAborted:
      return "That was cancelled before the chair moved.";
    case Refusal::Kind::kPermissionDenied:
      return "Another screen is controlling the chair.";
    case Refusal::Kind::kUnauthenticated:
      return "This screen is not signed in to the chair. Please ask staff.";
    case Refusal::Kind::kUnavailable:
    case Refusal::Kind::kResourceExhausted:
      return "The chair is busy. Please try again in a moment.";
    case Refusal::Kind::kAlreadyExists:
      return "That name is taken already. Please choose another one.";
    case Refusal::Kind::kDataLoss:
    case Refusal::Kind::kInternal:
      return "Something went wrong. Please ask staff.";
  }
  return "The chair cannot do that right now.";
}

std::string bounded(const std::string& text, std::size_t bytes) {
  return one_line(text, bytes);
}

chair::v1::BadRequest bad_request(const std::vector<FieldProblem>& fields, bool with_values) {
  chair::v1::BadRequest out;
  for (const auto& f : fields) {
    auto* v = out.add_field_violations();
    v->set_field(bounded(f.field, kMaxNameBytes));
    v->set_description(bounded(f.description, kMaxDescriptionBytes));
    v->set_reason(bounded(f.reason, kMaxNameBytes));
    if (f.min) v->set_min(*f.min);
    if (f.max) v->set_max(*f.max);
    if (with_values) {
      for (const auto& a : f.allowed_values) v->add_allowed_values(bounded(a, kMaxNameBytes));
    }
  }
  return out;
}

}  // namespace

const char* status_code_name(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const auto i = static_cast<std::size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

chair::v1::ErrorStatus error_status(const Refusal& refusal) {
  chair::v1::ErrorStatus out;
  out.set_code(static_cast<int>(code_of(refusal.kind)));
  out.set_message(cut_utf8(refusal.message, kMaxStatusMessageBytes));
  chair::v1::PreconditionFailure blocking;
  for (const auto& b : refusal.blocking) {
    if (blocking.violations_size() >= kMaxBlocking) break;
    auto* v = blocking.add_violations();
    v->set_type(bounded(b.type, kMaxNameBytes));
    v->set_subject(bounded(b.subject, kMaxNameBytes));
    v->set_description(bounded(b.description, kMaxDescriptionBytes));
  }
  chair::v1::LocalizedMessage sitter;
  sitter.set_locale("en");
  sitter.set_message(bounded(
      refusal.sitter_message.empty() ? sitter_default(refusal.kind) : refusal.sitter_message,
      kMaxDescriptionBytes));

  // Within the trailer's bound: first without the allowed values, then with fewer fields. A
  // kiosk that reads a shortened list still reads the first problems whole.
  std::size_t fields = refusal.fields.size();
  bool with_values = true;
  for (;;) {
    chair::v1::ErrorStatus candidate = out;
    if (fields > 0) {
      std::vector<FieldProblem> kept(refusal.fields.begin(),
                                     refusal.fields.begin() + static_cast<std::ptrdiff_t>(fields));
      candidate.add_details()->PackFrom(bad_request(kept, with_values));
    }
    if (blocking.violations_size() > 0) candidate.add_details()->PackFrom(blocking);
    candidate.add_details()->PackFrom(sitter);
    const std::size_t size = candidate.ByteSizeLong();
    if (size <= kMaxDetailsBytes) return candidate;
    if (fields == 0) {
      // Only what blocks the call is left to shorten: the first causes are kept.
      if (blocking.violations_size() == 0) return candidate;
      blocking.mutable_violations()->RemoveLast();
      continue;
    }
    if (with_values) {
      with_values = false;
    } else {
      // In proportion first (a thousand bad answers), then one by one.
      fields = std::min(fields - 1, fields * kMaxDetailsBytes / size);
    }
  }
}

grpc::Status to_status(const Refusal& refusal) {
  const chair::v1::ErrorStatus details = error_status(refusal);
  return {code_of(refusal.kind), details.message(), details.SerializeAsString()};
}

}  // namespace chaird::api
