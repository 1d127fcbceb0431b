// What a call may do depends on how it arrived. Until tokens and TLS arrive, the loopback TCP
// listener serves only calls that cannot move the chair, and EmergencyStop; the Unix socket,
// whose peers chaird checks itself (unix_listener.hpp), serves everything.
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string_view>

namespace chaird::api {

// The refusal for a call that may move the chair when it came over TCP, or nothing.
std::optional<grpc::Status> refuse_over_tcp(const grpc::CallbackServerContext& context,
                                            std::string_view call);

}  // namespace chaird::api
