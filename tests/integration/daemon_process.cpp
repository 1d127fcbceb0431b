#include "daemon_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "test_support.hpp"
#include "wire/bench_limits.hpp"

extern char** environ;

namespace chaird::test {

DaemonProcess::DaemonProcess(DaemonOptions options) {
  hold_lease_ = options.hold_lease;
  token_ = options.token;
  dir_ = make_temp_dir("daemon");
  socket_ = options.socket.empty() ? dir_ + "/chaird.sock" : options.socket;
  trace_ = dir_ + "/trace.csv";
  state_dir_ = options.state_dir.empty() ? dir_ + "/state" : options.state_dir;
  log_path_ = dir_ + "/chaird.log";
  std::vector<std::string> argv_strings = {
      chaird_binary(),
      "--socket",
      socket_,
      "--clock",
      options.clock,
      "--trace",
      trace_,
      "--state-dir",
      state_dir_,
      "--chair",
      options.chair_profile.empty() ? reference_chair_path() : options.chair_profile};
  if (options.program_dirs.empty()) options.program_dirs = {source_dir() + "/sequences/programs"};
  for (const auto& d : options.program_dirs)
    argv_strings.insert(argv_strings.end(), {"--programs", d});
  if (options.plugin_dirs.empty()) options.plugin_dirs = {plugin_dir()};
  for (const auto& d : options.plugin_dirs)
    argv_strings.insert(argv_strings.end(), {"--plugins", d});
  argv_strings.insert(argv_strings.end(), options.extra_args.begin(), options.extra_args.end());

  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.log_to_pipe) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe: " << errno;
      return;
    }
    log_pipe_read_ = fds[0];
    log_pipe_write_ = fds[1];
    posix_spawn_file_actions_adddup2(&actions, log_pipe_write_, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, log_pipe_write_, STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << rc;
    pid_ = -1;
    return;
  }

  // chaird may not have created its socket yet: retry quickly instead of gRPC's default 1 s+.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  channel_ =
      grpc::CreateCustomChannel("unix:" + socket_, grpc::experimental::LocalCredentials(UDS), args);
  control_ = chair::v1::ChairControl::NewStub(channel_);
  bench_ = chair::v1::SimBench::NewStub(channel_);
  // Wait until it answers, giving up at once if it exits (a refused configuration, say).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up && running()) {
    if (channel_->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::milliseconds(250))) {
      ready_ = true;
      break;
    }
  }
}

void DaemonProcess::authorize(grpc::ClientContext& context) const {
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
}

struct DaemonProcess::LeaseHolder {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<chair::v1::SessionStatus>> reader;
  std::thread drain;
};

DaemonProcess::~DaemonProcess() {
  drop_lease();
  if (log_pipe_read_ >= 0 && !log_drain_.joinable()) drain_log_pipe();
  if (pid_ > 0) terminate();
  if (log_drain_.joinable()) log_drain_.join();
  if (log_pipe_read_ >= 0) close(log_pipe_read_);
}

void DaemonProcess::fill_log_pipe() {
  ASSERT_GE(log_pipe_write_, 0) << "start the daemon with log_to_pipe";
  // A file description of its own, non-blocking, so that chaird's stays blocking.
  const std::string path = "/proc/self/fd/" + std::to_string(log_pipe_write_);
  const int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0) << "open " << path << ": " << errno;
  const std::string filler(4096, '#');
  while (write(fd, filler.data(), filler.size()) > 0) {
  }
  const std::string tail(1, '#');
  while (write(fd, tail.data(), 1) > 0) {
  }
  close(fd);
}

void DaemonProcess::drain_log_pipe() {
  ASSERT_GE(log_pipe_read_, 0) << "start the daemon with log_to_pipe";
  if (log_drain_.joinable()) return;
  // The pipe stays open for writing only in chaird once the test's own end is gone.
  close(log_pipe_write_);
  log_pipe_write_ = -1;
  drained_ = std::make_shared<Drained>();
  log_drain_ = std::thread([fd = log_pipe_read_, out = drained_] {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      std::lock_guard lock(out->mutex);
      out->text.append(buffer, static_cast<std::size_t>(n));
      out->grew.notify_all();
    }
  });
}

