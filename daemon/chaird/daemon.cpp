#include "daemon.hpp"

#include <grp.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "api/refusal_log.hpp"
#include "clock/steady_scheduler.hpp"
#include "common/utf8_text.hpp"
#include "heat_dose.hpp"
#include "planner/body_model.hpp"
#include "profile/limits_tightening.hpp"
#include "realtime.hpp"
#include "safety/contraindication_rules.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;

void log_diagnostics(const Diagnostics& d, spdlog::level::level_enum level) {
  for (const auto& item : d.items()) spdlog::log(level, "{}", item.to_string());
}

// A socket file that nobody answers on is left over from a crash; one that answers belongs to
// a running chaird, which must not be taken over.
bool socket_in_use(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  const bool in_use = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return in_use;
}

}  // namespace

bool Daemon::start(const chair::v1::DaemonConfig& config) {
  if (!load(config)) return false;
  if (config.lock_memory()) {
    const auto locked = lock_all_memory();
    if (locked.applied)
      spdlog::info("{}", locked.message);
    else
      spdlog::warn("{}", locked.message);
  }

  // The clock.
  switch (config.clock().mode()) {
    case chair::v1::VIRTUAL:
    case chair::v1::MANUAL: {
      auto mode = config.clock().mode() == chair::v1::MANUAL ? VirtualScheduler::Mode::kManual
                                                             : VirtualScheduler::Mode::kFreeRunning;
      auto scheduler = std::make_unique<VirtualScheduler>(dispatch_, mode);
      if (mode == VirtualScheduler::Mode::kManual) manual_clock_ = scheduler.get();
      scheduler_ = std::move(scheduler);
      break;
    }
    case chair::v1::SCALED:
      scheduler_ = std::make_unique<SteadyScheduler>(dispatch_, config.clock().time_scale(),
                                                     hooks_.timer_lateness);
      break;
    default:
      scheduler_ = std::make_unique<SteadyScheduler>(dispatch_, 1.0, hooks_.timer_lateness);
  }

  // The board: the simulated chair in this process, or a board of its own over the link.
  std::int64_t watchdog_ms = chair_->limits().board_lease_ms();
  if (config.bus().has_link()) {
    BoardLinkOptions link;
    link.path = config.bus().link().path();
    if (config.bus().link().stale_ms() > 0) link.stale_ms = config.bus().link().stale_ms();
    auto board = BoardLink::connect(chair_, *scheduler_, link);
    if (!board) {
      spdlog::error("{}", board.error());
      return false;
    }
    watchdog_ms = std::min(watchdog_ms, (*board)->watchdog_ms());
    spdlog::info("driving the board at {} (its watchdog: {} ms)", link.path,
                 (*board)->watchdog_ms());
    board_link_ = board->get();
    bus_ = std::move(*board);
  } else {
    sim::SimOptions sim_options;
    if (config.clock().mode() == chair::v1::SCALED)
      sim_options.time_scale = config.clock().time_scale();
    auto chair = std::make_unique<sim::SimulatedChair>(chair_, *scheduler_, sim_options);
    if (!config.sim().fault_scenario().empty()) {
      auto faults = sim::load_fault_scenario(config.sim().fault_scenario(), *chair_);
      if (!faults) {
        spdlog::error("the fault scenario cannot be used:\n{}", faults.error().to_string());
        return false;
      }
      // A scenario holds at most what a chair holds (load_fault_scenario), and this chair none yet.
      for (const auto& f : *faults) (void)chair->schedule_fault(f);
      spdlog::warn("the simulated chair will suffer {} injected fault(s) from {}", faults->size(),
                   config.sim().fault_scenario());
    }
    sim_chair_ = chair.get();
    bus_ = std::move(chair);
  }
  if (hooks_.wrap_bus) bus_ = hooks_.wrap_bus(std::move(bus_));
  if (!config.sim().trace_path().empty()) {
    auto recorder = sim::TraceRecorder::open(config.sim().trace_path());
    if (!recorder) {
      spdlog::error("cannot write the trace: {}", recorder.error());
      return false;
    }
    recorder_ = std::move(*recorder);
    hub_.add_recorder(recorder_.get());
  }

  SessionManagerOptions options;
  options.cooldown_ms = config.stop_cooldown_ms();
  // A free-running virtual clock outruns any app's heartbeat: no lease there.
  options.lease_ms = config.clock().mode() == chair::v1::VIRTUAL ? 0
                     : config.client_lease_ms() == 0
                         ? 5000
                         : std::max<std::int64_t>(0, config.client_lease_ms());
  options.max_pause_ms = config.max_pause_ms() > 0 ? config.max_pause_ms() : 300'000;
  if (config.bus().has_link() && config.bus().link().stale_ms() > 0) {
    options.monitor.stale_ms = std::max(options.monitor.stale_ms, config.bus().link().stale_ms());
  }
  // Refresh the board well within its lease, whatever the profile sets it to.
  options.executor.lease_refresh_ms =
      std::clamp<std::int64_t>(watchdog_ms / 4, 1, options.executor.lease_refresh_ms);
  options.executor.telemetry_period_ms = config.bus().telemetry_period_ms();
  options.executor.lookahead_ms = config.dispatch_lookahead_ms();
  if (config.clock().mode() == chair::v1::SCALED) {
    // Look ahead at least 100 ms of real time, so that a scheduling hiccup of the machine never
    // makes a command late for the board (a VM stalled chaird's dispatch for 52 ms in one demo
    // run of seven at 20x, past the 40 ms this was).
    options.executor.lookahead_ms = std::max<std::int64_t>(
        options.executor.lookahead_ms, std::llround(100.0 * config.clock().time_scale()));
  }
  options.session_id_prefix = fmt::format("session-{}-", daemon_start_);
  if (!restore_heat(options)) return false;
  hub_.add_recorder(history_.get());  // every session's end, into the history
  if (hooks_.log_session_label) {
    log_tagger_ = std::make_unique<LogSessionTagger>(hooks_.log_session_label);
    hub_.add_recorder(log_tagger_.get());  // every log line names the session in progress
  }
  sessions_ = std::make_unique<SessionManager>(*scheduler_, *bus_, *governor_, hub_, options);

  // Status streams are fed from the hub's own thread, never from the dispatch thread.
  hub_.start_fanout();
  work_ =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          dispatch_.get_executor());
  dispatch_thread_ = std::thread([this] { dispatch_.run(); });
  if (config.dispatch_rt_priority() > 0) {
    // Set on the dispatch thread itself; waited for, so that the log says it before SERVING.
    std::promise<RealtimeOutcome> outcome;
    boost::asio::post(dispatch_, [&outcome, priority = config.dispatch_rt_priority()] {
      outcome.set_value(make_this_thread_fifo(priority));
    });
    const auto result = outcome.get_future().get();
    if (result.applied)
      spdlog::info("{}", result.message);
    else
      spdlog::warn("{}", result.message);
  }
  if (!serve(config)) {
    stop();
    return false;
  }
  notifier_.start_watchdog(dispatch_);
  notifier_.ready("serving on unix:" + socket_path_);
  return true;
}

