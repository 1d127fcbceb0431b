#include "board_link/board_link.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

namespace chaird {

namespace asio = boost::asio;
using asio::local::stream_protocol;

namespace {

std::int64_t us(ChairTime t) {
  return t.time_since_epoch().count();
}

// Blocking helpers for the handshake only (start-up, before the link thread runs).
bool write_all(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Why the link went down, for the status a kiosk shows. A board that dies with bytes from chaird
// still unread resets the connection instead of closing it (Linux, AF_UNIX); writing to it breaks
// the pipe. Either way the board went away, as with an orderly close.
std::string link_lost_reason(const boost::system::error_code& ec) {
  if (ec == asio::error::eof) return "the board closed the link";
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
    return "the board closed the link (" + ec.message() + ")";
  }
  return "the board link broke: " + ec.message();
}

// The shortest watchdog chaird keeps: it refreshes the lease at a quarter of it, and a refresh
// every 5 ms is as often as a busy host can promise.
constexpr std::uint32_t kMinBoardWatchdogMs = 20;

// Why chaird will not drive a board that answered Hello like this (empty: it will). The
// watchdog is what makes the chair safe when chaird falls silent: none, one chaird cannot keep,
// or one that leaves outputs on for longer than the chair profile allows, is no board to drive.
std::string refusal_of(const board::HelloAck& ack, const ChairModel& chair,
                       const std::string& path) {
  if (ack.version != board::kProtocolVersion) {
    return fmt::format("the board at {} speaks protocol version {}; chaird speaks {}", path,
                       ack.version, board::kProtocolVersion);
  }
  if (ack.actuator_count != chair.actuator_count()) {
    return fmt::format("the board at {} drives {} actuators; the chair profile '{}' has {}", path,
                       ack.actuator_count, chair.profile().id(), chair.actuator_count());
  }
  if (ack.watchdog_ms < kMinBoardWatchdogMs) {
    return fmt::format(
        "the board at {} reports a watchdog of {} ms; chaird needs at least {} ms to keep its "
        "lease",
        path, ack.watchdog_ms, kMinBoardWatchdogMs);
  }
  if (ack.watchdog_ms > chair.limits().board_lease_ms()) {
    return fmt::format(
        "the board at {} reports a watchdog of {} ms; the chair profile allows at most {} ms "
        "(limits.board_lease_ms) before every output goes safe",
        path, ack.watchdog_ms, chair.limits().board_lease_ms());
  }
  return {};
}

}  // namespace

BoardLink::BoardLink(std::shared_ptr<const ChairModel> chair, const Clock& clock,
                     BoardLinkOptions options)
    : chair_(std::move(chair)), clock_(clock), options_(std::move(options)) {
  latest_.measured = chair_->home_values();
  latest_.commanded = chair_->home_values();
}

Expected<std::unique_ptr<BoardLink>, std::string> BoardLink::connect(
    std::shared_ptr<const ChairModel> chair, const Clock& clock, BoardLinkOptions options) {
  std::unique_ptr<BoardLink> link(new BoardLink(std::move(chair), clock, std::move(options)));
  // The link thread's state is set up here, on the caller's thread, before that thread starts.
  link->link_thread_.assert_current();
  const auto& path = link->options_.path;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof(addr.sun_path)) {
    if (fd >= 0) ::close(fd);
    return Unexpected{fmt::format("cannot reach the board at {}: bad socket path", path)};
  }
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int e = errno;
    ::close(fd);
    return Unexpected{fmt::format("cannot reach the board at {}: {}", path, std::strerror(e))};
  }
  // Hello, and wait for the board's answer.
  const ChairTime sent_at = clock.now();
  std::uint32_t hello_sequence = 0;
  {
    // No other thread runs yet; the lock costs nothing and keeps the analysis whole.
    MutexLock lock(link->mu_);
    hello_sequence = link->sent_ = board::next_sequence(0);
  }
  board::Hello hello{board::kProtocolVersion,
                     static_cast<std::uint16_t>(link->chair_->actuator_count()),
                     static_cast<std::uint32_t>(link->chair_->limits().board_lease_ms())};
  if (!write_all(fd, board::encode(hello, hello_sequence))) {
    ::close(fd);
    return Unexpected{fmt::format("the board at {} closed the link", path)};
  }
  std::optional<board::HelloAck> ack;
  std::string refusal;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(link->options_.connect_timeout_ms);
  while (!ack && refusal.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) != 1) {
      refusal = fmt::format("the board at {} did not answer within {} ms", path,
                            link->options_.connect_timeout_ms);
      break;
    }
    std::array<std::uint8_t, 4096> buf{};
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) {
      refusal = fmt::format("the board at {} closed the link", path);
      break;
    }
    auto result = link->decoder_.feed(std::span(buf.data(), static_cast<std::size_t>(n)));
    for (const auto& f : result.frames) {
      link->expected_from_board_ = board::next_sequence(f.sequence);
      if (const auto* a = std::get_if<board::HelloAck>(&f.message)) ack = *a;
      if (const auto* r = std::get_if<board::Refused>(&f.message))
        refusal = "the board refused chaird: " + r->reason;
    }
  }
  // A Refused read with the HelloAck is the board's last word, whichever came first.
  if (ack && refusal.empty()) refusal = refusal_of(*ack, *link->chair_, path);
  if (!refusal.empty()) {
    ::close(fd);
    return Unexpected{refusal};
  }
  const ChairTime received_at = clock.now();
  // The board's clock against ours: the first answer (Sync keeps asking).
  {
    MutexLock lock(link->mu_);
    link->board_clock_.add(us(sent_at), us(received_at), ack->board_time_us);
    link->latest_at_host_ = received_at;
  }
  link->watchdog_ms_ = ack->watchdog_ms;
  link->socket_.assign(stream_protocol(), fd);
  link->read();
  link->sync();
  link->link_thread_.rebind();  // from here on, the link thread's
  link->thread_ = std::thread([l = link.get()] { l->io_.run(); });
  return link;
}