bool DaemonProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  // It exited on its own (a refused configuration, say): keep how.
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  pid_ = -1;
  return false;
}

void DaemonProcess::kill_now() {
  if (pid_ <= 0) return;
  drop_lease();
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = -1;
  if (log_drain_.joinable()) log_drain_.join();
}

int DaemonProcess::terminate() {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (log_drain_.joinable()) log_drain_.join();  // chaird's end of the pipe is closed now
  return exit_code_;
}

bool DaemonProcess::wait_for_log(const std::string& text) {
  if (drained_ == nullptr) return false;
  std::unique_lock lock(drained_->mutex);
  return drained_->grew.wait_for(lock, std::chrono::seconds(20),
                                 [&] { return drained_->text.find(text) != std::string::npos; });
}

int DaemonProcess::wait_for_exit() {
  if (pid_ <= 0) return exit_code_;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (log_drain_.joinable()) log_drain_.join();
  return exit_code_;
}

std::string DaemonProcess::log() const {
  if (log_pipe_read_ >= 0) {
    // Complete once chaird has exited (terminate() first).
    return drained_ != nullptr && !log_drain_.joinable() ? drained_->text : std::string();
  }
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

grpc::Status DaemonProcess::start(const std::string& program_id,
                                  chair::v1::StartSessionResponse* response,
                                  const chair::v1::StartSessionRequest* base) {
  chair::v1::StartSessionRequest request;
  if (base != nullptr) request = *base;
  request.set_program_id(program_id);
  chair::v1::StartSessionResponse ignored;
  grpc::ClientContext context;
  authorize(context);
  // A start that never answers fails the test instead of hanging it.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  chair::v1::StartSessionResponse* out = response != nullptr ? response : &ignored;
  const auto status = control_->StartSession(&context, request, out);
  if (status.ok() && hold_lease_ && !out->lease_token().empty()) {
    drop_lease();
    auto holder = std::make_unique<LeaseHolder>();
    authorize(holder->context);
    chair::v1::WatchSessionRequest watch;
    watch.set_lease_token(out->lease_token());
    holder->reader = control_->WatchSession(&holder->context, watch);
    // The first status comes once chaird holds the lease for this stream.
    chair::v1::SessionStatus first;
    if (!holder->reader->Read(&first)) {
      ADD_FAILURE() << "the lease-holding watch was refused: "
                    << holder->reader->Finish().error_message();
      return status;
    }
    holder->drain = std::thread([r = holder->reader.get()] {
      chair::v1::SessionStatus s;
      while (r->Read(&s)) {
      }
    });
    lease_holder_ = std::move(holder);
  }
  return status;
}

void DaemonProcess::drop_lease() {
  if (!lease_holder_) return;
  lease_holder_->context.TryCancel();
  if (lease_holder_->drain.joinable()) lease_holder_->drain.join();
  lease_holder_->reader->Finish();
  lease_holder_.reset();
  if (pid_ <= 0 || !running()) return;
  // chaird learns of the close on its own threads and says so in a new status.
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto reader = control_->WatchSession(&context, {});
  chair::v1::SessionStatus s;
  while (reader->Read(&s)) {
    if (!s.controller_watching() ||
        (s.state() != chair::v1::RUNNING && s.state() != chair::v1::PAUSED)) {
      context.TryCancel();
      reader->Finish();
      return;
    }
  }
  ADD_FAILURE() << "chaird did not see the lease-holding watch close: "
                << reader->Finish().error_message();
}

void DaemonProcess::advance(std::int64_t ms) {
  // chaird moves the clock at most wire::kMostAdvanceClockMs per call; more is more calls, as
  // chairctl does.
  for (std::int64_t left_ms = ms; left_ms > 0;) {
    chair::v1::AdvanceClockRequest request;
    request.set_duration_ms(std::min(left_ms, wire::kMostAdvanceClockMs));
    chair::v1::AdvanceClockResponse response;
    grpc::ClientContext context;
    authorize(context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    const auto status = bench_->AdvanceClock(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    left_ms -= request.duration_ms();
  }
}

grpc::Status DaemonProcess::emergency_stop(const std::string& reason) {
  chair::v1::EmergencyStopRequest request;
  request.set_reason(reason);
  chair::v1::EmergencyStopResponse response;
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return control_->EmergencyStop(&context, request, &response);
}

chair::v1::SessionStatus DaemonProcess::status() {
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = control_->WatchSession(&context, {});
  chair::v1::SessionStatus s;
  EXPECT_TRUE(reader->Read(&s));
  context.TryCancel();
  (void)reader->Finish();
  return s;
}

chair::v1::ListSessionHistoryResponse DaemonProcess::history(const std::string& user_id,
                                                             grpc::Status* status) {
  chair::v1::ListSessionHistoryRequest request;
  request.set_user_id(user_id);
  chair::v1::ListSessionHistoryResponse response;
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const auto s = control_->ListSessionHistory(&context, request, &response);
  if (status != nullptr) {
    *status = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  return response;
}

void DaemonProcess::hold_starts() {
  grpc::ClientContext context;
  authorize(context);
  chair::v1::HoldStartsResponse response;
  const auto status = bench_->HoldStarts(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

void DaemonProcess::await_held_start(bool until_call_cancelled) {
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  chair::v1::AwaitHeldStartRequest request;
  request.set_until_call_cancelled(until_call_cancelled);
  chair::v1::AwaitHeldStartResponse response;
  const auto status = bench_->AwaitHeldStart(&context, request, &response);
  ASSERT_TRUE(status.ok()) << "no start reached the hold: " << status.error_message();
}

void DaemonProcess::release_starts() {
  grpc::ClientContext context;
  authorize(context);
  chair::v1::ReleaseStartsResponse response;
  const auto status = bench_->ReleaseStarts(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  out.push_back(cell);
  return out;
}

}  // namespace

Trace Trace::read(const std::string& path) {
  Trace t;
  std::ifstream in(path);
  std::string line;
  if (std::getline(in, line)) t.header_ = split_csv(line);
  while (std::getline(in, line)) t.rows_.push_back(split_csv(line));
  return t;
}

bool Trace::has(const std::string& column) const {
  return std::find(header_.begin(), header_.end(), column) != header_.end();
}

const std::string& Trace::text(std::size_t row, const std::string& column) const {
  const auto it = std::find(header_.begin(), header_.end(), column);
  if (it == header_.end()) throw std::out_of_range("no column " + column);
  return rows_.at(row).at(static_cast<std::size_t>(it - header_.begin()));
}

double Trace::number(std::size_t row, const std::string& column) const {
  return std::stod(text(row, column));
}

std::vector<std::string> Trace::columns_starting(const std::string& prefix) const {
  std::vector<std::string> out;
  for (const auto& h : header_) {
    if (h.rfind(prefix, 0) == 0 && h.find(".target") == std::string::npos) out.push_back(h);
  }
  return out;
}

std::size_t Trace::row_at(const std::string& session_id, std::int64_t elapsed_ms) const {
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    if (text(r, "session_id") == session_id && text(r, "state") == "RUNNING" &&
        number(r, "elapsed_ms") >= static_cast<double>(elapsed_ms)) {
      return r;
    }
  }
  return rows_.size();
}

PendingStart::PendingStart(DaemonProcess& daemon, chair::v1::StartSessionRequest request,
                           std::chrono::milliseconds deadline)
    : thread_([this, &daemon, request = std::move(request), deadline] {
        context_.set_deadline(std::chrono::system_clock::now() + deadline);
        daemon.authorize(context_);
        status_ = daemon.control().StartSession(&context_, request, &response_);
      }) {}

PendingStart::~PendingStart() {
  if (thread_.joinable()) thread_.join();
}

grpc::Status PendingStart::result() {
  if (thread_.joinable()) thread_.join();
  return status_;
}

const chair::v1::StartSessionResponse& PendingStart::response() {
  if (thread_.joinable()) thread_.join();
  return response_;
}

}  // namespace chaird::test
