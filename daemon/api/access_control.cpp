#include "access_control.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "error_status.hpp"

namespace chaird::api {
namespace {

using access::Role;

constexpr std::string_view kAuthorization = "authorization";
constexpr std::string_view kBearer = "Bearer ";

const std::vector<Role> kEveryRole = {Role::kKiosk, Role::kEngineer, Role::kAdmin};
const std::vector<Role> kSessions = {Role::kKiosk, Role::kAdmin};
const std::vector<Role> kStaff = {Role::kEngineer, Role::kAdmin};

std::string role_list(const std::vector<Role>& roles) {
  std::string out;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) out += i + 1 == roles.size() ? " or " : ", ";
    out += access::role_name(roles[i]);
  }
  return out;
}

// The short name of "/chair.v1.ChairControl/StartSession".
std::string_view call_name(std::string_view method) {
  const auto slash = method.rfind('/');
  return slash == std::string_view::npos ? method : method.substr(slash + 1);
}

grpc::Status unauthenticated(std::string_view call, std::string why) {
  return to_status(Refusal{Refusal::Kind::kUnauthenticated,
                           fmt::format("{} needs a token chaird knows: {}", call, why),
                           {},
                           {},
                           {}});
}

}  // namespace

const std::vector<MethodRule>& method_rules() {
  static const std::vector<MethodRule> kRules = [] {
    std::vector<MethodRule> r;
    const auto control = [&r](std::string_view name, std::vector<Role> roles, bool anyone = false) {
      r.push_back({name, anyone, std::move(roles)});
    };
    // What only reads the chair and its programs, and what stops it: every role.
    for (std::string_view m :
         {"/chair.v1.ChairControl/GetChair", "/chair.v1.ChairControl/ListPrograms",
          "/chair.v1.ChairControl/GetProgram", "/chair.v1.ChairControl/ListTechniques",
          "/chair.v1.ChairControl/ListHealthConditions", "/chair.v1.ChairControl/PreviewSession",
          "/chair.v1.ChairControl/WatchSession", "/chair.v1.ChairControl/StopSession"})
      control(m, kEveryRole);
    control("/chair.v1.ChairControl/EmergencyStop", kEveryRole, /*anyone=*/true);
    // Sessions and the sitters they are for: kiosks.
    for (std::string_view m :
         {"/chair.v1.ChairControl/StartSession", "/chair.v1.ChairControl/ComposeSession",
          "/chair.v1.ChairControl/PauseSession", "/chair.v1.ChairControl/ResumeSession",
          "/chair.v1.ChairControl/AdjustSession", "/chair.v1.ChairControl/KeepAlive",
          "/chair.v1.ChairControl/TakeOverSession", "/chair.v1.ChairControl/GetUserProfile",
          "/chair.v1.ChairControl/SaveUserProfile", "/chair.v1.ChairControl/DeleteUserProfile",
          "/chair.v1.ChairControl/ListSessionHistory",
          "/chair.v1.ChairControl/ExportSessionHistory",
          "/chair.v1.ChairControl/RecordSessionFeedback"})
      control(m, kSessions);
    // Programs, telemetry, faults and the bench: staff. A fault is reset by someone who has looked
    // at the chair, not by the screen the sitter uses.
    for (std::string_view m :
         {"/chair.v1.ChairControl/ValidateProgram", "/chair.v1.ChairControl/SaveProgram",
          "/chair.v1.ChairControl/DeleteProgram", "/chair.v1.ChairControl/WatchTelemetry",
          "/chair.v1.ChairControl/ResetFault", "/chair.v1.ChairControl/ResetSafety",
          "/chair.v1.SimBench/AdvanceClock", "/chair.v1.SimBench/InjectFault",
          "/chair.v1.SimBench/HoldStarts", "/chair.v1.SimBench/AwaitHeldStart",
          "/chair.v1.SimBench/ReleaseStarts"})
      control(m, kStaff);
    return r;
  }();
  return kRules;
}

const MethodRule* rule_for(std::string_view method) {
  const auto& rules = method_rules();
  const auto it = std::find_if(rules.begin(), rules.end(),
                               [method](const MethodRule& r) { return r.method == method; });
  return it == rules.end() ? nullptr : &*it;
}

Expected<std::string, std::string> AccessControl::bearer(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  const auto range =
      metadata.equal_range(grpc::string_ref(kAuthorization.data(), kAuthorization.size()));
  if (range.first == range.second)
    return Unexpected(
        std::string("the call carried none (send the header \"authorization: Bearer <token>\")"));
  if (std::next(range.first) != range.second)
    return Unexpected(std::string("the call carried more than one authorization header"));
  const grpc::string_ref value = range.first->second;
  const std::string_view text(value.data(), value.size());
  if (text.size() > kBearer.size() + access::kMaxTokenBytes)
    return Unexpected(std::string("the authorization header is too long to be a token"));
  if (text.substr(0, kBearer.size()) != kBearer || text.size() == kBearer.size())
    return Unexpected(std::string("the authorization header is not \"Bearer <token>\""));
  return std::string(text.substr(kBearer.size()));
}

Expected<access::Caller, grpc::Status> AccessControl::admit(const grpc::ServerContextBase& context,
                                                            std::string_view method,
                                                            std::string_view shown) const {
  const MethodRule* rule = rule_for(method);
  const std::string_view call = shown.empty() ? call_name(method) : shown;
  if (rule == nullptr)
    return Unexpected(to_status(Refusal{Refusal::Kind::kPermissionDenied,
                                        fmt::format("{} has no access rule: it is served to "
                                                    "nobody",
                                                    call),
                                        {},
                                        {},
                                        {}}));
  if (rule->anyone) return access::Caller{"anyone", Role::kKiosk};
  if (!tokens_) {
    // gRPC names the connections chaird's Unix socket handed over "fd:N"; anything else came
    // some other way and, without tokens, is served nothing.
    if (context.peer().rfind("fd:", 0) == 0) return access::Caller{"local user", Role::kAdmin};
    return Unexpected(unauthenticated(method,
                                      "chaird has no tokens file, so it serves only its "
                                      "Unix socket"));
  }
  auto token = bearer(context);
  if (!token) return Unexpected(unauthenticated(call, token.error()));
  auto caller = tokens_->find(*token);
  if (!caller)
    return Unexpected(unauthenticated(
        call, "the token sent is not in chaird's tokens file (mistyped, or revoked)"));
  if (std::find(rule->roles.begin(), rule->roles.end(), caller->role) == rule->roles.end()) {
    return Unexpected(to_status(
        Refusal{Refusal::Kind::kPermissionDenied,
                fmt::format("{} needs the role {}; the token '{}' has the role {}", call,
                            role_list(rule->roles), caller->name, access::role_name(caller->role)),
                {},
                {{"ROLE", role_list(rule->roles),
                  fmt::format("the token's role is {}", access::role_name(caller->role))}},
                "This screen may not do that. Please ask staff."}));
  }
  return *caller;
}

std::optional<grpc::Status> AccessControl::refuse(const grpc::ServerContextBase& context,
                                                  std::string_view method,
                                                  std::string_view shown) const {
  auto admitted = admit(context, method, shown);
  if (admitted) return std::nullopt;
  return admitted.error();
}

std::string AccessControl::describe_token(const grpc::ServerContextBase& context) const {
  if (!tokens_) return {};
  auto token = bearer(context);
  if (!token) return "no token";
  auto caller = tokens_->find(*token);
  if (!caller) return "an unknown token";
  return fmt::format("token '{}' ({})", caller->name, access::role_name(caller->role));
}

}  // namespace chaird::api