BoardLink::~BoardLink() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    link_thread_.assert_current();
    // What is queued leaves first (at shutdown, the Safe frame above all); a board that does
    // not take it within 200 ms does not hold chaird's exit (its watchdog makes it safe).
    closing_ = true;
    sync_timer_.cancel();
    close_guard_.expires_after(std::chrono::milliseconds(200));
    close_guard_.async_wait([this](boost::system::error_code) { io_.stop(); });
    write();
  });
  thread_.join();
}

std::uint32_t BoardLink::queue(const board::Message& m) {
  if (!open_) return 0;
  sent_ = board::next_sequence(sent_);
  // Numbered and queued in one step, so that frames leave in the order of their numbers
  // whichever thread sends them.
  outbox_.push_back(board::encode(m, sent_));
  return sent_;
}

void BoardLink::send(board::Message m) {
  {
    MutexLock lock(mu_);
    if (queue(m) == 0) return;
  }
  post_write();
}

void BoardLink::post_write() {
  asio::post(io_, [this] {
    link_thread_.assert_current();
    write();
  });
}

void BoardLink::write() {
  if (writing_) return;
  {
    MutexLock lock(mu_);
    for (auto& f : outbox_) out_.push_back(std::move(f));
    outbox_.clear();
  }
  if (out_.empty()) {
    if (closing_) io_.stop();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_.front()),
                    [this](boost::system::error_code ec, std::size_t) {
                      link_thread_.assert_current();
                      writing_ = false;
                      if (ec) {
                        MutexLock lock(mu_);
                        link_fault(kFaultLinkLost, link_lost_reason(ec), /*link_down=*/true);
                        if (closing_) io_.stop();
                        return;
                      }
                      out_.pop_front();
                      write();
                    });
}

void BoardLink::read() {
  socket_.async_read_some(asio::buffer(in_), [this](boost::system::error_code ec, std::size_t n) {
    link_thread_.assert_current();
    if (ec) {
      MutexLock lock(mu_);
      link_fault(kFaultLinkLost, link_lost_reason(ec), /*link_down=*/true);
      return;
    }
    auto result = decoder_.feed(std::span(in_.data(), n));
    for (const auto& f : result.frames) on_frame(f);
    if (!result.problems.empty()) {
      MutexLock lock(mu_);
      link_fault(kFaultLinkLost,
                 "the board sends frames that fail their checks: " + result.problems[0].reason);
    }
    read();
  });
}

void BoardLink::on_frame(const board::Frame& f) {
  MutexLock lock(mu_);
  if (f.sequence != expected_from_board_) {
    link_fault(kFaultLinkLost, fmt::format("board frames {} to {} were lost", expected_from_board_,
                                           f.sequence - 1));
  }
  expected_from_board_ = board::next_sequence(f.sequence);
  if (const auto* t = std::get_if<board::TelemetryFrame>(&f.message)) {
    if (t->measured.size() != chair_->actuator_count()) {
      link_fault(kFaultLinkLost, fmt::format("the board reports {} actuators, the chair has {}",
                                             t->measured.size(), chair_->actuator_count()));
      return;
    }
    // Where the board steers is what a pause or a stop plans its ramp from: a target more than
    // a whole range beyond its actuator's range is garbage (a board only takes targets inside
    // it), not a state to plan from. Measured values may run wild (a runaway heater, a drifting
    // sensor): the governor judges those.
    for (std::size_t i = 0; i < t->commanded.size(); ++i) {
      const auto& a = chair_->actuator(static_cast<ActuatorIndex>(i));
      const double v = t->commanded[i];
      if (v < a.min - (a.max - a.min) || v > a.max + (a.max - a.min)) {
        link_fault(kFaultLinkLost,
                   fmt::format("the board says it steers {} to {:g}, which no {} reaches ({:g} "
                               "to {:g}): garbage from the board",
                               a.id, v, a.id, a.min, a.max));
        return;
      }
    }
    latest_.at = ChairTime(ChairDuration(board_clock_.host_time(t->at_us)));
    latest_.measured = t->measured;
    latest_.commanded = t->commanded;
    latest_.faults = t->faults;
    latest_.fault_text = t->fault_text;
    latest_.supply_v = t->supply_v;
    latest_.seat_occupied = (t->sensors & board::TelemetryFrame::kSeatOccupied) != 0;
    latest_.pinch_detected = (t->sensors & board::TelemetryFrame::kPinchDetected) != 0;
    latest_at_host_ = clock_.now();
    // Sent after the board acknowledged the clear: what it shows is the clear's outcome.
    if (clearing_ == Clearing::kAwaitingTelemetry) clearing_ = Clearing::kAnswered;
  } else if (const auto* r = std::get_if<board::Refused>(&f.message)) {
    if (clearing_ != Clearing::kAnswered && r->sequence == clear_sequence_) {
      clearing_ = Clearing::kAnswered;  // refused: its faults stay
    }
    link_fault(r->faults != kFaultNone ? r->faults : kFaultInvalidCommand,
               "the board refused a command: " + r->reason);
  } else if (const auto* e = std::get_if<board::FrameError>(&f.message)) {
    link_fault(kFaultLinkLost, "the board dropped a frame from chaird: " + e->reason);
  } else if (const auto* reply = std::get_if<board::SyncReply>(&f.message)) {
    // (An answer to no question of ours, a round trip that went backwards or took ages, is
    // set aside by the estimate.)
    board_clock_.add(reply->host_time_us, us(clock_.now()), reply->board_time_us);
  } else if (const auto* a = std::get_if<board::Ack>(&f.message)) {
    // Other Acks need nothing: a refusal is what matters, and it is reported.
    if (clearing_ == Clearing::kAwaitingAck && a->sequence == clear_sequence_) {
      clearing_ = Clearing::kAwaitingTelemetry;
    }
  }
}

