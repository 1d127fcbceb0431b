#include "board/board_server.hpp"

#include <fmt/format.h>

#include <boost/asio/write.hpp>
#include <filesystem>

namespace chaird::sim {

namespace asio = boost::asio;
using asio::local::stream_protocol;

ChairTime BoardClock::now() const {
  const auto elapsed =
      std::chrono::duration_cast<ChairDuration>(std::chrono::steady_clock::now() - start_);
  if (rate_ == 1.0) return ChairTime(elapsed);
  return ChairTime(
      ChairDuration(static_cast<std::int64_t>(static_cast<double>(elapsed.count()) * rate_)));
}

struct BoardServer::Connection {
  explicit Connection(stream_protocol::socket s) : socket(std::move(s)) {}
  stream_protocol::socket socket;
  board::FrameDecoder decoder;
  std::array<std::uint8_t, 4096> in{};
  std::deque<std::vector<std::uint8_t>> out;
  bool writing = false;
  bool greeted = false;
  bool closed = false;
  std::uint32_t expected = 0;  // the next host sequence number, once greeted
  std::uint32_t sent = 0;
};

BoardServer::BoardServer(asio::io_context& io, std::shared_ptr<const ChairModel> chair,
                         BoardServerOptions options)
    : chair_(std::move(chair)),
      options_(std::move(options)),
      clock_(options_.clock_drift_ppm),
      board_(chair_, clock_),
      acceptor_(io),
      ticker_(io) {
  if (options_.watchdog_ms > 0) board_.shorten_watchdog(options_.watchdog_ms);
  // A scenario holds at most what a chair holds (load_fault_scenario), and this chair none yet.
  for (const auto& f : options_.faults) (void)board_.schedule_fault(f);
}

std::int64_t BoardServer::watchdog_ms() const {
  return board_.watchdog_ms();
}

Expected<InjectedFault, std::string> BoardServer::resolve_wire_fault(
    const board::InjectFault& m) const {
  chair::v1::InjectedFault proto;
  if (!chair::v1::InjectedFaultKind_IsValid(m.kind)) {
    return Unexpected{fmt::format("kind: {} is not a fault kind", m.kind)};
  }
  proto.set_kind(static_cast<chair::v1::InjectedFaultKind>(m.kind));
  if (m.actuator != board::InjectFault::kNoActuator) {
    if (m.actuator >= chair_->actuator_count()) {
      return Unexpected{fmt::format("actuator: the board has no actuator #{}", m.actuator)};
    }
    proto.set_actuator(chair_->actuator(static_cast<ActuatorIndex>(m.actuator)).id);
  }
  proto.set_at_ms(std::max<std::int64_t>(0, m.at_us / 1000));
  proto.set_amount(m.amount);
  proto.set_duration_ms(m.duration_ms);
  auto fault = resolve_fault(proto, *chair_);
  if (!fault) return Unexpected{fault.error().field + ": " + fault.error().message};
  return *fault;
}

void BoardServer::log(const std::string& text) const {
  if (options_.log) options_.log(text);
}

bool BoardServer::start() {
  boost::system::error_code ec;
  std::filesystem::remove(options_.socket_path, ec);
  acceptor_.open(stream_protocol(), ec);
  if (!ec) acceptor_.bind(stream_protocol::endpoint(options_.socket_path), ec);
  if (!ec) acceptor_.listen(4, ec);
  if (ec) {
    log(fmt::format("cannot listen on {}: {}", options_.socket_path, ec.message()));
    return false;
  }
  accept();
  tick();
  return true;
}

void BoardServer::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  ticker_.cancel();
  if (host_) drop(host_, "the board is shutting down");
  board_.enter_safe_state();
}

void BoardServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, stream_protocol::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto c = std::make_shared<Connection>(std::move(socket));
      if (host_) {
        // One host at a time: two hosts planning for one chair would fight over it.
        send(*c, board::Refused{0, kFaultInvalidCommand, "another host is connected"});
        write(c);
        c->closed = true;
      } else {
        host_ = c;
        read(c);
      }
    }
    accept();
  });
}

