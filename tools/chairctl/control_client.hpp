// chairctl's side of the control API: one channel to chaird (its Unix socket, or TCP with TLS),
// and the bearer token every call carries when chaird has a tokens file.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "wire/chair_services.hpp"

namespace chairctl {

struct Endpoint {
  std::string socket;      // Unix socket path
  std::string tcp;         // or host:port, over TLS
  std::string tls_ca_pem;  // the certificate(s) chaird's TLS certificate is checked against
                           // (PEM text); empty: the system's
  std::string token;       // bearer token; empty: none sent
};

// The certificates in a PEM file (--tls-ca), or nothing (and why on err) when it cannot be read
// or holds none: never a quiet fall-back to the system's certificates.
std::optional<std::string> read_tls_ca(const std::string& path, std::ostream& err);

// The token from a file (its first line), or from $CHAIRD_TOKEN when no file is given; an
// error when the file cannot be read.
std::optional<std::string> read_token(const std::string& token_file, std::ostream& err);

class ControlClient {
 public:
  explicit ControlClient(const Endpoint& endpoint);

  // Waits until chaird answers (it may still be starting); false after the timeout.
  bool wait_ready(std::chrono::seconds timeout);

  chair::v1::ChairControl::Stub& control() { return *control_; }
  chair::v1::SimBench::Stub& bench() { return *bench_; }
  // A context with a deadline and the token, for unary calls.
  std::unique_ptr<grpc::ClientContext> call_context(
      std::chrono::seconds deadline = std::chrono::seconds(30)) const;
  // A context with the token and no deadline, for streams.
  std::unique_ptr<grpc::ClientContext> stream_context() const;
  const std::string& target() const { return target_; }

 private:
  std::string target_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<chair::v1::ChairControl::Stub> control_;
  std::unique_ptr<chair::v1::SimBench::Stub> bench_;
};

// "chaird refused: NOT_FOUND: no program 'x' ..." for people.
std::string describe(const grpc::Status& status);

// chairctl's exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // chaird refused, or the input was bad
inline constexpr int kExitUnreachable = 2;  // chaird did not answer
inline constexpr int kExitSessionFailed = 3;

// A program file's text; nothing (and "PATH: cannot be read" on err) when it cannot be read.
std::optional<std::string> read_program_text(const std::string& path, std::ostream& err);

// Prints the refusal (describe()) and returns the exit code for it.
int report(const grpc::Status& status, std::ostream& err);

}  // namespace chairctl