void BoardLink::link_fault(std::uint32_t bit, const std::string& text, bool link_down) {
  if (link_faults_ == kFaultNone) link_text_ = text;
  link_faults_ |= bit;
  if (link_down) {
    open_ = false;
    clearing_ = Clearing::kAnswered;  // no answer will come
  }
}

void BoardLink::submit(std::span<const BusCommand> commands) {
  for (std::size_t i = 0; i < commands.size(); i += board::kMaxCommandsPerFrame) {
    board::Commands frame;
    const auto end = std::min(commands.size(), i + board::kMaxCommandsPerFrame);
    {
      // Due times in the board's clock, as the estimate stands now.
      MutexLock lock(mu_);
      for (std::size_t k = i; k < end; ++k) {
        const auto& c = commands[k];
        frame.commands.push_back({static_cast<std::uint16_t>(c.actuator),
                                  board_clock_.board_time(us(c.due)),
                                  board_clock_.board_time(us(c.reach_by)), c.value});
      }
    }
    send(std::move(frame));
  }
}

void BoardLink::inject_fault(board::InjectFault fault) {
  {
    MutexLock lock(mu_);
    fault.at_us = board_clock_.board_time(fault.at_us);
  }
  send(fault);
}

void BoardLink::sync() {
  // Quickly at first (the rate needs answers spread over a while), then every sync_ms.
  constexpr std::size_t kQuickAnswers = 8;
  constexpr std::int64_t kQuickSyncMs = 100;
  std::int64_t next_ms = options_.sync_ms;
  {
    MutexLock lock(mu_);
    if (!open_) return;
    if (board_clock_.samples() < kQuickAnswers) next_ms = std::min(next_ms, kQuickSyncMs);
  }
  send(board::Sync{us(clock_.now())});
  sync_timer_.expires_after(std::chrono::milliseconds(next_ms));
  sync_timer_.async_wait([this](boost::system::error_code ec) {
    link_thread_.assert_current();
    if (!ec && !closing_) sync();
  });
}

void BoardLink::refresh_lease(ChairTime now) {
  send(board::Lease{us(now)});
}

void BoardLink::cancel_pending() {
  send(board::Cancel{});
}

void BoardLink::enter_safe_state() {
  send(board::Safe{});
}

Telemetry BoardLink::read_telemetry() {
  MutexLock lock(mu_);
  const ChairTime now = clock_.now();
  if (now - latest_at_host_ > std::chrono::milliseconds(options_.stale_ms)) {
    link_fault(kFaultLinkLost,
               fmt::format("the board has not reported for {} ms", to_ms(now - latest_at_host_)));
  }
  Telemetry t = latest_;
  t.faults |= link_faults_;
  if (link_faults_ != kFaultNone) t.fault_text = link_text_;
  return t;
}

void BoardLink::clear_faults() {
  {
    MutexLock lock(mu_);
    // A link that is down stays down: only the board's own faults can be acknowledged.
    if (!open_) return;
    link_faults_ = kFaultNone;
    link_text_.clear();
    // Numbered in the same step as it is marked, so that its Ack cannot come unrecognised.
    clear_sequence_ = queue(board::ClearFaults{});
    clearing_ = Clearing::kAwaitingAck;
  }
  post_write();
}

bool BoardLink::clearing_faults() const {
  MutexLock lock(mu_);
  return clearing_ != Clearing::kAnswered;
}

}  // namespace chaird
