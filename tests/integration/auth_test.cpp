// Who may call chaird, over real gRPC against the real daemon: with a tokens file every call
// but EmergencyStop needs a token chaird knows (UNAUTHENTICATED), and each role is held to its
// calls (PERMISSION_DENIED) before a request is even read; TCP is served only with TLS; a
// tokens file or key others could read or change keeps chaird from starting.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/access_control.hpp"
#include "chair/v1/control.pb.h"
#include "cli_run.hpp"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

// chairctl's stdout (stderr dropped: chairctl token says there what to do with its lines).
std::string stdout_of_chairctl(const std::string& args, int* exit_code = nullptr) {
  const CliRun run = run_chairctl(args, /*with_stderr=*/false);
  if (exit_code != nullptr) *exit_code = run.exit_code;
  return run.output;
}

// Tokens made by chairctl token, as a chair maker makes them, and the file chaird reads.
struct Tokens {
  std::string dir;
  std::string file;
  std::map<std::string, std::string> by_role;  // role -> token
};

Tokens make_tokens() {
  Tokens t;
  t.dir = make_temp_dir("tokens");
  t.file = t.dir + "/tokens";
  std::ofstream out(t.file);
  out << "# made by chairctl token\n";
  for (const char* role : {"kiosk", "engineer", "admin"}) {
    int code = -1;
    const std::string made = stdout_of_chairctl(std::string("token ") + role + "-1 " + role, &code);
    EXPECT_EQ(code, 0) << made;
    std::istringstream lines(made);
    std::string token, line;
    std::getline(lines, token);
    std::getline(lines, line);
    EXPECT_THAT(line, HasSubstr(std::string(role) + "-1 " + role + " sha256:"));
    EXPECT_THAT(line, ::testing::Not(HasSubstr(token))) << "the file must not hold the token";
    t.by_role[role] = token;
    out << line << "\n";
  }
  out.close();
  chmod(t.file.c_str(), 0600);
  return t;
}

DaemonOptions with_tokens(const Tokens& t) {
  DaemonOptions options = with_programs({fixture_programs()});
  options.extra_args = {"--tokens-file", t.file};
  options.token = t.by_role.at("admin");  // the test's own helpers act as admin
  return options;
}

auto deadline(int seconds = 20) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

struct Method {
  std::string path;
  bool streaming = false;
};

std::vector<Method> served_methods() {
  std::vector<Method> out;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* service : {"chair.v1.ChairControl", "chair.v1.SimBench"}) {
    const auto* s = pool->FindServiceByName(service);
    for (int i = 0; i < s->method_count(); ++i)
      out.push_back({"/" + std::string(service) + "/" + s->method(i)->name(),
                     s->method(i)->server_streaming()});
  }
  return out;
}

// Calls a method with an empty request, as whoever the metadata says; the status.
grpc::Status call(const std::shared_ptr<grpc::Channel>& channel, const Method& method,
                  const std::string& authorization) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(deadline(method.path.find("AwaitHeldStart") != std::string::npos ? 2 : 20));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  grpc::ByteBuffer request;
  if (method.streaming) {
    grpc::CompletionQueue cq;
    auto reader = stub.PrepareCall(&context, method.path, &cq);
    void* tag = nullptr;
    bool ok = false;
    reader->StartCall(reinterpret_cast<void*>(1));
    cq.Next(&tag, &ok);
    grpc::Slice empty;
    reader->Write(grpc::ByteBuffer(&empty, 1), reinterpret_cast<void*>(2));
    cq.Next(&tag, &ok);
    reader->WritesDone(reinterpret_cast<void*>(3));
    cq.Next(&tag, &ok);
    grpc::ByteBuffer first;
    reader->Read(&first, reinterpret_cast<void*>(4));
    cq.Next(&tag, &ok);
    const bool served = ok;  // a status message came: the stream was served
    if (served) context.TryCancel();
    grpc::Status status;
    reader->Finish(&status, reinterpret_cast<void*>(5));
    while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(5)) {
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    // A stream that was served was then cancelled by the test.
    return served ? grpc::Status::OK : status;
  }
  grpc::Slice empty;
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, method.path, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mutex);
                   status = std::move(s);
                   done = true;
                   done_cv.notify_all();
                 });
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return done; });
  return status;
}

bool allowed(const std::string& method, access::Role role) {
  const auto* rule = api::rule_for(method);
  return rule != nullptr &&
         std::find(rule->roles.begin(), rule->roles.end(), role) != rule->roles.end();
}

