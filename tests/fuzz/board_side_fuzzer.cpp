// The board's side of the link: what a host sends, read by chair-simd's BoardServer (the
// simulated board, in this process on its own thread) over a real Unix socket. Each input is a
// new host: Hello, the board's HelloAck, then the input's frames and noise (board_wire.hpp),
// then a Sync whose answer shows the board has dealt with everything before it (or the board
// has closed the link, which it may do to a host that misbehaves).
//
// A finding: a crash or sanitizer report, or a board that neither answers nor closes the link.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "board/board_server.hpp"
#include "board_wire.hpp"
#include "fuzz_support.hpp"

namespace chaird::fuzz {
namespace {

constexpr std::int64_t kMarkerUs = 0x5EED;
constexpr int kAnswerMs = 5000;

class Board {
 public:
  Board() {
    path_ = (std::filesystem::temp_directory_path() /
             ("chaird-fuzz-board-" + std::to_string(::getpid()) + ".sock"))
                .string();
    sim::BoardServerOptions options;
    options.socket_path = path_;
    options.log = [](const std::string&) {};  // the board reports every frame it drops
    server_ = std::make_unique<sim::BoardServer>(io_, reference().chair, options);
    if (!server_->start()) finding("the simulated board does not start");
    thread_ = std::thread([this] { io_.run(); });
  }

  // One host's visit: true when the board answered the final Sync or closed the link.
  void visit(const Wire& wire) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      finding("cannot connect to the simulated board");
    }
    std::uint32_t sequence = 1;
    const auto& chair = *reference().chair;
    send(fd,
         board::encode(board::Hello{board::kProtocolVersion,
                                    static_cast<std::uint16_t>(chair.actuator_count()),
                                    static_cast<std::uint32_t>(chair.limits().board_lease_ms())},
                       sequence));
    board::FrameDecoder decoder;
    if (!await(fd, decoder, [](const board::Message& m) {
          return std::holds_alternative<board::HelloAck>(m);
        })) {
      ::close(fd);
      return;
    }
    std::size_t at = 0;
    for (std::size_t n : wire.pieces) {
      if (!send(fd, std::vector<std::uint8_t>(
                        wire.stream.begin() + static_cast<std::ptrdiff_t>(at),
                        wire.stream.begin() + static_cast<std::ptrdiff_t>(at + n))))
        break;
      at += n;
    }
    // A torn frame at the end of the input waits for up to a whole payload: bytes that are no
    // frame complete it (it fails its CRC, and the board drops it, or the link), then the Sync.
    send(fd, std::vector<std::uint8_t>(
                 board::kHeaderBytes + board::kMaxPayloadBytes + board::kCrcBytes, 0));
    send(fd, board::encode(board::Sync{kMarkerUs}, 0x7FFFFFF0));
    send(fd, board::encode(board::Sync{kMarkerUs}, 0x7FFFFFF1));
    (void)await(fd, decoder, [](const board::Message& m) {
      const auto* r = std::get_if<board::SyncReply>(&m);
      return r != nullptr && r->host_time_us == kMarkerUs;
    });
    ::close(fd);
  }

 private:
  static bool send(int fd, const std::vector<std::uint8_t>& bytes) {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until a message passes `wanted` (true) or the board closes the link (false).
  template <class Wanted>
  static bool await(int fd, board::FrameDecoder& decoder, Wanted wanted) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAnswerMs);
    std::uint8_t buf[4096];
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;  // libFuzzer's timer
      if (n <= 0) return false;
      for (const auto& f : decoder.feed(std::span(buf, static_cast<std::size_t>(n))).frames) {
        if (wanted(f.message)) return true;
      }
    }
    finding("the board neither answered nor closed the link within " + std::to_string(kAnswerMs) +
            " ms");
  }

  std::string path_;
  boost::asio::io_context io_;
  std::unique_ptr<sim::BoardServer> server_;
  std::thread thread_;
};

}  // namespace
}  // namespace chaird::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto* board = new chaird::fuzz::Board();  // runs until the process ends, as a board does
  board->visit(chaird::fuzz::wire_from({data, size}));
  return 0;
}
