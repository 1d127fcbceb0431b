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
#include "daemon_probe.hpp"
#include "fleet_load.hpp"
#include "in_process_daemon.hpp"
#include "wire/chair_services.hpp"

namespace {

using chaird::bench::fork_clients;
using chaird::bench::Lateness;
using chaird::bench::quantile_us;
using chaird::bench::rss_mib;
using chaird::bench::StopFirst;
using chaird::bench::wait_until_serving;
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

void print_percentiles(const std::string& phase, std::vector<std::int64_t> ns) {
  const auto at = [&](double q) { return quantile_us(ns, q); };
  std::printf("%s_samples=%zu\n%s_p50_us=%.1f\n%s_p99_us=%.1f\n%s_p999_us=%.1f\n%s_max_us=%.1f\n",
              phase.c_str(), ns.size(), phase.c_str(), at(0.5), phase.c_str(), at(0.99),
              phase.c_str(), at(0.999), phase.c_str(), ns.empty() ? 0.0 : at(1.0));
}

// The load's process: a round each time the bench says go, then the counts of all of them.
int run_load(const Options& o, const std::string& socket, int go, int report) {
  chaird::bench::FleetLoadCounts counts;
  for (int round = 0; round < o.rounds; ++round) {
    char byte = 0;
    if (::read(go, &byte, 1) != 1) return 1;
    chaird::bench::run_fleet_load(socket, o.seconds, o.streams, o.rps, counts);
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
  const auto clients =
      fork_clients([&](int go, int report) { return run_load(o, socket, go, report); });
  if (clients.pid < 0) return 1;

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
  StopFirst stop_first(daemon);
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::experimental::LocalCredentials(UDS));
  if (!wait_until_serving(channel, std::chrono::seconds(60))) return 1;
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
    if (::write(clients.go, "g", 1) != 1) return 1;
    keep_running(*stub, o.seconds);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the streams' buffers released
    rss_rounds.push_back(rss_mib());
  }
  int status = 0;
  ::waitpid(clients.pid, &status, 0);
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
  const ssize_t n = ::read(clients.report, buffer, sizeof(buffer));
  if (n > 0) std::fwrite(buffer, 1, static_cast<std::size_t>(n), stdout);
  std::fflush(stdout);
  stop_first.stop();
  std::filesystem::remove_all(dir);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
