// chaird's side of the board link: an ActuatorBus that speaks the board protocol
// (docs/board-protocol.md) over a stream socket, to chair-simd or to a real board. Its own
// thread reads and writes with Boost.Asio; the dispatch thread only queues frames and copies
// the latest telemetry, so it never waits for the link.
//
// A board that refuses a frame, reports a dropped frame, sends frames that fail their checks,
// falls silent for longer than stale_ms or closes the link shows as a latched kFaultLinkLost (or
// the board's own fault) with a reason a kiosk can show; the board meanwhile goes safe by itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "board_link/clock_sync.hpp"
#include "bus/actuator_bus.hpp"
#include "bus/board_protocol.hpp"
#include "common/expected.hpp"
#include "common/thread_annotations.hpp"

namespace chaird {

struct BoardLinkOptions {
  std::string path;             // the board's Unix socket
  std::int64_t stale_ms = 500;  // no telemetry for this long: the link is lost
  std::int64_t connect_timeout_ms = 2000;
  // How often the board's clock is asked again (quicker for the first few answers, so that its
  // rate is known early in a session).
  std::int64_t sync_ms = 1000;
};

class BoardLink final : public ActuatorBus {
 public:
  // Connects, says Hello and waits for the board's answer; an error says why not.
  static Expected<std::unique_ptr<BoardLink>, std::string> connect(
      std::shared_ptr<const ChairModel> chair, const Clock& clock, BoardLinkOptions options);
  ~BoardLink() override;

  void submit(std::span<const BusCommand> commands) override;
  void refresh_lease(ChairTime now) override;
  void cancel_pending() override;
  void enter_safe_state() override;
  Telemetry read_telemetry() override;
  void clear_faults() override;
  // Until the board has acknowledged the ClearFaults and sent telemetry after it.
  bool clearing_faults() const override;

  // The bench: a fault for a simulated board (chair-simd) to suffer, its time in the host's
  // chair time (sent in the board's). A real board refuses it, and the refusal faults chaird.
  void inject_fault(board::InjectFault fault);

  // The board's watchdog: the host must refresh the lease well within it.
  std::int64_t watchdog_ms() const { return watchdog_ms_; }

 private:
  BoardLink(std::shared_ptr<const ChairModel> chair, const Clock& clock, BoardLinkOptions options);
  void send(board::Message m);  // any thread
  // Numbers m and queues it for the link thread: its sequence number, 0 when the link is down.
  std::uint32_t queue(const board::Message& m) CHAIRD_REQUIRES(mu_);
  // Any thread: the link thread writes what is queued.
  void post_write();
  void write() CHAIRD_REQUIRES(link_thread_);
  void read() CHAIRD_REQUIRES(link_thread_);
  void on_frame(const board::Frame& f) CHAIRD_REQUIRES(link_thread_);
  // Asks the board's time, and again after a while.
  void sync() CHAIRD_REQUIRES(link_thread_);
  // link_down: the connection itself is gone (faults cannot be cleared over it).
  void link_fault(std::uint32_t bit, const std::string& text, bool link_down = false)
      CHAIRD_REQUIRES(mu_);

  std::shared_ptr<const ChairModel> chair_;
  const Clock& clock_;
  BoardLinkOptions options_;
  std::int64_t watchdog_ms_ = 0;
  ClockSync board_clock_ CHAIRD_GUARDED_BY(mu_);

  boost::asio::io_context io_;
  boost::asio::local::stream_protocol::socket socket_{io_};
  boost::asio::steady_timer close_guard_{io_};
  boost::asio::steady_timer sync_timer_{io_};
  std::thread thread_;
  // The link thread's own (connect() sets them up before the thread starts).
  ThreadRole link_thread_;
  board::FrameDecoder decoder_ CHAIRD_GUARDED_BY(link_thread_);
  std::array<std::uint8_t, 4096> in_ CHAIRD_GUARDED_BY(link_thread_){};
  std::deque<std::vector<std::uint8_t>> out_ CHAIRD_GUARDED_BY(link_thread_);
  bool writing_ CHAIRD_GUARDED_BY(link_thread_) = false;
  bool closing_ CHAIRD_GUARDED_BY(link_thread_) = false;
  std::uint32_t expected_from_board_ CHAIRD_GUARDED_BY(link_thread_) = 0;

  mutable Mutex mu_;  // the dispatch thread and the link thread, held briefly
  std::uint32_t sent_ CHAIRD_GUARDED_BY(mu_) = 0;
  std::vector<std::vector<std::uint8_t>> outbox_
      CHAIRD_GUARDED_BY(mu_);  // numbered frames for the link thread
  Telemetry latest_ CHAIRD_GUARDED_BY(mu_);
  ChairTime latest_at_host_ CHAIRD_GUARDED_BY(mu_){};
  std::uint32_t link_faults_ CHAIRD_GUARDED_BY(mu_) = kFaultNone;
  std::string link_text_ CHAIRD_GUARDED_BY(mu_);
  bool open_ CHAIRD_GUARDED_BY(mu_) = true;
  // The last ClearFaults (its number) and how far its answer has come: the board's Ack, then
  // telemetry sent after it.
  enum class Clearing { kAnswered, kAwaitingAck, kAwaitingTelemetry };
  std::uint32_t clear_sequence_ CHAIRD_GUARDED_BY(mu_) = 0;
  Clearing clearing_ CHAIRD_GUARDED_BY(mu_) = Clearing::kAnswered;
};

}  // namespace chaird
