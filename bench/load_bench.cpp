// chaird under a kiosk fleet's load, in real time: how late the dispatch thread runs its timers
// (the commands to the chair, the lease, the telemetry reads) while a session runs, idle and
// under load; chaird's resident memory before and after; the time from start to SERVING.
//
//   chaird_load_bench [--seconds 60] [--streams 64] [--rps 500] [--rt-priority N]
//
// chaird runs in this process (the Daemon, as chaird puts it together, with a hook that is told
// each timer's lateness); the load comes from a child process forked before anything here
// touches gRPC, so that its memory and threads are not chaird's: `streams` WatchSession streams
// (every status, every field) and `rps` unary calls a second (GetChair, ListPrograms,
// GetProgram, ListHealthConditions in turn), both over the Unix socket, for `seconds`.
// Prints key=value lines; bench/load.sh runs it beside cyclictest and makes the table.
#include <fmt/format.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon.hpp"
#include "in_process_daemon.hpp"
#include "wire/chair_services.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int seconds = 60;
  int streams = 64;
  int rps = 500;
  int rt_priority = 0;
  // The load runs this many times, one after the other: memory that grows with each round is a
  // leak; memory that grows once and then holds is what the load needs (buffers, the allocator).
  int rounds = 2;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--seconds") o.seconds = std::clamp(value, 1, 600);
    if (flag == "--rounds") o.rounds = std::clamp(value, 1, 10);
    if (flag == "--streams") o.streams = std::clamp(value, 0, 1000);
    if (flag == "--rps") o.rps = std::clamp(value, 0, 5000);
    if (flag == "--rt-priority") o.rt_priority = std::clamp(value, 0, 99);
  }
  return o;
}

double rss_mib(const char* field = "VmRSS:") {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field))) / 1024.0;
  }
  return 0.0;
}

// Lateness samples from the dispatch thread, gathered per phase.
class Lateness {
 public:
  void add(std::chrono::nanoseconds late) {
    std::lock_guard lock(mutex_);
    if (samples_.size() < kMaxSamples) samples_.push_back(late.count());
  }
  std::vector<std::int64_t> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(samples_, {});
  }

 private:
  static constexpr std::size_t kMaxSamples = 10'000'000;
  std::mutex mutex_;
  std::vector<std::int64_t> samples_;
};

