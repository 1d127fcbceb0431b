// chaird's systemd notifications, against a real notify socket: READY and STOPPING as they
// happen, and watchdog pings that come only while the dispatch loop turns.
#include "service_notifier.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "test_support.hpp"

namespace chaird {
namespace {

// A datagram socket standing in for systemd's, named by $NOTIFY_SOCKET while it lives.
class NotifySocket {
 public:
  explicit NotifySocket(const char* watchdog_usec) {
    path_ = test::make_temp_dir("notify") + "/notify.sock";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    if (watchdog_usec != nullptr) ::setenv("WATCHDOG_USEC", watchdog_usec, 1);
    ::unsetenv("WATCHDOG_PID");
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::close(fd_);
  }
  // The next datagram, or "" when none comes within timeout_ms.
  std::string next(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return {};
    char buffer[512];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }
  void drain() {
    while (!next(0).empty()) {
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(ServiceNotifier, SaysReadyAndStopping) {
  NotifySocket systemd(nullptr);
  ServiceNotifier notifier;
  EXPECT_FALSE(notifier.watchdog_interval());
  notifier.ready("serving on unix:/run/chaird/chaird.sock");
  EXPECT_EQ(systemd.next(5000), "READY=1\nSTATUS=serving on unix:/run/chaird/chaird.sock");
  notifier.stopping();
  EXPECT_EQ(systemd.next(5000).rfind("STOPPING=1", 0), 0u);
}

TEST(ServiceNotifier, TheWatchdogIsPingedOnlyWhileTheDispatchLoopTurns) {
  NotifySocket systemd("100000");  // 100 ms: pinged every 50 ms
  // Before the notifier, as in Daemon: its timer must go before the io_context it belongs to.
  boost::asio::io_context dispatch;
  ServiceNotifier notifier;
  ASSERT_TRUE(notifier.watchdog_interval());
  EXPECT_EQ(notifier.watchdog_interval()->count(), 100000);
  auto work = boost::asio::make_work_guard(dispatch);
  std::thread loop([&] { dispatch.run(); });
  notifier.start_watchdog(dispatch);
  EXPECT_EQ(systemd.next(5000), "WATCHDOG=1");
  EXPECT_EQ(systemd.next(5000), "WATCHDOG=1");

  // The dispatch loop wedges: no ping comes, however long systemd waits.
  std::promise<void> wedged, release;
  boost::asio::post(dispatch, [&] {
    wedged.set_value();
    release.get_future().wait();
  });
  wedged.get_future().wait();
  systemd.drain();  // pings sent before it wedged
  EXPECT_EQ(systemd.next(500), "") << "a ping came while the dispatch loop was wedged";
  release.set_value();
  EXPECT_EQ(systemd.next(5000), "WATCHDOG=1") << "pings resume once the loop turns again";

  notifier.stop_watchdog();
  work.reset();
  loop.join();  // the timer was cancelled: nothing keeps the loop running
}

TEST(ServiceNotifier, OutsideSystemdItDoesNothing) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ServiceNotifier notifier;
  EXPECT_FALSE(notifier.watchdog_interval());
  boost::asio::io_context dispatch;
  notifier.start_watchdog(dispatch);
  notifier.ready("x");
  notifier.stopping();
  EXPECT_EQ(dispatch.run(), 0u) << "no timer without a watchdog";
}

}  // namespace
}  // namespace chaird
