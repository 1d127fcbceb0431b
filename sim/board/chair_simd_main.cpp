// chair-simd: the simulated chair as a board of its own, on a Unix socket, speaking the board
// protocol (docs/board-protocol.md). chaird drives it with `bus { link { path: ... } }` or
// `--board PATH`; when chaird dies, this board goes safe by itself on its watchdog.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>

#include "board/board_server.hpp"

int main(int argc, char** argv) {
  CLI::App app{"chair-simd: the simulated chair's board as its own process"};
  std::string chair_path;
  std::string socket_path;
  std::int64_t watchdog_ms = 0;
  app.add_option("--chair", chair_path, "chair profile file")->required();
  app.add_option("--socket", socket_path, "Unix socket to listen on")->required();
  app.add_option("--watchdog-ms", watchdog_ms,
                 "go safe after this long without a lease (at most the profile's board_lease_ms)");
  std::string faults_path;
  app.add_option("--faults", faults_path,
                 "a fault scenario the board suffers, at_ms from its power-on (docs/simulator.md)");
  double drift_ppm = 0.0;
  app.add_option("--clock-drift-ppm", drift_ppm,
                 "run the board's clock this much fast (or slow, below 0), as a crystal does; "
                 "chaird must follow it")
      ->check(CLI::Range(-100000.0, 100000.0));
  CLI11_PARSE(app, argc, argv);

  auto chair = chaird::ChairModel::load(chair_path);
  if (!chair) {
    std::fprintf(stderr, "chair-simd: cannot load the chair profile:\n%s\n",
                 chair.error().to_string().c_str());
    return 1;
  }
  chaird::sim::BoardServerOptions options;
  if (!faults_path.empty()) {
    auto faults = chaird::sim::load_fault_scenario(faults_path, **chair);
    if (!faults) {
      std::fprintf(stderr, "chair-simd: the fault scenario cannot be used:\n%s",
                   faults.error().to_string().c_str());
      return 2;
    }
    options.faults = std::move(*faults);
  }
  boost::asio::io_context io;
  options.socket_path = socket_path;
  options.watchdog_ms = watchdog_ms;
  options.clock_drift_ppm = drift_ppm;
  options.log = [](const std::string& text) {
    std::fprintf(stderr, "chair-simd: %s\n", text.c_str());
  };
  chaird::sim::BoardServer server(io, *chair, options);
  if (!server.start()) return 1;
  std::fprintf(stderr, "chair-simd: board for '%s' on %s (watchdog %lld ms)\n",
               (*chair)->profile().id().c_str(), socket_path.c_str(),
               static_cast<long long>(server.watchdog_ms()));
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.stop();  // the safe state first
    io.stop();
  });
  io.run();
  std::fprintf(stderr, "chair-simd: stopped, chair safe\n");
  ::unlink(socket_path.c_str());
  return 0;
}
