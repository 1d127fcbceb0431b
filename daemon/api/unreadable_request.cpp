#include "unreadable_request.hpp"

#include <fmt/format.h>

#include "common/refusal.hpp"
#include "common/utf8_text.hpp"
#include "error_status.hpp"
#include "wire/request_reading.hpp"

namespace chaird::api {
namespace {

// Paths come from chaird's own reading, but the field that carries them could be sent by a
// client too: shown only as one short line.
constexpr std::size_t kMaxPathBytes = 200;

}  // namespace

std::optional<grpc::Status> unreadable_request(const google::protobuf::Message& request) {
  const auto unreadable = chair::wire::unreadable_fields(request);
  if (unreadable.empty()) return std::nullopt;
  Refusal refusal{Refusal::Kind::kInvalidArgument, {}};
  for (const auto& raw : unreadable) {
    const std::string path = one_line(raw, kMaxPathBytes);
    if (path.empty()) {
      const std::string why =
          fmt::format("the request is not a {} message", request.GetDescriptor()->full_name());
      refusal.fields.push_back({"", why, "NOT_A_MESSAGE", {}, {}, {}});
    } else {
      refusal.fields.push_back(
          {path, fmt::format("{} is not valid UTF-8 text", path), "INVALID_UTF8", {}, {}, {}});
    }
  }
  std::string message;
  for (const auto& f : refusal.fields) message += (message.empty() ? "" : "; ") + f.description;
  refusal.message = cut_utf8(message, 600);
  return to_status(refusal);
}

}  // namespace chaird::api
