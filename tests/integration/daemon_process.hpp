// The real chaird binary, started as its own process on the simulated chair, and the gRPC
// stubs to talk to it over its Unix socket. The clock is MANUAL unless a test says otherwise,
// so time moves only when the test advances it: no sleeps, no races with real time.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wire/chair_services.hpp"

namespace chaird::test {

struct DaemonOptions {
  std::string clock = "manual";
  std::vector<std::string> program_dirs;  // empty: the shipped programs
  std::vector<std::string> plugin_dirs;   // empty: the shipped plugins
  std::string chair_profile;              // empty: the reference chair
  std::string socket;                     // empty: one in the daemon's own directory
  std::string state_dir;                  // empty: one in the daemon's own directory
  std::vector<std::string> extra_args;
  // chaird's stdout and stderr go to a pipe the test reads only when it says so (a stalled
  // journal, a paused terminal), instead of to a file.
  bool log_to_pipe = false;
  // start() holds the session's client lease as a kiosk does, with an open WatchSession
  // carrying its token, until the next start, drop_lease() or the end of the test.
  bool hold_lease = true;
  // With a tokens file (in extra_args): the token every helper's call carries.
  std::string token;
};

// The options for a daemon on the given program directories (and clock).
inline DaemonOptions with_programs(std::vector<std::string> dirs, std::string clock = "manual") {
  DaemonOptions options;
  options.clock = std::move(clock);
  options.program_dirs = std::move(dirs);
  return options;
}

class DaemonProcess {
 public:
  explicit DaemonProcess(DaemonOptions options = {});
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // True once chaird answers on its socket; false if it exited or never answered.
  bool ready() const { return ready_; }
  // SIGTERM, then waits; returns the exit code (-1 if it died of a signal). For a daemon that
  // already exited on its own, returns how it exited.
  int terminate();
  // SIGKILL: chaird gets no chance to tidy up (a power cut, the OOM killer).
  void kill_now();
  // Waits for chaird to exit by itself (a refused start); returns its exit code.
  int wait_for_exit();
  bool running();

  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }
  const std::string& trace_path() const { return trace_; }
  const std::string& state_dir() const { return state_dir_; }
  std::string log() const;

  chair::v1::ChairControl::Stub& control() { return *control_; }
  chair::v1::SimBench::Stub& bench() { return *bench_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // Adds the options' token to a call of the test's own.
  void authorize(grpc::ClientContext& context) const;

  // Helpers for the common calls; they fail the test on a transport error.
  grpc::Status start(const std::string& program_id,
                     chair::v1::StartSessionResponse* response = nullptr,
                     const chair::v1::StartSessionRequest* base = nullptr);
  void advance(std::int64_t ms);
  // Presses the emergency stop (the call's status; the chair's state is then latched).
  grpc::Status emergency_stop(const std::string& reason = "test");
  // The app holding the last start's lease goes away (its stream closes); waits until chaird
  // has seen it.
  void drop_lease();
  chair::v1::SessionStatus status();  // the current status (first message of a watch)
  // The sitter's history (ListSessionHistory); fails the test on a refusal unless status is given.
  chair::v1::ListSessionHistoryResponse history(const std::string& user_id,
                                                grpc::Status* status = nullptr);
  // The bench's start hold (see SimBench.HoldStarts): deterministic interleavings.
  void hold_starts();
  // Fails the test if no start arrives within 30 s. until_call_cancelled: and chaird has seen
  // its client cancel the call.
  void await_held_start(bool until_call_cancelled = false);
  void release_starts();
  // With log_to_pipe: fills the pipe, so that chaird's next write to it would block.
  void fill_log_pipe();
  // With log_to_pipe: reads the pipe from now on (log() then returns what came through).
  void drain_log_pipe();
  // With log_to_pipe, once draining: waits (up to 20 s) until the log holds text; false if not.
  bool wait_for_log(const std::string& text);

 private:
  std::string dir_;
  std::string socket_;
  std::string trace_;
  std::string state_dir_;
  std::string log_path_;
  int log_pipe_read_ = -1;   // with log_to_pipe
  int log_pipe_write_ = -1;  // kept open so that the test can fill the pipe
  // What came through the log pipe so far; the drain thread appends, the test waits on it.
  struct Drained {
    std::mutex mutex;
    std::condition_variable grew;
    std::string text;
  };
  std::thread log_drain_;
  std::shared_ptr<Drained> drained_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  bool ready_ = false;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<chair::v1::ChairControl::Stub> control_;
  std::unique_ptr<chair::v1::SimBench::Stub> bench_;
  bool hold_lease_ = true;
  std::string token_;
  struct LeaseHolder;
  std::unique_ptr<LeaseHolder> lease_holder_;
};

// A StartSession on its own thread, so that a test can act while the start is under way (held
// by the bench's start hold, say).
class PendingStart {
 public:
  PendingStart(DaemonProcess& daemon, chair::v1::StartSessionRequest request,
               std::chrono::milliseconds deadline = std::chrono::seconds(60));
  ~PendingStart();
  PendingStart(const PendingStart&) = delete;
  PendingStart& operator=(const PendingStart&) = delete;
  void cancel() { context_.TryCancel(); }
  // Wait for the answer.
  grpc::Status result();
  const chair::v1::StartSessionResponse& response();

 private:
  grpc::ClientContext context_;
  chair::v1::StartSessionResponse response_;
  grpc::Status status_;
  std::thread thread_;
};

// A simulated chair's CSV trace.
class Trace {
 public:
  static Trace read(const std::string& path);
  std::size_t size() const { return rows_.size(); }
  bool has(const std::string& column) const;
  double number(std::size_t row, const std::string& column) const;
  const std::string& text(std::size_t row, const std::string& column) const;
  std::vector<std::string> columns_starting(const std::string& prefix) const;
  // The first row at or after chair time t_ms in session session_id.
  std::size_t row_at(const std::string& session_id, std::int64_t elapsed_ms) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace chaird::test
