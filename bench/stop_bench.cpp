// How fast an emergency stop acts. chaird runs in this process on the simulated chair in real
// time (steady clock), exactly as the daemon is put together, with two hooks: an interceptor
// stamps the moment an EmergencyStop arrives, and a bus wrapper stamps the moment the safe state
// is commanded. A client on the Unix socket makes the calls.
//
//   BM_EmergencyStop_ReceivedToSafe/idle|running   p50 and p99 over 1000 stops
//   BM_RoundTrip_EmergencyStop_vs_EmptyCall        the client's round trip of EmergencyStop next
//                                                  to ListHealthConditions (an empty unary call)
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <vector>

#include "daemon.hpp"
#include "in_process_daemon.hpp"
#include "wire/chair_services.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStops = 1000;

// The times, in order, at which something happened.
struct Stamps {
  std::mutex mutex;
  std::vector<Clock::time_point> at;
  void add() {
    const auto now = Clock::now();
    std::lock_guard lock(mutex);
    at.push_back(now);
  }
  std::vector<Clock::time_point> take() {
    std::lock_guard lock(mutex);
    return std::exchange(at, {});
  }
};

// Stamps when each EmergencyStop request has arrived (its message is read, the handler is next).
class ArrivalInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ArrivalInterceptor(Stamps& stamps) : stamps_(stamps) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_MESSAGE)) {
      stamps_.add();
    }
    methods->Proceed();
  }

 private:
  Stamps& stamps_;
};

class ArrivalFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ArrivalFactory(Stamps& stamps) : stamps_(stamps) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (std::string(info->method()) != "/chair.v1.ChairControl/EmergencyStop") return nullptr;
    return new ArrivalInterceptor(stamps_);
  }

 private:
  Stamps& stamps_;
};

// Passes everything to the chair, stamping when the safe state is commanded.
class TimingBus final : public chaird::ActuatorBus {
 public:
  TimingBus(std::unique_ptr<chaird::ActuatorBus> inner, Stamps& stamps)
      : inner_(std::move(inner)), stamps_(stamps) {}
  void submit(std::span<const chaird::BusCommand> commands) override { inner_->submit(commands); }
  void refresh_lease(chaird::ChairTime now) override { inner_->refresh_lease(now); }
  void cancel_pending() override { inner_->cancel_pending(); }
  void enter_safe_state() override {
    inner_->enter_safe_state();
    stamps_.add();  // every actuator has been commanded to its safe value
  }
  chaird::Telemetry read_telemetry() override { return inner_->read_telemetry(); }
  void clear_faults() override { inner_->clear_faults(); }

 private:
  std::unique_ptr<chaird::ActuatorBus> inner_;
  Stamps& stamps_;
};

