// What the real-time benches read of chaird running in their own process: its resident memory,
// open descriptors and threads, the dispatch thread's timer lateness, and when it is SERVING.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace chaird::bench {

// A field of /proc/self/status in MiB (VmRSS, VmHWM) or as a count (Threads).
inline double proc_status(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field)));
  }
  return 0.0;
}
inline double rss_mib(const char* field = "VmRSS:") {
  return proc_status(field) / 1024.0;
}
inline int thread_count() {
  return static_cast<int>(proc_status("Threads:"));
}
inline int open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Lateness samples from the dispatch thread (DaemonHooks::timer_lateness), taken per phase.
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

// The q-quantile of ns, in microseconds (0 without samples).
inline double quantile_us(std::vector<std::int64_t>& ns, double q) {
  if (ns.empty()) return 0.0;
  std::sort(ns.begin(), ns.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
  return static_cast<double>(ns[i]) / 1000.0;
}

// Waits until grpc.health.v1.Health/Check answers SERVING (field 1, value 1: the bytes 08 01;
// Debian ships no C++ stubs for the health proto). False after `limit`.
inline bool wait_until_serving(const std::shared_ptr<grpc::Channel>& channel,
                               std::chrono::steady_clock::duration limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  grpc::GenericStub health(channel);
  while (std::chrono::steady_clock::now() < until) {
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
    if (bytes == std::string("\x08\x01", 2)) return true;
  }
  return false;
}

// The clients' process, forked before anything in the bench touches gRPC, so that the memory,
// descriptors and threads the bench counts are chaird's. The child runs run(go, report): it
// waits for a byte on go, and writes its counts on report. The parent keeps the other ends.
struct ClientProcess {
  pid_t pid = -1;
  int go = -1;
  int report = -1;
};
inline ClientProcess fork_clients(const std::function<int(int go, int report)>& run) {
  int go[2], report[2];
  if (::pipe(go) != 0 || ::pipe(report) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    ::close(report[0]);
    ::_exit(run(go[0], report[1]));
  }
  ::close(go[0]);
  ::close(report[1]);
  return {pid, go[1], report[0]};
}

// Whatever ends a bench, chaird stops first: a Daemon destroyed while its threads run would
// end the process with the chair moving.
template <class Daemon>
class StopFirst {
 public:
  explicit StopFirst(Daemon& daemon) : daemon_(daemon) {}
  ~StopFirst() { stop(); }
  StopFirst(const StopFirst&) = delete;
  StopFirst& operator=(const StopFirst&) = delete;
  void stop() {
    if (!stopped_) daemon_.stop();
    stopped_ = true;
  }

 private:
  Daemon& daemon_;
  bool stopped_ = false;
};

}  // namespace chaird::bench