void print_percentiles(const std::string& phase, std::vector<std::int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  const auto at = [&](double q) {
    if (ns.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
    return static_cast<double>(ns[i]) / 1000.0;
  };
  std::printf("%s_samples=%zu\n%s_p50_us=%.1f\n%s_p99_us=%.1f\n%s_p999_us=%.1f\n%s_max_us=%.1f\n",
              phase.c_str(), ns.size(), phase.c_str(), at(0.5), phase.c_str(), at(0.99),
              phase.c_str(), at(0.999), phase.c_str(), ns.empty() ? 0.0 : at(1.0));
}

// The load, in the child: waits for a line on `go`, runs, writes its counts to `report`.
struct LoadCounts {
  std::atomic<long> statuses{0}, ok{0}, failed{0}, streams_open{0};
};

// One round of the load: the streams and the unary calls for o.seconds.
void load_once(const Options& o, const std::string& socket, LoadCounts& counts) {
  auto& [statuses, ok, failed, streams_open] = counts;
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::experimental::LocalCredentials(UDS));
  auto stub = chair::v1::ChairControl::NewStub(channel);
  const auto until = Clock::now() + std::chrono::seconds(o.seconds);

  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::thread> watchers;
  for (int i = 0; i < o.streams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    watchers.emplace_back([&, c = contexts.back().get()] {
      auto reader = stub->WatchSession(c, {});
      chair::v1::SessionStatus s;
      bool counted = false;
      while (reader->Read(&s)) {
        if (!counted) {
          streams_open.fetch_add(1);
          counted = true;
        }
        statuses.fetch_add(1);
      }
      (void)reader->Finish();
    });
  }
  // Unary calls, paced: four callers, each its share of the rate.
  constexpr int kCallers = 4;
  std::vector<std::thread> callers;
  for (int k = 0; k < kCallers && o.rps > 0; ++k) {
    callers.emplace_back([&, k] {
      const auto every = std::chrono::microseconds(1'000'000 * kCallers / o.rps);
      auto next = Clock::now() + every * k / kCallers;
      for (long n = k; Clock::now() < until; ++n) {
        std::this_thread::sleep_until(next);
        next += every;
        grpc::ClientContext c;
        c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::Status status;
        switch (n % 4) {
          case 0: {
            chair::v1::GetChairResponse r;
            status = stub->GetChair(&c, {}, &r);
            break;
          }
          case 1: {
            chair::v1::ListProgramsResponse r;
            status = stub->ListPrograms(&c, {}, &r);
            break;
          }
          case 2: {
            chair::v1::GetProgramRequest q;
            q.set_program_id("shiatsu_classic");
            chair::v1::GetProgramResponse r;
            status = stub->GetProgram(&c, q, &r);
            break;
          }
          default: {
            chair::v1::ListHealthConditionsResponse r;
            status = stub->ListHealthConditions(&c, {}, &r);
          }
        }
        (status.ok() ? ok : failed).fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  std::this_thread::sleep_until(until);
  for (auto& c : contexts) c->TryCancel();
  for (auto& t : watchers) t.join();
}

// The load's process: a round each time the bench says go, then the counts of all of them.
int run_load(const Options& o, const std::string& socket, int go, int report) {
  LoadCounts counts;
  for (int round = 0; round < o.rounds; ++round) {
    char byte = 0;
    if (::read(go, &byte, 1) != 1) return 1;
    load_once(o, socket, counts);
  }
  const std::string text = "load_unary_ok=" + std::to_string(counts.ok.load()) +
                           "\nload_unary_failed=" + std::to_string(counts.failed.load()) +
                           "\nload_streams_served=" + std::to_string(counts.streams_open.load()) +
                           "\nload_statuses_received=" + std::to_string(counts.statuses.load()) +
                           "\n";
  return ::write(report, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 1;
}

bool start_session(chair::v1::ChairControl::Stub& stub) {
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  chair::v1::StartSessionRequest request;
  request.set_program_id("shiatsu_classic");
  request.set_client_name("load bench");
  chair::v1::StartSessionResponse r;
  return stub.StartSession(&c, request, &r).ok();
}

chair::v1::SessionState state(chair::v1::ChairControl::Stub& stub) {
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  chair::v1::GetChairResponse r;
  return stub.GetChair(&c, {}, &r).ok() ? r.state() : chair::v1::SESSION_STATE_UNSPECIFIED;
}

// Keeps a session running for `seconds`: a program that ends is started again at once.
void keep_running(chair::v1::ChairControl::Stub& stub, int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < until) {
    const auto s = state(stub);
    if (s == chair::v1::COMPLETED || s == chair::v1::IDLE) start_session(stub);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto dir =
      std::filesystem::temp_directory_path() / ("chaird-load-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string socket = (dir / "chaird.sock").string();

  // The load's process first, before gRPC starts any thread here.
  int go[2], report[2];
  if (::pipe(go) != 0 || ::pipe(report) != 0) return 1;
  const pid_t load = ::fork();
  if (load == 0) {
    ::close(go[1]);
    ::close(report[0]);
    ::_exit(run_load(o, socket, go[0], report[1]));
  }
  ::close(go[0]);
  ::close(report[1]);

  spdlog::set_level(spdlog::level::warn);
  chair::v1::DaemonConfig config = bench_daemon_config(dir);
  config.set_client_lease_ms(-1);  // the bench's own calls hold no lease
  config.set_max_watch_streams(std::max(100, o.streams + 4));
  config.set_max_session_ms(0);
  config.set_dispatch_rt_priority(o.rt_priority);
  config.set_log_level("warn");

  Lateness lateness;
  chaird::DaemonHooks hooks;
  hooks.timer_lateness = [&lateness](std::chrono::nanoseconds late) { lateness.add(late); };
  chaird::Daemon daemon(std::move(hooks));
  const auto t0 = Clock::now();
  if (!daemon.start(config)) return 1;
  // Whatever ends the bench from here, chaird stops first: a Daemon destroyed while its threads
  // run would end the process with the chair moving.
  struct StopFirst {
    chaird::Daemon& daemon;
    bool stopped = false;
    void stop() {
      if (!stopped) daemon.stop();
      stopped = true;
    }
    ~StopFirst() { stop(); }
  } stop_first{daemon};
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::experimental::LocalCredentials(UDS));
  // SERVING as a client sees it: grpc.health.v1.Health/Check answers status SERVING (field 1,
  // value 1: the bytes 08 01). Debian ships no C++ stubs for the health proto.
  grpc::GenericStub health(channel);
  while (true) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::Slice empty;
    grpc::ByteBuffer request(&empty, 1), response;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    grpc::Status st;
    health.UnaryCall(&c, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                     [&](grpc::Status s) {
                       std::lock_guard lock(m);
                       st = std::move(s);
                       done = true;
                       cv.notify_all();
                     });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (st.ok() && response.Dump(&slices).ok())
      for (const auto& slice : slices)
        bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    if (bytes == std::string("\x08\x01", 2)) break;
    if (Clock::now() - t0 > std::chrono::seconds(60)) return 1;
  }
  const double serving_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const double rss_idle = rss_mib();
  auto stub = chair::v1::ChairControl::NewStub(channel);
  if (!start_session(*stub)) return 1;

  // Idle: a session runs, nobody else calls.
  lateness.take();
  keep_running(*stub, o.seconds);
  auto idle = lateness.take();
  // The baseline for the load: chaird with its session planned and running, nobody else calling.
  const double rss_session = rss_mib();
  // Under load, round after round; the memory after each.
  std::vector<double> rss_rounds;
  for (int round = 0; round < o.rounds; ++round) {
    if (::write(go[1], "g", 1) != 1) return 1;
    keep_running(*stub, o.seconds);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the streams' buffers released
    rss_rounds.push_back(rss_mib());
  }
  int status = 0;
  ::waitpid(load, &status, 0);
  auto loaded = lateness.take();
  const double rss_after = rss_rounds.back();
  const double rss_peak = rss_mib("VmHWM:");
  {
    grpc::ClientContext c;
    chair::v1::StopSessionResponse r;
    (void)stub->StopSession(&c, {}, &r);
  }

  std::printf("seconds=%d\nstreams=%d\nrps=%d\nrt_priority=%d\nrounds=%d\n", o.seconds, o.streams,
              o.rps, o.rt_priority, o.rounds);
  std::string rounds;
  for (double r : rss_rounds) rounds += (rounds.empty() ? "" : " ") + fmt::format("{:.1f}", r);
  std::printf("rss_after_each_round_MiB=%s\n", rounds.c_str());
  std::printf(
      "time_to_serving_ms=%.1f\nrss_idle_MiB=%.1f\nrss_session_MiB=%.1f\n"
      "rss_after_load_MiB=%.1f\nrss_peak_MiB=%.1f\n",
      serving_ms, rss_idle, rss_session, rss_after, rss_peak);
  // The dispatch thread's pace: how far apart its timers are, on average, with the session idle
  // (load.sh runs a cyclictest at that pace, since a thread's wake-up depends on how long it
  // slept).
  if (!idle.empty())
    std::printf("idle_mean_interval_ms=%.1f\n",
                1000.0 * o.seconds / static_cast<double>(idle.size()));
  print_percentiles("idle", std::move(idle));
  print_percentiles("load", std::move(loaded));
  char buffer[512];
  const ssize_t n = ::read(report[0], buffer, sizeof(buffer));
  if (n > 0) std::fwrite(buffer, 1, static_cast<std::size_t>(n), stdout);
  std::fflush(stdout);
  stop_first.stop();
  std::filesystem::remove_all(dir);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
