#include "service_notifier.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <boost/asio/post.hpp>

namespace chaird {

struct ServiceNotifier::Pinger {
  explicit Pinger(boost::asio::io_context& io, std::chrono::microseconds every)
      : timer(io), period(every) {}
  boost::asio::steady_timer timer;
  std::chrono::microseconds period;
  std::atomic<bool> stopped{false};

  static void arm(const std::shared_ptr<Pinger>& self) {
    self->timer.expires_after(self->period);
    self->timer.async_wait([self](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      // Runs on the dispatch thread: it reaches here only when that loop is turning.
      sd_notify(0, "WATCHDOG=1");
      arm(self);
    });
  }
};

ServiceNotifier::ServiceNotifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

void ServiceNotifier::ready(const std::string& status) const {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceNotifier::stopping() const {
  sd_notify(0, "STOPPING=1\nSTATUS=bringing the chair to its safe state");
}

void ServiceNotifier::start_watchdog(boost::asio::io_context& dispatch) {
  if (!watchdog_ || pinger_) return;
  pinger_ = std::make_shared<Pinger>(dispatch, *watchdog_ / 2);
  spdlog::info("systemd watchdog: every {} ms, from the dispatch thread",
               std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_).count());
  // The first ping and every later one come from the dispatch thread.
  boost::asio::post(dispatch, [p = pinger_] {
    sd_notify(0, "WATCHDOG=1");
    Pinger::arm(p);
  });
}

void ServiceNotifier::stop_watchdog() {
  if (!pinger_) return;
  pinger_->stopped = true;
  // The timer belongs to the dispatch thread: cancel it there.
  boost::asio::post(pinger_->timer.get_executor(), [p = pinger_] { p->timer.cancel(); });
}

}  // namespace chaird