TEST(Auth, WithATokensFileEveryCallButTheEmergencyStopNeedsAKnownToken) {
  const Tokens tokens = make_tokens();
  DaemonProcess daemon(with_tokens(tokens));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const auto channel = daemon.channel();
  int checked = 0;
  for (const auto& m : served_methods()) {
    if (m.path == "/chair.v1.ChairControl/EmergencyStop") continue;
    for (const std::string& authorization :
         {std::string(), std::string("Bearer chd_0000"), "Basic " + tokens.by_role.at("admin"),
          std::string("Bearer ")}) {
      const auto status = call(channel, m, authorization);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << m.path << " with '" << authorization << "': " << status.error_message();
      ++checked;
    }
  }
  EXPECT_GE(checked, 120);  // every method but EmergencyStop, four ways
  // Nothing moved, nothing was held.
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);

  // The emergency stop is every caller's.
  chair::v1::EmergencyStopRequest stop;
  stop.set_reason("no token");
  chair::v1::EmergencyStopResponse stopped;
  grpc::ClientContext c;
  c.set_deadline(deadline());
  ASSERT_TRUE(daemon.control().EmergencyStop(&c, stop, &stopped).ok());
  EXPECT_EQ(stopped.state(), chair::v1::EMERGENCY_STOPPED);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr("/chair.v1.ChairControl/StartSession from "));
  EXPECT_THAT(daemon.log(), HasSubstr("with no token refused: UNAUTHENTICATED"));
  EXPECT_THAT(daemon.log(), HasSubstr("with an unknown token refused: UNAUTHENTICATED"));
  for (const auto& [role, token] : tokens.by_role)
    EXPECT_THAT(daemon.log(), ::testing::Not(HasSubstr(token))) << "a token reached the log";
  EXPECT_THAT(daemon.log(), ::testing::Not(HasSubstr("chd_0000"))) << "an unknown one too";
}

TEST(Auth, EachRoleIsHeldToItsCalls) {
  const Tokens tokens = make_tokens();
  DaemonProcess daemon(with_tokens(tokens));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::map<std::string, access::Role> roles = {{"kiosk", access::Role::kKiosk},
                                                     {"engineer", access::Role::kEngineer},
                                                     {"admin", access::Role::kAdmin}};
  int denied = 0;
  for (const auto& [name, role] : roles) {
    const std::string bearer = "Bearer " + tokens.by_role.at(name);
    for (const auto& m : served_methods()) {
      if (m.path == "/chair.v1.ChairControl/EmergencyStop") continue;
      const auto status = call(daemon.channel(), m, bearer);
      if (allowed(m.path, role)) {
        // Served: whatever the empty request earns, it is not a refusal of the caller.
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name << " " << m.path;
        EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("needs the role")))
            << name << " " << m.path;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << name << " " << m.path << ": " << status.error_message();
        EXPECT_THAT(status.error_message(), HasSubstr("needs the role"));
        ++denied;
      }
    }
  }
  EXPECT_GT(denied, 20);
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
  // A status stream that would hold a session's lease is a kiosk's (it keeps the chair
  // running, as KeepAlive does), not an engineer's.
  grpc::ClientContext c;
  c.set_deadline(deadline());
  c.AddMetadata("authorization", "Bearer " + tokens.by_role.at("engineer"));
  chair::v1::WatchSessionRequest with_lease;
  with_lease.set_lease_token("0123456789abcdef");
  auto reader = daemon.control().WatchSession(&c, with_lease);
  chair::v1::SessionStatus s;
  EXPECT_FALSE(reader->Read(&s));
  const auto refused = reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("needs the role kiosk or admin"));
  EXPECT_EQ(daemon.terminate(), 0);
  for (const auto& [role, token] : tokens.by_role)
    EXPECT_THAT(daemon.log(), ::testing::Not(HasSubstr(token))) << "a token reached the log";
}

