// Who may make which call (docs/security.md). Every handler of ChairControl and SimBench asks
// admit() before it reads its request, so a caller without the right learns nothing from the
// call and moves nothing.
//
// With a tokens file, every call needs "authorization: Bearer <token>" on every listener, and
// the token's role decides. Without one, only the Unix socket is served (a TCP listener needs
// TLS and tokens, daemon_config.cpp), and its peers, whose user chaird checked as it accepted
// them (unix_listener.hpp), may do everything. EmergencyStop is served to every caller that can
// reach the chair, token or not. Health and reflection are other services and stay open.
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/roles.hpp"
#include "access/token_file.hpp"
#include "common/expected.hpp"

namespace chaird::api {

// Which callers a method serves.
struct MethodRule {
  std::string_view method;  // "/chair.v1.ChairControl/StartSession"
  bool anyone = false;      // served without a token (EmergencyStop)
  std::vector<access::Role> roles;
};

// Every method of ChairControl and SimBench with its rule.
const std::vector<MethodRule>& method_rules();
// The rule for a method, or nothing (a method without a rule is refused to everyone).
const MethodRule* rule_for(std::string_view method);

class AccessControl {
 public:
  // No tokens: the Unix socket's peers are admins, and nothing else is served.
  explicit AccessControl(std::optional<access::TokenTable> tokens = std::nullopt)
      : tokens_(std::move(tokens)) {}

  // The caller, or the status refusing the call: UNAUTHENTICATED without a token chaird knows,
  // PERMISSION_DENIED when the token's role may not make the call.
  // shown, when given, names the call in messages instead of the method's name (a use of one
  // call held to another's rule).
  Expected<access::Caller, grpc::Status> admit(const grpc::ServerContextBase& context,
                                               std::string_view method,
                                               std::string_view shown = {}) const;
  // The refusal, or nothing when the call may go on.
  std::optional<grpc::Status> refuse(const grpc::ServerContextBase& context,
                                     std::string_view method, std::string_view shown = {}) const;
  // Who the call's token says the caller is, for the log: "token 'front-desk' (kiosk)",
  // "no token", "an unknown token"; empty without a tokens file.
  std::string describe_token(const grpc::ServerContextBase& context) const;
  bool uses_tokens() const { return tokens_.has_value(); }

 private:
  // The bearer token, or the refusal when the header is missing or malformed.
  Expected<std::string, std::string> bearer(const grpc::ServerContextBase& context) const;

  std::optional<access::TokenTable> tokens_;
};

}  // namespace chaird::api
