#include "control_client.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "chair/v1/errors.pb.h"

namespace chairctl {

ControlClient::ControlClient(const Endpoint& endpoint) : token_(endpoint.token) {
  // chaird is local: when it is still starting, try again soon rather than after gRPC's
  // default back-off of a second or more.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  if (!endpoint.tcp.empty()) {
    target_ = endpoint.tcp;
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = endpoint.tls_ca_pem;
    channel_ = grpc::CreateCustomChannel(target_, grpc::SslCredentials(tls), args);
  } else {
    target_ = "unix:" + endpoint.socket;
    channel_ = grpc::CreateCustomChannel(target_, grpc::experimental::LocalCredentials(UDS), args);
  }
  control_ = chair::v1::ChairControl::NewStub(channel_);
  bench_ = chair::v1::SimBench::NewStub(channel_);
}

bool ControlClient::wait_ready(std::chrono::seconds timeout) {
  return channel_->WaitForConnected(std::chrono::system_clock::now() + timeout);
}

std::unique_ptr<grpc::ClientContext> ControlClient::call_context(
    std::chrono::seconds deadline) const {
  auto context = stream_context();
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  return context;
}

std::unique_ptr<grpc::ClientContext> ControlClient::stream_context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

std::optional<std::string> read_tls_ca(const std::string& path, std::ostream& err) {
  std::ifstream in(path);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in || pem.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    err << path << ": cannot be read, or holds no PEM certificate\n";
    return std::nullopt;
  }
  return pem.str();
}

std::optional<std::string> read_token(const std::string& token_file, std::ostream& err) {
  if (token_file.empty()) {
    const char* env = std::getenv("CHAIRD_TOKEN");
    return std::string(env != nullptr ? env : "");
  }
  std::ifstream in(token_file);
  std::string token;
  if (!in || !std::getline(in, token)) {
    err << token_file << ": cannot be read\n";
    return std::nullopt;
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

std::string describe(const grpc::Status& status) {
  static const char* kNames[] = {"OK",
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
  const auto code = static_cast<int>(status.error_code());
  const char* name = code >= 0 && code < 17 ? kNames[code] : "?";
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return fmt::format("chaird is not reachable ({}): {}", name, status.error_message());
  }
  std::string out = fmt::format("chaird refused ({}): {}", name, status.error_message());
  // The structured details (docs/api.md, "Errors"): the fields by path, what blocks the call,
  // and what a kiosk would tell the sitter.
  chair::v1::ErrorStatus details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details()))
    return out;
  for (const auto& any : details.details()) {
    chair::v1::BadRequest bad;
    chair::v1::PreconditionFailure blocked;
    chair::v1::LocalizedMessage sitter;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations())
        out += fmt::format("\n  field {}: {}", v.field(), v.reason());
    } else if (any.UnpackTo(&blocked)) {
      for (const auto& v : blocked.violations())
        out += fmt::format("\n  blocked by {} {}", v.type(), v.subject());
    } else if (any.UnpackTo(&sitter)) {
      out += fmt::format("\n  the sitter is told: {}", sitter.message());
    }
  }
  return out;
}

std::optional<std::string> read_program_text(const std::string& path, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << path << ": cannot be read\n";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int report(const grpc::Status& status, std::ostream& err) {
  err << describe(status) << '\n';
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ? kExitUnreachable : kExitRefused;
}

}  // namespace chairctl
