// A request that held text which is not UTF-8, or bytes that are not the message at all
// (protos/wire/request_reading.hpp), is refused before anything else is done with it.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <optional>

namespace chaird::api {

// INVALID_ARGUMENT naming every unreadable field (reason INVALID_UTF8), or the message as a
// whole (reason NOT_A_MESSAGE); nothing when the request was read whole.
std::optional<grpc::Status> unreadable_request(const google::protobuf::Message& request);

}  // namespace chaird::api
