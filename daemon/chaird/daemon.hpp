// chaird put together: configuration, chair, plugins, programs, the simulated chair, the
// dispatch thread, the session manager and the gRPC server, started in that order and stopped
// in reverse, with the chair brought to its safe state before anything else goes away.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "api/access_control.hpp"
#include "api/control_service.hpp"
#include "api/session_history_recorder.hpp"
#include "api/sim_bench_service.hpp"
#include "api/unix_listener.hpp"
#include "board_link/board_link.hpp"
#include "chair/v1/config.pb.h"
#include "clock/scheduler.hpp"
#include "clock/virtual_scheduler.hpp"
#include "heat_dose.hpp"
#include "library/live_library.hpp"
#include "log_session_tagger.hpp"
#include "model/simulated_chair.hpp"
#include "replay/trace_recorder.hpp"
#include "safety/safety_governor.hpp"
#include "service_notifier.hpp"
#include "session/session_manager.hpp"
#include "session/status_hub.hpp"
#include "store/stores.hpp"

namespace chaird {

// Ways in for a bench or a test that runs chaird in its own process.
struct DaemonHooks {
  // Wraps the bus chaird drives (a bench timing when the safe state is commanded, say).
  std::function<std::unique_ptr<ActuatorBus>(std::unique_ptr<ActuatorBus>)> wrap_bus;
  // More gRPC server interceptors (a bench stamping when calls arrive).
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  // Told how late each timer of the dispatch thread ran (steady and scaled clocks): a bench
  // measuring dispatch lateness.
  std::function<void(std::chrono::nanoseconds)> timer_lateness;
  // The label chaird's log tags each line with (main's logger): kept on the session in
  // progress. Null: lines are not tagged.
  std::shared_ptr<LogSessionLabel> log_session_label;
};

class Daemon {
 public:
  Daemon() = default;
  explicit Daemon(DaemonHooks hooks) : hooks_(std::move(hooks)) {}

  // Loads everything; false (with the reasons logged) when chaird cannot run.
  bool start(const chair::v1::DaemonConfig& config);
  // Safe state first, then the server, then the threads.
  void stop();

 private:
  bool load(const chair::v1::DaemonConfig& config);
  bool serve(const chair::v1::DaemonConfig& config);
  // The contraindication rules file; a broken one leaves chaird refusing every session.
  void load_rules(const chair::v1::DaemonConfig& config);
  // The tokens file and TLS's certificate and key; false (and logged why) when unusable.
  bool load_access(const chair::v1::DaemonConfig& config);
  // Heat from chaird's database into the session manager's options, and how it keeps its own;
  // false (and logged why) when the database cannot be read.
  bool restore_heat(SessionManagerOptions& options);
  // Records thread, or the last thread at shutdown: the ledger's heat into the database.
  void keep_heat(const EnergyHistory& energy, const MachineTime& at);
  // SimBench.InjectFault over the link: the fault in the board protocol (empty in-process).
  std::function<void(const sim::InjectedFault&)> send_fault_to_board();

  std::shared_ptr<const ChairModel> chair_;
  std::shared_ptr<const TechniqueCatalog> catalog_;
  std::unique_ptr<SafetyGovernor> governor_;
  // The contraindication rules, or why there are none (then every session is refused).
  std::shared_ptr<const LoadedRules> rules_;
  // chaird's database, and the thread that uses it for the API (declared before the pool, so
  // that it outlives every job the pool runs).
  std::unique_ptr<store::Stores> stores_;
  std::int64_t daemon_start_ = 0;  // this start's number, in the session ids
  std::string boot_id_;            // the kernel's id of this boot (heat_dose.hpp)
  std::unique_ptr<LiveLibrary> library_;

  boost::asio::io_context dispatch_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::thread_pool planning_{1};
  boost::asio::thread_pool records_{1};
  std::unique_ptr<Scheduler> scheduler_;
  VirtualScheduler* manual_clock_ = nullptr;
  DaemonHooks hooks_;
  std::unique_ptr<ActuatorBus> bus_;
  // Before the hub, which calls it: it outlives the hub and everything that publishes.
  std::unique_ptr<api::SessionHistoryRecorder> history_;
  // Recorders the hub calls: declared before it, so that they outlive it.
  std::unique_ptr<LogSessionTagger> log_tagger_;
  StatusHub hub_;
  std::unique_ptr<sim::TraceRecorder> recorder_;
  std::unique_ptr<SessionManager> sessions_;
  StartHold start_hold_;
  std::unique_ptr<api::AccessControl> access_;
  std::string tls_cert_pem_, tls_key_pem_;  // for listen_tcp
  std::unique_ptr<api::ControlService> control_;
  std::unique_ptr<api::SimBenchService> bench_;
  sim::SimulatedChair* sim_chair_ = nullptr;  // the in-process chair (owned by bus_), if any
  BoardLink* board_link_ = nullptr;           // or the board link (owned by bus_)
  std::unique_ptr<api::UnixListener> unix_listener_;
  std::unique_ptr<grpc::Server> server_;
  std::thread dispatch_thread_;
  ServiceNotifier notifier_;  // systemd: ready, stopping, and the dispatch loop's watchdog
  std::string socket_path_;
};

}  // namespace chaird
