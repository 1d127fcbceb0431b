// Every refused call is logged with who asked and why: a gRPC server interceptor sees each
// call's final status, whichever handler or thread finished it, so no refusal can slip past.
// Who: on chaird's Unix socket, the peer's uid, gid and pid as the socket saw them when it
// accepted the connection; over TCP, the peer's address; and with tokens, the token's name.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <string>

namespace chaird::api {

// The codes that are a refusal (a cancelled call or a client's deadline is the client's own
// doing, and an OK is no refusal).
bool is_refusal(grpc::StatusCode code);

class RefusalLogFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // describe says who made a call (from its peer string, "fd:12" or "ipv4:127.0.0.1:40000",
  // and its token); it is called on gRPC's threads only, never on the dispatch thread.
  using Describe = std::function<std::string(const grpc::ServerContextBase& context)>;
  explicit RefusalLogFactory(Describe describe) : describe_(std::move(describe)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Describe describe_;
};

}  // namespace chaird::api