TEST(Auth, AKioskRunsASessionAndOnlyStaffResetTheFaultAfterAnEmergencyStop) {
  const Tokens tokens = make_tokens();
  DaemonProcess daemon(with_tokens(tokens));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    c.AddMetadata("authorization", "Bearer " + tokens.by_role.at("kiosk"));
    chair::v1::StartSessionRequest request;
    request.set_program_id("e2e_full");
    chair::v1::StartSessionResponse started;
    const auto status = daemon.control().StartSession(&c, request, &started);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  daemon.advance(1000);
  EXPECT_EQ(daemon.status().state(), chair::v1::RUNNING);
  ASSERT_TRUE(daemon.emergency_stop("kiosk button").ok());

  const auto reset_as = [&](const std::string& role) {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    c.AddMetadata("authorization", "Bearer " + tokens.by_role.at(role));
    chair::v1::ResetFaultResponse r;
    return daemon.control().ResetFault(&c, {}, &r);
  };
  const auto by_kiosk = reset_as("kiosk");
  EXPECT_EQ(by_kiosk.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(by_kiosk.error_message(),
              HasSubstr("ResetFault needs the role engineer or admin; the token 'kiosk-1' has "
                        "the role kiosk"));
  EXPECT_EQ(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
  EXPECT_TRUE(reset_as("engineer").ok());
  EXPECT_NE(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
}

TEST(Auth, ATokensFileOthersCouldReadOrChangeKeepsChairdFromStarting) {
  const Tokens tokens = make_tokens();
  ASSERT_EQ(chmod(tokens.file.c_str(), 0644), 0);
  DaemonProcess loose(with_tokens(tokens));
  EXPECT_EQ(loose.wait_for_exit(), 1);
  EXPECT_THAT(loose.log(), HasSubstr("the tokens file cannot be used: " + tokens.file +
                                     ": mode 0644 lets other users read or change it"));

  ASSERT_EQ(chmod(tokens.file.c_str(), 0600), 0);
  std::ofstream(tokens.file, std::ios::app) << "intruder superuser sha256:00\n";
  DaemonProcess broken(with_tokens(tokens));
  EXPECT_EQ(broken.wait_for_exit(), 1);
  EXPECT_THAT(broken.log(), HasSubstr(tokens.file + ":5:10: expected a role"));
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The test certificate and a private copy of its key (git keeps files 0644).
struct Tls {
  std::string cert = source_dir() + "/tests/integration/tls/test-cert.pem";
  std::string key;
  Tls() {
    key = make_temp_dir("tls") + "/key.pem";
    std::filesystem::copy_file(source_dir() + "/tests/integration/tls/test-key.pem", key);
    chmod(key.c_str(), 0600);
  }
};

TEST(Auth, TcpIsServedOnlyWithTlsAndTokens) {
  const Tokens tokens = make_tokens();
  const Tls tls;
  const std::string address = "127.0.0.1:" + std::to_string(free_loopback_port());
  DaemonOptions options = with_tokens(tokens);
  options.extra_args.insert(options.extra_args.end(),
                            {"--tcp", address, "--tls-cert", tls.cert, "--tls-key", tls.key});
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();

  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = read_file(tls.cert);
  auto channel = grpc::CreateChannel(address, grpc::SslCredentials(trust));
  auto control = chair::v1::ChairControl::NewStub(channel);
  {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    c.AddMetadata("authorization", "Bearer " + tokens.by_role.at("kiosk"));
    chair::v1::ListProgramsResponse r;
    const auto status = control->ListPrograms(&c, {}, &r);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(r.programs_size(), 1);
  }
  {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    chair::v1::ListProgramsResponse r;
    EXPECT_EQ(control->ListPrograms(&c, {}, &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    // In the clear, nothing is served at all.
    auto plain = chair::v1::ChairControl::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext c;
    c.set_deadline(deadline(5));
    c.AddMetadata("authorization", "Bearer " + tokens.by_role.at("kiosk"));
    chair::v1::ListProgramsResponse r;
    EXPECT_FALSE(plain->ListPrograms(&c, {}, &r).ok());
  }
  {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    chair::v1::EmergencyStopRequest request;
    request.set_reason("over tls, without a token");
    chair::v1::EmergencyStopResponse r;
    ASSERT_TRUE(control->EmergencyStop(&c, request, &r).ok());
    EXPECT_EQ(r.state(), chair::v1::EMERGENCY_STOPPED);
  }
  // chairctl over TLS with a token file.
  const std::string token_file = tokens.dir + "/engineer.token";
  std::ofstream(token_file) << tokens.by_role.at("engineer") << "\n";
  int code = -1;
  const std::string out = stdout_of_chairctl(
      "--tcp " + address + " --tls-ca " + tls.cert + " --token-file " + token_file + " reset",
      &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(daemon.status().state(), chair::v1::EMERGENCY_STOPPED);
  // A CA file that cannot be read is an error, not a quiet fall-back to the system's CAs.
  const std::string missing_ca =
      stdout_of_chairctl("--tcp " + address + " --tls-ca " + tokens.dir +
                             "/no-such-ca.pem --token-file " + token_file + " programs",
                         &code);
  EXPECT_EQ(code, 1) << missing_ca;
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr("ipv4:127.0.0.1:"));
}

TEST(Auth, TcpWithoutTlsOrTokensAndALooseKeyAreRefusedAtStart) {
  const Tokens tokens = make_tokens();
  const Tls tls;
  const std::string address = "127.0.0.1:" + std::to_string(free_loopback_port());
  {
    DaemonOptions options = with_programs({fixture_programs()});
    options.extra_args = {"--tcp", address};
    DaemonProcess daemon(options);
    EXPECT_EQ(daemon.wait_for_exit(), 2);
    EXPECT_THAT(daemon.log(), HasSubstr("listen_tcp needs TLS"));
    EXPECT_THAT(daemon.log(), HasSubstr("listen_tcp needs tokens"));
  }
  {
    ASSERT_EQ(chmod(tls.key.c_str(), 0640), 0);  // the socket's group holds kiosks
    DaemonOptions options = with_tokens(tokens);
    options.extra_args.insert(options.extra_args.end(),
                              {"--tcp", address, "--tls-cert", tls.cert, "--tls-key", tls.key});
    DaemonProcess daemon(options);
    EXPECT_EQ(daemon.wait_for_exit(), 1);
    EXPECT_THAT(daemon.log(), HasSubstr("the TLS key cannot be used: " + tls.key));
  }
}

}  // namespace
}  // namespace chaird::test