bool Daemon::load(const chair::v1::DaemonConfig& config) {
  auto chair = ChairModel::load(config.chair_profile());
  if (!chair) {
    spdlog::error("cannot load the chair profile:");
    log_diagnostics(chair.error(), spdlog::level::err);
    return false;
  }
  chair_ = *chair;
  if (config.has_limits()) {
    // The installation's own limits, stricter than the maker's: every part below sees them.
    auto tightened = tighten_limits(*chair_, config.limits(), "the configuration", {});
    if (!tightened) {
      spdlog::error("the configuration's limits are refused:");
      log_diagnostics(tightened.error(), spdlog::level::err);
      return false;
    }
    chair_ = *tightened;
    spdlog::info("limits tightened by the configuration: {}", config.limits().ShortDebugString());
  }
  spdlog::info("chair '{}' ({}): {} actuators, {} zones", chair_->profile().id(),
               chair_->profile().name(), chair_->actuator_count(), chair_->zones().size());

  Diagnostics refusals;
  std::vector<std::string> dirs(config.plugin_dirs().begin(), config.plugin_dirs().end());
  catalog_ = std::make_shared<const TechniqueCatalog>(TechniqueCatalog::load(dirs, refusals));
  log_diagnostics(refusals, spdlog::level::warn);
  spdlog::info("{} techniques: {}", catalog_->all().size(), fmt::join(catalog_->names(), ", "));

  governor_ =
      std::make_unique<SafetyGovernor>(chair_, SessionLimits{config.max_session_ms(), nullptr});
  load_rules(config);

  ProgramCheckContext context;
  context.chair = chair_;
  context.catalog = catalog_;
  context.governor = governor_.get();
  context.plugin_budget = std::chrono::milliseconds(config.plugin_call_budget_ms());
  // Who may call: tokens, and TLS's certificate and key, are read once, here, and refused with
  // the reason (a loose mode, a line that is not a token) before anything listens.
  if (!load_access(config)) return false;
  // chaird's database: refused, with its path, rather than replaced when it cannot be used.
  auto db = store::StateDatabase::open(config.state_dir());
  if (!db) {
    spdlog::error("chaird's database cannot be used: {}", one_line(db.error(), 600));
    return false;
  }
  const auto now_unix_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto start_number = (*db)->record_daemon_start(now_unix_ms());
  if (!start_number) {
    spdlog::error("chaird's database cannot be written: {}", one_line(start_number.error(), 600));
    return false;
  }
  daemon_start_ = *start_number;
  spdlog::info("database {} (schema version {}); start number {}", (*db)->path(),
               (*db)->schema_version(), daemon_start_);
  stores_ = std::make_unique<store::Stores>(std::move(*db));
  history_ = std::make_unique<api::SessionHistoryRecorder>(stores_->history, now_unix_ms);
  auto saved = stores_->programs.all();
  if (!saved) {
    spdlog::error("chaird's database cannot be read: {}", one_line(saved.error(), 600));
    return false;
  }
  std::vector<CustomProgramText> custom;
  for (auto& p : *saved) custom.push_back({std::move(p.id), std::move(p.text), p.saved_at_unix_ms});

  Diagnostics program_refusals;
  std::vector<std::string> program_dirs(config.program_dirs().begin(), config.program_dirs().end());
  library_ = std::make_unique<LiveLibrary>(
      ProgramLibrary::load(program_dirs, context, program_refusals, custom));
  if (program_refusals.has_errors()) spdlog::warn("some programs were refused:");
  for (const auto& item : program_refusals.items()) {
    spdlog::log(item.severity == Severity::kError ? spdlog::level::warn : spdlog::level::info, "{}",
                item.to_string());
  }
  const auto ready = library_->current();
  spdlog::info("{} programs ready ({} custom)", ready->entries().size(),
               std::count_if(ready->entries().begin(), ready->entries().end(),
                             [](const LibraryEntry& e) { return e.custom; }));
  return true;
}

