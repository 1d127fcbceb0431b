// chaird under systemd (Type=notify, WatchdogSec=): tells the service manager when it serves,
// when it stops, and that its dispatch loop is alive. The watchdog's pings are sent from a timer
// on the dispatch thread's own io_context, so a wedged dispatch loop stops them: systemd then
// kills chaird and starts it again, and the board, whose lease chaird no longer refreshes, goes
// to its safe state by itself. Without $NOTIFY_SOCKET (not under systemd) it does nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace chaird {

class ServiceNotifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (as sd_notify and sd_watchdog_enabled do).
  ServiceNotifier();

  // "READY=1", with a status line systemctl status shows.
  void ready(const std::string& status) const;
  // "STOPPING=1".
  void stopping() const;
  // Pings the watchdog at half its interval from a timer on dispatch, the dispatch thread's
  // io_context, until stop_watchdog(). Does nothing when systemd set no watchdog.
  void start_watchdog(boost::asio::io_context& dispatch);
  // Cancels the timer; call from any thread before dispatch stops running.
  void stop_watchdog();

  // The watchdog interval systemd asked for, if any.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

 private:
  struct Pinger;
  std::optional<std::chrono::microseconds> watchdog_;
  std::shared_ptr<Pinger> pinger_;
};

}  // namespace chaird
