// chaird: the massage chair controller daemon.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <csignal>
#include <iostream>

#include "common/async_log.hpp"
#include "config/daemon_config.hpp"
#include "daemon.hpp"

int main(int argc, char** argv) {
  // Signals are taken by sigwait below, never by a handler on a random thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{"chaird: massage chair controller (simulated chair)"};
  std::optional<std::string> config_path;
  std::string socket, socket_group, tcp, chair, clock, trace, log_level, board, state_dir, rules;
  std::string tokens_file, tls_cert, tls_key;
  bool print_config = false;
  std::vector<std::string> plugin_dirs, program_dirs;
  double time_scale = 0.0;
  app.add_option("-c,--config", config_path,
                 "configuration file (text-format chair.v1.DaemonConfig)");
  app.add_option("--socket", socket, "Unix socket to listen on");
  app.add_option("--socket-group", socket_group,
                 "besides chaird's user and root, this group may use the socket");
  app.add_option("--tcp", tcp,
                 "also listen on this host:port, with TLS (--tls-cert, --tls-key) and tokens "
                 "(--tokens-file) only");
  app.add_option("--tokens-file", tokens_file,
                 "bearer tokens' names, roles and hashes; every call but EmergencyStop then needs "
                 "one (docs/security.md)");
  app.add_option("--tls-cert", tls_cert, "TLS certificate chain (PEM) for --tcp");
  app.add_option("--tls-key", tls_key, "TLS private key (PEM) for --tcp");
  std::optional<int> rt_priority;
  bool lock_memory = false;
  app.add_option("--rt-priority", rt_priority,
                 "run the dispatch thread under SCHED_FIFO at this priority (1..99), if permitted");
  app.add_flag("--lock-memory", lock_memory, "lock chaird's memory (mlockall), if permitted");
  app.add_flag("--print-config", print_config,
               "print the configuration in effect (file, defaults and options) and exit");
  app.add_option("--plugins", plugin_dirs, "plugin directory (repeatable; replaces the default)");
  app.add_option("--programs", program_dirs,
                 "program directory (repeatable; replaces the default)");
  app.add_option("--chair", chair, "chair profile file");
  app.add_option("--rules", rules,
                 "contraindication rules file (docs/contraindication-rules.md); a broken one "
                 "leaves chaird refusing every session");
  app.add_option("--state-dir", state_dir,
                 "where chaird keeps its database (custom programs, profiles, history)");
  app.add_option("--board", board,
                 "drive the board on this Unix socket (chair-simd, or hardware) instead of the "
                 "simulated chair inside chaird");
  app.add_option("--clock", clock, "steady, scaled, virtual or manual")
      ->check(CLI::IsMember({"steady", "scaled", "virtual", "manual"}));
  app.add_option("--time-scale", time_scale, "chair seconds per real second with --clock scaled");
  app.add_option("--trace", trace, "write every status sample to this .csv or .jsonl file");
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error");
  std::string faults;
  app.add_option("--faults", faults,
                 "a fault scenario the simulated chair suffers (docs/simulator.md)");
  std::optional<std::int64_t> client_lease_ms, max_pause_ms, max_watch_streams;
  app.add_option("--client-lease-ms", client_lease_ms,
                 "a session stops when its app sends no heartbeat for this long (chair time; "
                 "negative: no lease)");
  app.add_option("--max-pause-ms", max_pause_ms, "a pause longer than this ends the session");
  app.add_option("--max-watch-streams", max_watch_streams,
                 "WatchSession streams served at once (the controlling app's always is)");
  CLI11_PARSE(app, argc, argv);

  // No thread that logs may wait for stderr's reader: the stop paths log after they act,
  // through this asynchronous, dropping logger.
  const auto log_label = std::make_shared<chaird::LogSessionLabel>();
  const auto log_drops = chaird::install_async_log(STDERR_FILENO, log_label);
  std::size_t drops_reported = 0;

  const auto root = chaird::install_root();
  // The command line over the file and the defaults, before anything is checked: a default
  // that cannot be worked out here (no home for a system user) is no error when replaced.
  const auto command_line = [&](chair::v1::DaemonConfig& config) {
    if (!socket.empty()) config.set_listen_unix(socket);
    if (!tcp.empty()) config.set_listen_tcp(tcp);
    if (!socket_group.empty()) config.set_socket_group(socket_group);
    if (!plugin_dirs.empty())
      *config.mutable_plugin_dirs() = {plugin_dirs.begin(), plugin_dirs.end()};
    if (!program_dirs.empty())
      *config.mutable_program_dirs() = {program_dirs.begin(), program_dirs.end()};
    if (!chair.empty()) config.set_chair_profile(chair);
    if (!state_dir.empty()) config.set_state_dir(state_dir);
    if (!rules.empty()) config.set_contraindication_rules(rules);
    if (!tokens_file.empty()) config.set_tokens_file(tokens_file);
    if (!tls_cert.empty()) config.set_tls_cert_file(tls_cert);
    if (!tls_key.empty()) config.set_tls_key_file(tls_key);
    if (rt_priority) config.set_dispatch_rt_priority(*rt_priority);
    if (lock_memory) config.set_lock_memory(true);
    if (!clock.empty()) {
      std::string upper = clock;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      chair::v1::ClockMode mode = chair::v1::STEADY;
      chair::v1::ClockMode_Parse(upper, &mode);
      config.mutable_clock()->set_mode(mode);
    }
    if (time_scale != 0.0) config.mutable_clock()->set_time_scale(time_scale);
    if (!trace.empty()) config.mutable_sim()->set_trace_path(trace);
    if (!board.empty()) config.mutable_bus()->mutable_link()->set_path(board);
    if (!faults.empty()) config.mutable_sim()->set_fault_scenario(faults);
    if (!log_level.empty()) config.set_log_level(log_level);
    if (client_lease_ms) config.set_client_lease_ms(*client_lease_ms);
    if (max_pause_ms) config.set_max_pause_ms(*max_pause_ms);
    if (max_watch_streams) config.set_max_watch_streams(*max_watch_streams);
  };
  auto loaded = chaird::load_config(config_path, root, command_line);
  if (!loaded) {
    std::cerr << loaded.error().to_string();
    return 2;
  }
  const chair::v1::DaemonConfig config = *loaded;
  if (print_config) {
    std::cout << chaird::config_text(config);
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level()));

  chaird::DaemonHooks hooks;
  hooks.log_session_label = log_label;
  chaird::Daemon daemon(std::move(hooks));
  if (!daemon.start(config)) return 1;
  int signal = -1;
  const timespec report_every{10, 0};
  while (signal < 0) {
    signal = sigtimedwait(&signals, nullptr, &report_every);
    chaird::report_log_drops(*log_drops, drops_reported);
  }
  spdlog::info("{} received: bringing the chair to its safe state",
               signal == SIGINT ? "SIGINT" : "SIGTERM");
  daemon.stop();
  chaird::report_log_drops(*log_drops, drops_reported);
  spdlog::info("stopped");
  spdlog::shutdown();
  return 0;
}
