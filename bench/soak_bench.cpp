// chaird soaked: sessions started, adjusted, paused, resumed and stopped back to back while 64
// status streams stay open and 500 unary calls a second arrive, for ten minutes (by default), in
// real time on the simulated chair. Prints, for each tenth of the run, the dispatch thread's
// timer lateness (p99, max), chaird's resident memory, open descriptors and threads; then every
// error the clients saw (the goal is none).
//
//   chaird_soak_bench [--seconds 600] [--streams 64] [--rps 500]     (bench/soak.sh)
//
// chaird runs in this process; the clients run in a child forked before anything here touches
// gRPC, so that the descriptors and threads counted are chaird's.
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon.hpp"
#include "daemon_probe.hpp"
#include "fleet_load.hpp"
#include "in_process_daemon.hpp"
#include "wire/chair_services.hpp"

namespace {

using namespace chaird::bench;
using Clock = std::chrono::steady_clock;

struct Options {
  int seconds = 600;
  int streams = 64;
  int rps = 500;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--seconds") o.seconds = std::clamp(value, 10, 24 * 3600);
    if (flag == "--streams") o.streams = std::clamp(value, 0, 1000);
    if (flag == "--rps") o.rps = std::clamp(value, 0, 5000);
  }
  return o;
}

// What the session's client saw: the cycles it went through, and each kind of failure.
class Cycles {
 public:
  void ok() { calls_.fetch_add(1); }
  void failed(const std::string& call, const grpc::Status& status) {
    std::lock_guard lock(mutex_);
    ++failures_[call + ": " + std::to_string(status.error_code()) + " " + status.error_message()];
  }
  void cycle() { cycles_.fetch_add(1); }
  std::string report() {
    std::lock_guard lock(mutex_);
    long failed = 0;
    std::string kinds;
    for (const auto& [what, n] : failures_) {
      failed += n;
      kinds += "cycle_failure=" + std::to_string(n) + "x " + what + "\n";
    }
    return "cycles=" + std::to_string(cycles_.load()) +
           "\ncycle_calls_ok=" + std::to_string(calls_.load()) +
           "\ncycle_calls_failed=" + std::to_string(failed) + "\n" + kinds;
  }

 private:
  std::atomic<long> cycles_{0}, calls_{0};
  std::mutex mutex_;
  std::map<std::string, long> failures_;
};

chair::v1::SessionState state_of(chair::v1::ChairControl::Stub& stub) {
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  chair::v1::GetChairResponse r;
  return stub.GetChair(&c, {}, &r).ok() ? r.state() : chair::v1::SESSION_STATE_UNSPECIFIED;
}

// Until a session may start (the last one's cool-down over), at most `limit`.
bool wait_startable(chair::v1::ChairControl::Stub& stub, std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    const auto s = state_of(stub);
    if (s == chair::v1::IDLE || s == chair::v1::COMPLETED || s == chair::v1::STOPPED) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

template <class Call>
bool check(Cycles& cycles, const char* name, Call call) {
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status status = call(c);
  if (status.ok()) {
    cycles.ok();
  } else {
    cycles.failed(name, status);
  }
  return status.ok();
}

// A kiosk's sessions, back to back: start, adjust, pause, resume, stop; again.
void run_session_cycles(const std::string& socket, int seconds, Cycles& cycles) {
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::experimental::LocalCredentials(UDS));
  auto stub = chair::v1::ChairControl::NewStub(channel);
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  const auto pause_for = [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  bool stronger = false;
  while (Clock::now() + std::chrono::seconds(5) < until) {
    if (!wait_startable(*stub, std::chrono::seconds(20))) {
      cycles.failed("waiting to start", grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                                     "the chair did not become startable"));
      continue;
    }
    std::string token;
    const bool started = check(cycles, "StartSession", [&](grpc::ClientContext& c) {
      chair::v1::StartSessionRequest q;
      q.set_program_id("quick_relief");
      q.set_client_name("soak");
      chair::v1::StartSessionResponse r;
      auto s = stub->StartSession(&c, q, &r);
      token = r.lease_token();
      return s;
    });
    if (!started) {
      pause_for(1000);  // counted; not hammered
      continue;
    }
    pause_for(1000);
    stronger = !stronger;
    check(cycles, "AdjustSession", [&](grpc::ClientContext& c) {
      chair::v1::AdjustSessionRequest q;
      q.set_lease_token(token);
      q.set_intensity_scale(stronger ? 1.05 : 0.8);
      chair::v1::AdjustSessionResponse r;
      return stub->AdjustSession(&c, q, &r);
    });
    pause_for(1000);
    check(cycles, "PauseSession", [&](grpc::ClientContext& c) {
      chair::v1::PauseSessionResponse r;
      return stub->PauseSession(&c, {}, &r);
    });
    pause_for(500);
    check(cycles, "ResumeSession", [&](grpc::ClientContext& c) {
      chair::v1::ResumeSessionRequest q;
      q.set_lease_token(token);
      chair::v1::ResumeSessionResponse r;
      return stub->ResumeSession(&c, q, &r);
    });
    pause_for(1000);
    check(cycles, "StopSession", [&](grpc::ClientContext& c) {
      chair::v1::StopSessionResponse r;
      return stub->StopSession(&c, {}, &r);
    });
    cycles.cycle();
  }
}