namespace {
// The most often a client may ping a quiet connection (a kiosk's keepalive).
constexpr int kMinKioskPingIntervalMs = 10000;
}  // namespace

void Daemon::load_rules(const chair::v1::DaemonConfig& config) {
  auto rules = std::make_shared<LoadedRules>();
  rules->path = config.contraindication_rules();
  const RuleVocabulary vocabulary{catalog_->names(), BodyModel::known_zones(),
                                  BodyModel::track_zones()};
  auto loaded = load_contraindication_rules(rules->path, vocabulary);
  if (loaded) {
    rules->error.clear();
    rules->rules = std::move(loaded->rules);
    spdlog::info("{} contraindication rules from {}", rules->rules.size(), rules->path);
    for (const auto& item : loaded->warnings.items()) spdlog::warn("{}", item.to_string());
  } else {
    // chaird serves (a kiosk can show why, staff can stop the chair) but starts no session.
    const auto& items = loaded.error().items();
    // Counted, not listed: a line that counts a file's unlisted errors stands for all of them.
    const std::size_t problems = loaded.error().error_count() + loaded.error().warning_count();
    rules->error = fmt::format(
        "{}{}", items.empty() ? "" : items.front().to_string(),
        problems > 1 ? fmt::format(" (and {} more problems)", problems - 1) : std::string());
    spdlog::error("the contraindication rules cannot be used; every session will be refused:");
    for (const auto& item : items) spdlog::error("{}", item.to_string());
  }
  rules_ = std::move(rules);
}