// chaird in this process, and a client of it.
class Rig {
 public:
  Rig() {
    spdlog::set_level(spdlog::level::err);
    dir_ = std::filesystem::temp_directory_path() /
           ("chaird-stop-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const chair::v1::DaemonConfig config = bench_daemon_config(dir_);
    chaird::DaemonHooks hooks;
    hooks.wrap_bus = [this](std::unique_ptr<chaird::ActuatorBus> bus) {
      return std::make_unique<TimingBus>(std::move(bus), commanded_);
    };
    hooks.interceptors.push_back(std::make_unique<ArrivalFactory>(arrived_));
    daemon_ = std::make_unique<chaird::Daemon>(std::move(hooks));
    ok_ = daemon_->start(config);
    channel_ = grpc::CreateChannel("unix:" + config.listen_unix(),
                                   grpc::experimental::LocalCredentials(UDS));
    control_ = chair::v1::ChairControl::NewStub(channel_);
    ok_ = ok_ &&
          channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }
  ~Rig() {
    daemon_->stop();
    std::filesystem::remove_all(dir_);
  }
  bool ok() const { return ok_; }

  bool emergency_stop() {
    grpc::ClientContext c;
    chair::v1::EmergencyStopRequest request;
    request.set_reason("bench");
    chair::v1::EmergencyStopResponse r;
    return control_->EmergencyStop(&c, request, &r).ok();
  }
  bool reset() {
    grpc::ClientContext c;
    chair::v1::ResetFaultResponse r;
    return control_->ResetFault(&c, {}, &r).ok();
  }
  bool start(const std::string& program) {
    grpc::ClientContext c;
    chair::v1::StartSessionRequest request;
    request.set_program_id(program);
    chair::v1::StartSessionResponse r;
    return control_->StartSession(&c, request, &r).ok();
  }
  bool empty_call() {
    grpc::ClientContext c;
    chair::v1::ListHealthConditionsResponse r;
    return control_->ListHealthConditions(&c, {}, &r).ok();
  }

  Stamps arrived_;
  Stamps commanded_;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<chaird::Daemon> daemon_;
  bool ok_ = false;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<chair::v1::ChairControl::Stub> control_;
};

double percentile_us(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void report(benchmark::State& state, const std::vector<double>& samples_us, const char* what) {
  state.counters[std::string(what) + "_p50_us"] = percentile_us(samples_us, 0.50);
  state.counters[std::string(what) + "_p99_us"] = percentile_us(samples_us, 0.99);
}

// arg 0: idle; arg 1: while a session runs.
void BM_EmergencyStop_ReceivedToSafe(benchmark::State& state) {
  Rig rig;
  if (!rig.ok()) {
    state.SkipWithError("chaird did not start");
    return;
  }
  const bool running = state.range(0) == 1;
  std::vector<double> latency_us;
  latency_us.reserve(kStops);
  for (auto _ : state) {
    if (running && !rig.start("quick_relief")) {
      state.SkipWithError("the session did not start");
      return;
    }
    (void)rig.arrived_.take();
    (void)rig.commanded_.take();
    if (!rig.emergency_stop()) {
      state.SkipWithError("EmergencyStop failed");
      return;
    }
    const auto arrived = rig.arrived_.take();
    const auto commanded = rig.commanded_.take();
    if (arrived.size() != 1 || commanded.empty()) {
      state.SkipWithError("missing stamps");
      return;
    }
    const double d = us(commanded.front() - arrived.front());
    latency_us.push_back(d);
    state.SetIterationTime(d / 1e6);
    if (!rig.reset()) {
      state.SkipWithError("ResetFault failed");
      return;
    }
  }
  report(state, latency_us, "received_to_safe");
  state.SetLabel(running ? "running" : "idle");
}
BENCHMARK(BM_EmergencyStop_ReceivedToSafe)
    ->Arg(0)
    ->Arg(1)
    ->Iterations(kStops)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The client's round trip of EmergencyStop next to an empty unary call's, interleaved, idle.
void BM_RoundTrip_EmergencyStop_vs_EmptyCall(benchmark::State& state) {
  Rig rig;
  if (!rig.ok()) {
    state.SkipWithError("chaird did not start");
    return;
  }
  std::vector<double> estop_us;
  std::vector<double> empty_us;
  for (auto _ : state) {
    auto t0 = Clock::now();
    const bool stopped = rig.emergency_stop();
    auto t1 = Clock::now();
    const bool listed = rig.empty_call();
    auto t2 = Clock::now();
    if (!stopped || !listed || !rig.reset()) {
      state.SkipWithError("a call failed");
      return;
    }
    estop_us.push_back(us(t1 - t0));
    empty_us.push_back(us(t2 - t1));
    state.SetIterationTime(us(t1 - t0) / 1e6);
  }
  report(state, estop_us, "estop_rtt");
  report(state, empty_us, "empty_rtt");
  state.counters["ratio_p50"] = percentile_us(estop_us, 0.5) / percentile_us(empty_us, 0.5);
}
BENCHMARK(BM_RoundTrip_EmergencyStop_vs_EmptyCall)
    ->Iterations(kStops)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