// The board's own timer: physics, the watchdog and the board's limits advance here, whether or
// not a host is connected (SimulatedChair checks the lease as it advances).
void BoardServer::tick() {
  Telemetry t = board_.read_telemetry();  // advances physics, the watchdog and the limits
  const auto now = std::chrono::steady_clock::now();
  if (host_ && host_->greeted && now >= next_telemetry_) {
    next_telemetry_ = now + std::chrono::milliseconds(options_.telemetry_ms);
    board::TelemetryFrame f;
    f.at_us = t.at.time_since_epoch().count();
    f.faults = t.faults;
    f.measured = std::move(t.measured);
    f.commanded = std::move(t.commanded);
    f.fault_text = std::move(t.fault_text);
    f.supply_v = t.supply_v;
    f.sensors =
        static_cast<std::uint8_t>((t.seat_occupied ? board::TelemetryFrame::kSeatOccupied : 0) |
                                  (t.pinch_detected ? board::TelemetryFrame::kPinchDetected : 0));
    send(*host_, f);
    write(host_);
  }
  ticker_.expires_after(std::chrono::milliseconds(options_.tick_ms));
  ticker_.async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

void BoardServer::read(const std::shared_ptr<Connection>& c) {
  c->socket.async_read_some(
      asio::buffer(c->in), [this, c](boost::system::error_code ec, std::size_t n) {
        if (ec) {
          drop(c, ec == asio::error::eof ? "the host closed the link" : ec.message());
          return;
        }
        auto result = c->decoder.feed(std::span(c->in.data(), n));
        for (const auto& p : result.problems) {
          log("dropped: " + p.reason);
          if (c->greeted) send(*c, board::FrameError{p.sequence.value_or(0), p.reason});
        }
        for (const auto& f : result.frames) on_frame(*c, f);
        write(c);
        if (!c->closed) read(c);
      });
}

void BoardServer::on_frame(Connection& c, const board::Frame& f) {
  const auto type = board::type_of(f.message);
  if (!c.greeted) {
    const auto* hello = std::get_if<board::Hello>(&f.message);
    if (hello == nullptr) {
      // Before a Hello nothing is acted on: random bytes that happen to form a frame do not
      // move the chair.
      send(c, board::Refused{f.sequence, kFaultInvalidCommand,
                             fmt::format("{} before Hello; ignored", board::type_name(type))});
      return;
    }
    if (hello->version != board::kProtocolVersion ||
        hello->actuator_count != chair_->actuator_count()) {
      send(c, board::Refused{f.sequence, kFaultInvalidCommand,
                             fmt::format("this board speaks version {} with {} actuators; the host "
                                         "asked for version {} with {}",
                                         board::kProtocolVersion, chair_->actuator_count(),
                                         hello->version, hello->actuator_count)});
      c.closed = true;
      return;
    }
    c.greeted = true;
    c.expected = board::next_sequence(f.sequence);
    // (A Hello is not a lease: a host that only says hello does not keep the chair moving.)
    send(c, board::HelloAck{board::kProtocolVersion,
                            static_cast<std::uint16_t>(chair_->actuator_count()),
                            static_cast<std::uint32_t>(watchdog_ms()),
                            clock_.now().time_since_epoch().count()});
    return;
  }
  if (f.sequence != c.expected) {
    // A frame went missing, and it may have held commands: stop rather than guess.
    const auto text =
        fmt::format("host frames {} to {} were lost or corrupted; the board went safe", c.expected,
                    f.sequence - 1);
    board_.inject_fault(kFaultLinkLost, text);
    send(c, board::FrameError{c.expected, text});
  }
  c.expected = board::next_sequence(f.sequence);
  const ChairTime now = clock_.now();
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, board::Commands>) {
          std::vector<BusCommand> commands;
          commands.reserve(m.commands.size());
          for (const auto& w : m.commands) {
            commands.push_back({static_cast<ActuatorIndex>(w.actuator),
                                ChairTime(ChairDuration(w.due_us)),
                                ChairTime(ChairDuration(w.reach_by_us)), w.value});
          }
          const auto before = board_.faults();
          board_.submit(commands);
          const auto after = board_.faults();
          if (after == kFaultNone) {
            send(c, board::Ack{f.sequence});
          } else {
            send(c, board::Refused{f.sequence, after,
                                   after != before
                                       ? board_.fault_text()
                                       : "the board is holding the safe state after a fault"});
          }
        } else if constexpr (std::is_same_v<T, board::Lease>) {
          board_.refresh_lease(now);
        } else if constexpr (std::is_same_v<T, board::Sync>) {
          send(c, board::SyncReply{m.host_time_us, now.time_since_epoch().count()});
        } else if constexpr (std::is_same_v<T, board::Cancel>) {
          board_.cancel_pending();
          send(c, board::Ack{f.sequence});
        } else if constexpr (std::is_same_v<T, board::Safe>) {
          board_.enter_safe_state();
          send(c, board::Ack{f.sequence});
        } else if constexpr (std::is_same_v<T, board::ClearFaults>) {
          board_.clear_faults();
          send(c, board::Ack{f.sequence});
        } else if constexpr (std::is_same_v<T, board::InjectFault>) {
          // The bench's fault, checked like a scenario's: from a host, it is hostile too.
          auto fault = resolve_wire_fault(m);
          if (fault && !board_.schedule_fault(*fault)) {
            send(c, board::Refused{f.sequence, kFaultNone, too_many_injected_faults()});
          } else if (fault) {
            log("suffering an injected fault: " + describe_fault(*fault, *chair_));
            send(c, board::Ack{f.sequence});
          } else {
            send(c, board::Refused{f.sequence, kFaultNone,
                                   "the injected fault cannot be used: " + fault.error()});
          }
        } else {
          send(c, board::Refused{f.sequence, kFaultInvalidCommand,
                                 fmt::format("a board does not take {}", board::type_name(type))});
        }
      },
      f.message);
}

void BoardServer::send(Connection& c, const board::Message& m) {
  c.sent = board::next_sequence(c.sent);
  c.out.push_back(board::encode(m, c.sent));
}

void BoardServer::write(const std::shared_ptr<Connection>& c) {
  if (c->writing || c->out.empty()) return;
  c->writing = true;
  asio::async_write(c->socket, asio::buffer(c->out.front()),
                    [this, c](boost::system::error_code ec, std::size_t) {
                      c->writing = false;
                      if (ec) {
                        drop(c, ec.message());
                        return;
                      }
                      c->out.pop_front();
                      if (!c->out.empty()) {
                        write(c);
                      } else if (c->closed) {
                        boost::system::error_code ignored;
                        c->socket.shutdown(stream_protocol::socket::shutdown_both, ignored);
                        c->socket.close(ignored);
                        if (host_ == c) host_.reset();
                      }
                    });
}

void BoardServer::drop(const std::shared_ptr<Connection>& c, const std::string& why) {
  if (host_ == c) {
    host_.reset();
    // The board keeps its state and its watchdog: a host that went away leaves a chair that
    // goes safe by itself once the lease runs out.
    log("host disconnected: " + why);
  }
  c->closed = true;
  boost::system::error_code ignored;
  c->socket.close(ignored);
}

}  // namespace chaird::sim