bool Daemon::load_access(const chair::v1::DaemonConfig& config) {
  std::optional<access::TokenTable> tokens;
  if (!config.tokens_file().empty()) {
    auto loaded = access::load_token_file(config.tokens_file());
    if (!loaded) {
      spdlog::error("the tokens file cannot be used: {}", loaded.error());
      return false;
    }
    spdlog::info("{} token(s) from {}: every call but EmergencyStop needs one", loaded->size(),
                 config.tokens_file());
    tokens = std::move(*loaded);
  } else {
    spdlog::info("no tokens file: the Unix socket's peers may make every call");
  }
  access_ = std::make_unique<api::AccessControl>(std::move(tokens));
  if (!config.tls_key_file().empty()) {
    auto key = access::read_private_file(config.tls_key_file(), access::PrivateFile::kSecret);
    if (!key) {
      spdlog::error("the TLS key cannot be used: {}", key.error());
      return false;
    }
    tls_key_pem_ = std::move(*key);
    std::ifstream cert(config.tls_cert_file());
    std::stringstream text;
    text << cert.rdbuf();
    if (!cert || text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      spdlog::error("the TLS certificate {} cannot be read, or holds no PEM certificate",
                    config.tls_cert_file());
      return false;
    }
    tls_cert_pem_ = text.str();
  }
  return true;
}

bool Daemon::serve(const chair::v1::DaemonConfig& config) {
  ProgramCheckContext context;
  context.chair = chair_;
  context.catalog = catalog_;
  context.governor = governor_.get();
  context.resolver = library_->resolver();
  context.plugin_budget = std::chrono::milliseconds(config.plugin_call_budget_ms());
  control_ = std::make_unique<api::ControlService>(api::ControlDependencies{
      dispatch_, planning_, *sessions_, hub_, *library_, context, *stores_, records_, *history_,
      *access_, &start_hold_,
      static_cast<int>(config.max_watch_streams() > 0 ? config.max_watch_streams() : 100), rules_});
  bench_ = std::make_unique<api::SimBenchService>(
      api::SimBenchDependencies{*access_, dispatch_, planning_, manual_clock_, &start_hold_,
                                sim_chair_, send_fault_to_board(), chair_.get()});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  if (!config.listen_unix().empty()) {
    socket_path_ = config.listen_unix();
    std::error_code ec;
    fs::create_directories(fs::path(socket_path_).parent_path(), ec);
    if (fs::exists(socket_path_, ec)) {
      if (socket_in_use(socket_path_)) {
        spdlog::error("{} is in use: another chaird is running", socket_path_);
        socket_path_.clear();  // not ours to remove
        return false;
      }
      fs::remove(socket_path_, ec);
    }
    api::SocketAccessPolicy policy{::geteuid(), std::nullopt};
    if (!config.socket_group().empty()) {
      const group* g = ::getgrnam(config.socket_group().c_str());
      if (g == nullptr) {
        spdlog::error("socket_group '{}' is not a group on this machine", config.socket_group());
        return false;
      }
      policy.group = g->gr_gid;
    }
    // chaird accepts on its socket itself, to check every peer's credentials.
    auto listener = api::UnixListener::open(socket_path_, policy);
    if (!listener) {
      spdlog::error("{}", listener.error());
      socket_path_.clear();
      return false;
    }
    unix_listener_ = std::move(*listener);
  }
  if (!config.listen_tcp().empty()) {
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({tls_key_pem_, tls_cert_pem_});
    builder.AddListeningPort(config.listen_tcp(), grpc::SslServerCredentials(tls));
  }
  // Keepalive (docs/api.md, "Connecting"): kiosks may check a quiet connection with pings as
  // often as every 10 s without being cut off for it (gRPC's default allows one per 5 minutes
  // and ends every stream of a kiosk that pings more), and chaird pings a quiet client every
  // 30 s itself, so that a kiosk that vanished without closing is noticed within 40 s.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinKioskPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.RegisterService(control_.get());
  builder.RegisterService(bench_.get());
  // Every refused call is logged with who asked (api/refusal_log.hpp).
  auto interceptors = std::move(hooks_.interceptors);
  interceptors.push_back(std::make_unique<api::RefusalLogFactory>(
      [listener = unix_listener_.get(), access = access_.get()](const grpc::ServerContextBase& c) {
        std::string who = listener != nullptr ? listener->describe_peer(c.peer()) : c.peer();
        if (const auto token = access->describe_token(c); !token.empty()) who += " with " + token;
        return who;
      }));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (!server_) {
    spdlog::error("cannot listen on {}{}", socket_path_,
                  config.listen_tcp().empty() ? "" : " / " + config.listen_tcp());
    return false;
  }
  if (unix_listener_) unix_listener_->serve(*server_);
  spdlog::info("listening on unix:{} (chaird's user, root{})", socket_path_,
               config.socket_group().empty() ? "" : " and group " + config.socket_group());
  if (!config.listen_tcp().empty())
    spdlog::info("also listening on {} (TLS; every call but EmergencyStop needs a token)",
                 config.listen_tcp());
  return true;
}