// The clients' process: the fleet's load and the sessions side by side; their counts on `report`.
int run_clients(const Options& o, const std::string& socket, int go, int report) {
  char byte = 0;
  if (::read(go, &byte, 1) != 1) return 1;
  FleetLoadCounts load;
  Cycles cycles;
  std::thread sessions([&] { run_session_cycles(socket, o.seconds, cycles); });
  run_fleet_load(socket, o.seconds, o.streams, o.rps, load);
  sessions.join();
  const std::string text = "unary_ok=" + std::to_string(load.ok.load()) +
                           "\nunary_failed=" + std::to_string(load.failed.load()) +
                           "\nstreams_served=" + std::to_string(load.streams_open.load()) +
                           "\nstatuses_received=" + std::to_string(load.statuses.load()) + "\n" +
                           cycles.report();
  return ::write(report, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 1;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0)
    text.append(buffer, static_cast<std::size_t>(n));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto dir =
      std::filesystem::temp_directory_path() / ("chaird-soak-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string socket = (dir / "chaird.sock").string();

  const auto clients =
      fork_clients([&](int go, int report) { return run_clients(o, socket, go, report); });
  if (clients.pid < 0) return 1;

  spdlog::set_level(spdlog::level::warn);
  chair::v1::DaemonConfig config = bench_daemon_config(dir);
  config.set_client_lease_ms(-1);  // the fleet's calls hold no lease
  config.set_max_watch_streams(std::max(100, o.streams + 4));
  config.set_log_level("warn");

  Lateness lateness;
  chaird::DaemonHooks hooks;
  hooks.timer_lateness = [&lateness](std::chrono::nanoseconds late) { lateness.add(late); };
  chaird::Daemon daemon(std::move(hooks));
  if (!daemon.start(config)) return 1;
  StopFirst stop_first(daemon);
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::experimental::LocalCredentials(UDS));
  if (!wait_until_serving(channel, std::chrono::seconds(60))) return 1;

  std::printf(
      "soak: %d s; %d status streams and %d unary calls/s; sessions started, adjusted, "
      "paused, resumed and stopped back to back; %d CPUs, load %s before\n",
      o.seconds, o.streams, o.rps, static_cast<int>(std::thread::hardware_concurrency()),
      [] {
        std::ifstream l("/proc/loadavg");
        std::string a;
        l >> a;
        return a;
      }()
          .c_str());
  std::printf("  %8s %12s %12s %10s %6s %8s\n", "at (s)", "p99 (us)", "max (us)", "RSS (MiB)",
              "fds", "threads");
  std::printf("  %8s %12s %12s %10.1f %6d %8d\n", "start", "-", "-", rss_mib(), open_fds(),
              thread_count());
  std::fflush(stdout);
  lateness.take();
  if (::write(clients.go, "g", 1) != 1) return 1;
  const int windows = 10;
  const auto window = std::chrono::milliseconds(o.seconds * 1000 / windows);
  const auto t0 = Clock::now();
  for (int w = 1; w <= windows; ++w) {
    std::this_thread::sleep_until(t0 + window * w);
    auto samples = lateness.take();
    const double p99 = quantile_us(samples, 0.99), max = quantile_us(samples, 1.0);
    std::printf("  %8lld %12.1f %12.1f %10.1f %6d %8d\n",
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::seconds>(window * w).count()),
                p99, max, rss_mib(), open_fds(), thread_count());
    std::fflush(stdout);
  }
  int status = 0;
  ::waitpid(clients.pid, &status, 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the streams' buffers released
  std::printf("  %8s %12s %12s %10.1f %6d %8d  (clients gone)\n", "end", "-", "-", rss_mib(),
              open_fds(), thread_count());
  std::printf("  peak RSS %.1f MiB\n", rss_mib("VmHWM:"));
  const std::string counts = read_all(clients.report);
  std::printf("%s", counts.c_str());
  std::fflush(stdout);
  stop_first.stop();
  std::filesystem::remove_all(dir);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
