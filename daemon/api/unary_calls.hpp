// Small pieces every unary handler of ChairControl uses.
#pragma once

#include <grpcpp/grpcpp.h>

namespace chaird::api {

// Answers the call at once, from the gRPC thread it arrived on.
inline grpc::ServerUnaryReactor* finish_now(grpc::CallbackServerContext* context,
                                            grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

}  // namespace chaird::api