// The heat an earlier chaird recorded still counts, and this one's is kept as it goes: a
// restart, a crash included, must not hand a sitter a fresh heat allowance.
bool Daemon::restore_heat(SessionManagerOptions& options) {
  auto kept = stores_->heat.all();
  if (!kept) {
    spdlog::error("chaird's database cannot be read: {}", one_line(kept.error(), 600));
    return false;
  }
  boot_id_ = read_boot_id();
  auto earlier = earlier_heat(*kept, *chair_, scheduler_->now(), machine_now(boot_id_));
  for (const auto& line : earlier.left_out) spdlog::warn("stored heat left out: {}", line);
  if (earlier.kept > 0) {
    spdlog::info("{} stretch(es) of heat from the last day, before this start, still count",
                 earlier.kept);
  }
  options.earlier_heat = std::move(earlier.heat_on);
  options.keep_heat = [this](std::shared_ptr<const EnergyHistory> energy) {
    boost::asio::post(records_, [this, energy = std::move(energy), at = machine_now(boot_id_)] {
      keep_heat(*energy, at);
    });
  };
  return true;
}

void Daemon::keep_heat(const EnergyHistory& energy, const MachineTime& at) {
  if (auto saved = stores_->heat.replace(heat_spans_to_keep(energy, *chair_, at)); !saved) {
    spdlog::error("the heat given cannot be kept; a restart would forget it: {}",
                  one_line(saved.error(), 600));
  }
}

std::function<void(const sim::InjectedFault&)> Daemon::send_fault_to_board() {
  if (board_link_ == nullptr) return {};
  return [link = board_link_](const sim::InjectedFault& f) {
    board::InjectFault wire;
    wire.at_us = f.at.time_since_epoch().count();
    wire.kind = static_cast<std::uint16_t>(f.kind);
    if (f.actuator >= 0) wire.actuator = static_cast<std::uint16_t>(f.actuator);
    wire.amount = f.amount;
    wire.duration_ms = to_ms(f.lasts);
    link->inject_fault(wire);
  };
}

void Daemon::stop() {
  notifier_.stopping();
  // 1. The chair first: safe state, on the dispatch thread that owns it. A start being prepared
  // is cancelled before anything else, so that it cannot begin while this is under way.
  if (sessions_) sessions_->cancel_starts("chaird is shutting down");
  if (sessions_ && dispatch_thread_.joinable()) {
    std::promise<void> safe;
    boost::asio::post(dispatch_, [this, &safe] {
      sessions_->shutdown();
      safe.set_value();
    });
    safe.get_future().wait();
    spdlog::info("chair in its safe state");
  }
  // A start held by the bench's hook must not keep chaird from exiting.
  start_hold_.close();
  // 2. No new connections; then the server: ends every call (watch streams finish in OnCancel).
  // Clients that keep an idle connection open hold Shutdown until the deadline; the chair is
  // safe already, so keep it short.
  if (unix_listener_) unix_listener_->close();
  // A start that was being planned is refused by the session manager's shutdown latch.
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  planning_.join();
  records_.join();  // the last saves reach the database
  // Whatever the last calls posted has run by now; make sure the chair is still safe.
  if (sessions_ && dispatch_thread_.joinable()) {
    std::promise<void> again;
    boost::asio::post(dispatch_, [this, &again] {
      sessions_->shutdown();
      again.set_value();
    });
    again.get_future().wait();
  }
  // 3. The dispatch thread.
  notifier_.stop_watchdog();
  work_.reset();
  dispatch_.stop();
  if (dispatch_thread_.joinable()) dispatch_thread_.join();
  hub_.stop_fanout();  // the server is down: no stream is left to feed
  // The heat up to the safe state, kept (the records thread has stopped; this thread is alone).
  if (sessions_ && stores_) keep_heat(*sessions_->energy_history(), machine_now(boot_id_));
  if (recorder_) recorder_->flush();
  // How the last session ended, written; or, under another process's lock, told in the log
  // while there is one.
  if (history_) history_->stop();
  if (!socket_path_.empty()) {
    std::error_code ec;
    fs::remove(socket_path_, ec);
  }
}

}  // namespace chaird
