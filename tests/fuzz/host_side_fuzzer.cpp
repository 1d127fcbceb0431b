// The host's side of the link: what a board sends, read by chaird's BoardLink over a real Unix
// socket while the dispatch thread's calls (submit, the lease, telemetry reads) go on. Each
// input is a new board: it answers chaird's Hello, sends the input's frames and noise
// (board_wire.hpp), then closes the link.
//
// A finding: a crash or sanitizer report; a link that never notices the board has gone; a
// board's fault text that is not one line of valid UTF-8; telemetry with a value that is not
// finite or a count of actuators other than the chair's.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "board/board_server.hpp"
#include "board_link/board_link.hpp"
#include "board_wire.hpp"
#include "common/utf8_text.hpp"
#include "fuzz_support.hpp"

namespace chaird::fuzz {
namespace {

constexpr int kNoticeMs = 5000;

void check_telemetry(const Telemetry& t, const ChairModel& chair) {
  const std::size_t actuators = chair.actuator_count();
  if (t.measured.size() != actuators || t.commanded.size() != actuators) {
    finding("telemetry for " + std::to_string(t.measured.size()) + " actuators, the chair has " +
            std::to_string(actuators));
  }
  for (double v : t.measured) {
    if (!std::isfinite(v)) finding("a measured value that is not finite");
  }
  for (double v : t.commanded) {
    if (!std::isfinite(v)) finding("a commanded value that is not finite");
  }
  // What a pause or a stop plans its ramp from: a target more than a whole range beyond its
  // actuator's range is garbage, and must not be kept.
  for (std::size_t i = 0; i < actuators && i < t.commanded.size(); ++i) {
    const auto& a = chair.actuator(static_cast<ActuatorIndex>(i));
    const double v = t.commanded[i];
    if (v < a.min - (a.max - a.min) || v > a.max + (a.max - a.min)) {
      char text[64];
      std::snprintf(text, sizeof(text), "%g", v);
      finding("telemetry kept the target " + std::string(text) + " for " + a.id);
    }
  }
  if (!std::isfinite(t.supply_v)) finding("a supply voltage that is not finite");
  if (first_invalid_utf8(t.fault_text) != std::string::npos) {
    finding("a fault text that is not valid UTF-8");
  }
}

class FakeBoard {
 public:
  FakeBoard() {
    path_ = (std::filesystem::temp_directory_path() /
             ("chaird-fuzz-host-" + std::to_string(::getpid()) + ".sock"))
                .string();
    std::filesystem::remove(path_);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 4) != 0) {
      finding("cannot listen as a board on " + path_);
    }
  }

  void visit(std::span<const std::uint8_t> input) {
    const auto& chair = reference().chair;
    auto connecting = std::async(std::launch::async, [&] {
      BoardLinkOptions options;
      options.path = path_;
      options.connect_timeout_ms = kNoticeMs;
      return BoardLink::connect(chair, clock_, options);
    });
    // libFuzzer's timer interrupts system calls (EINTR) once a second.
    int fd = -1;
    do {
      fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) finding(std::string("chaird's link did not connect: ") + std::strerror(errno));
    // chaird's Hello, then the board's answer (sequence 1; the input's frames follow from 2).
    board::FrameDecoder decoder;
    std::uint8_t buf[4096];
    bool hello = false;
    while (!hello) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) finding("chaird's link closed before its Hello");
      for (const auto& f : decoder.feed(std::span(buf, static_cast<std::size_t>(n))).frames) {
        hello = hello || std::holds_alternative<board::Hello>(f.message);
      }
    }
    send(fd, board::encode(board::HelloAck{board::kProtocolVersion,
                                           static_cast<std::uint16_t>(chair->actuator_count()), 500,
                                           1'000'000},
                           1));
    auto link = connecting.get();
    if (!link) finding("chaird's link refused a good HelloAck: " + link.error());

    const Wire wire = wire_from(input, 2);
    std::size_t at = 0;
    std::int64_t k = 0;
    for (std::size_t n : wire.pieces) {
      send(fd,
           std::vector<std::uint8_t>(wire.stream.begin() + static_cast<std::ptrdiff_t>(at),
                                     wire.stream.begin() + static_cast<std::ptrdiff_t>(at + n)));
      at += n;
      // The dispatch thread goes on meanwhile.
      const ChairTime now = clock_.now();
      if (++k % 4 == 0) (*link)->refresh_lease(now);
      if (k % 7 == 0) {
        const BusCommand c{0, now + std::chrono::milliseconds(50),
                           now + std::chrono::milliseconds(100), chair->actuator(0).min};
        (*link)->submit(std::span(&c, 1));
      }
      check_telemetry((*link)->read_telemetry(), *chair);
    }
    // The board goes away: the link must say so.
    ::close(fd);
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kNoticeMs);
    for (;;) {
      const Telemetry t = (*link)->read_telemetry();
      check_telemetry(t, *chair);
      if (t.faults & kFaultLinkLost) break;
      if (std::chrono::steady_clock::now() > until) finding("the link did not notice the board go");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    (*link)->enter_safe_state();
  }

 private:
  static void send(int fd, const std::vector<std::uint8_t>& bytes) {
    (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  std::string path_;
  int listen_fd_ = -1;
  sim::BoardClock clock_;
};

}  // namespace
}  // namespace chaird::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto* board = new chaird::fuzz::FakeBoard();
  board->visit({data, size});
  return 0;
}
