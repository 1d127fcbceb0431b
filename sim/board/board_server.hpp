// The simulated board's side of the link (chair-simd): it owns a SimulatedChair, runs it on the
// board's own timer (the watchdog too, so that a dead host still leaves a safe chair), and
// speaks the board protocol (docs/board-protocol.md) to one host at a time over a stream socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/board_protocol.hpp"
#include "common/expected.hpp"
#include "model/simulated_chair.hpp"

namespace chaird::sim {

// The board's clock: its own steady clock from power-on. The host estimates the offset to its
// chair time (HelloAck, SyncReply) and sends due times in the board's time.
// drift_ppm makes it run fast (or slow, below 0) as a board's crystal does, for the bench: the
// host must follow it (docs/board-protocol.md, Time).
class BoardClock final : public Clock {
 public:
  explicit BoardClock(double drift_ppm = 0.0) : rate_(1.0 + drift_ppm * 1e-6) {}
  ChairTime now() const override;

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double rate_;
};

struct BoardServerOptions {
  std::string socket_path;
  std::int64_t tick_ms = 5;        // physics and the watchdog
  std::int64_t telemetry_ms = 20;  // telemetry to the host, also its heartbeat
  std::int64_t watchdog_ms = 0;    // 0: the profile's board_lease_ms; never longer than it
  std::function<void(const std::string&)> log;  // where the board reports what it dropped
  // Faults the board suffers (a scenario file; at_ms counts from the board's power-on).
  std::vector<InjectedFault> faults;
  double clock_drift_ppm = 0.0;  // the board's crystal against the host's clock
};

class BoardServer {
 public:
  BoardServer(boost::asio::io_context& io, std::shared_ptr<const ChairModel> chair,
              BoardServerOptions options);
  // Binds and listens; false (with a reason logged) when the socket cannot be made.
  bool start();
  void stop();

  std::int64_t watchdog_ms() const;

 private:
  struct Connection;
  void accept();
  void tick();
  void on_frame(Connection& c, const board::Frame& f);
  void send(Connection& c, const board::Message& m);
  void read(const std::shared_ptr<Connection>& c);
  void write(const std::shared_ptr<Connection>& c);
  void drop(const std::shared_ptr<Connection>& c, const std::string& why);
  void log(const std::string& text) const;
  Expected<InjectedFault, std::string> resolve_wire_fault(const board::InjectFault& m) const;

  std::shared_ptr<const ChairModel> chair_;
  BoardServerOptions options_;
  BoardClock clock_;
  SimulatedChair board_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer ticker_;
  std::shared_ptr<Connection> host_;
  std::chrono::steady_clock::time_point next_telemetry_{};
};

}  // namespace chaird::sim
