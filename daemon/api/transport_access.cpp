#include "transport_access.hpp"

#include <fmt/format.h>

#include "error_status.hpp"

namespace chaird::api {

std::optional<grpc::Status> refuse_over_tcp(const grpc::CallbackServerContext& context,
                                            std::string_view call) {
  const std::string peer = context.peer();
  if (peer.rfind("ipv4:", 0) != 0 && peer.rfind("ipv6:", 0) != 0) return std::nullopt;
  return to_status(Refusal{Refusal::Kind::kPermissionDenied,
                           fmt::format("{} is not served over TCP: there chaird answers only "
                                       "read-only calls about the chair and its programs, and "
                                       "EmergencyStop; use the Unix socket",
                                       call),
                           {},
                           {},
                           {}});
}

}  // namespace chaird::api
