// The board link's cost: how much later a command is in the board's hands through chair-simd's
// protocol over a Unix socket than through the in-process bus, and how many commands per second
// the link sustains. The board side is the same BoardServer chair-simd runs, on its own thread
// in this process; the host side writes frames on the socket and waits for the board's Ack.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <thread>

#include "board/board_server.hpp"
#include "bus/board_protocol.hpp"

namespace chaird {
namespace {

using Steady = std::chrono::steady_clock;

std::shared_ptr<const ChairModel> reference_chair() {
  static auto model = *ChairModel::load(std::string(CHAIRD_SOURCE_DIR) +
                                        "/sequences/chairs/generic_4d_sl.textproto");
  return model;
}

double percentile_us(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// A board on its own thread and a raw host connected to it.
class LinkRig {
 public:
  LinkRig() {
    path_ = (std::filesystem::temp_directory_path() /
             ("chaird-link-bench-" + std::to_string(::getpid()) + ".sock"))
                .string();
    sim::BoardServerOptions options;
    options.socket_path = path_;
    server_ = std::make_unique<sim::BoardServer>(io_, reference_chair(), options);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    send(board::Hello{board::kProtocolVersion,
                      static_cast<std::uint16_t>(reference_chair()->actuator_count()), 0});
    while (true) {
      for (auto& f : receive())
        if (auto* a = std::get_if<board::HelloAck>(&f.message)) board_time_us_ = a->board_time_us;
      if (board_time_us_ != 0) break;
    }
    started_ = Steady::now();
  }
  ~LinkRig() {
    ::close(fd_);
    io_.stop();
    thread_.join();
    std::filesystem::remove(path_);
  }
  std::uint32_t send(const board::Message& m) {
    seq_ = board::next_sequence(seq_);
    const auto bytes = board::encode(m, seq_);
    ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    return seq_;
  }
  std::vector<board::Frame> receive() {
    std::array<std::uint8_t, 65536> buf{};
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) return {};
    return decoder_.feed(std::span(buf.data(), static_cast<std::size_t>(n))).frames;
  }
  // Waits for the board's answer to frame seq; false if it refused. Answers to later frames
  // that arrive meanwhile are kept for their turn.
  bool await_answer(std::uint32_t seq) {
    while (true) {
      if (auto it = answers_.find(seq); it != answers_.end()) {
        const bool ok = it->second;
        answers_.erase(it);
        return ok;
      }
      for (const auto& f : receive()) {
        if (const auto* a = std::get_if<board::Ack>(&f.message)) answers_[a->sequence] = true;
        if (const auto* r = std::get_if<board::Refused>(&f.message)) answers_[r->sequence] = false;
      }
    }
  }
  // A board time well ahead, so that no command is late and none has begun.
  std::int64_t board_now_us() const {
    return board_time_us_ +
           std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - started_).count();
  }

 private:
  std::string path_;
  boost::asio::io_context io_;
  std::unique_ptr<sim::BoardServer> server_;
  std::thread thread_;
  int fd_ = -1;
  std::uint32_t seq_ = 0;
  board::FrameDecoder decoder_;
  std::int64_t board_time_us_ = 0;
  Steady::time_point started_;
  std::map<std::uint32_t, bool> answers_;
};

// One command: the time until the board has it (its Ack), 1000 commands per run.
void BM_CommandThroughLink(benchmark::State& state) {
  LinkRig rig;
  const auto depth = static_cast<std::uint16_t>(*reference_chair()->find("roller.depth"));
  std::vector<double> us;
  bool refused = false;
  for (auto _ : state) {
    us.clear();
    for (int i = 0; i < 1000; ++i) {
      if (i % 50 == 0) rig.send(board::Lease{0});
      const std::int64_t due = rig.board_now_us() + 10'000'000;
      const auto t0 = Steady::now();
      const auto seq = rig.send(board::Commands{{{depth, due, due + 100'000, 5.0}}});
      refused = refused || !rig.await_answer(seq);
      us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    }
    rig.send(board::Cancel{});
  }
  if (refused) state.SkipWithError("the board refused a command");
  state.counters["link_p50_us"] = percentile_us(us, 0.50);
  state.counters["link_p99_us"] = percentile_us(us, 0.99);
}
BENCHMARK(BM_CommandThroughLink)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same command handed to the in-process simulated chair.
void BM_CommandInProcess(benchmark::State& state) {
  sim::BoardClock clock;
  sim::SimulatedChair board(reference_chair(), clock);
  const auto depth = *reference_chair()->find("roller.depth");
  std::vector<double> us;
  for (auto _ : state) {
    us.clear();
    for (int i = 0; i < 1000; ++i) {
      if (i % 50 == 0) board.refresh_lease(clock.now());
      const ChairTime due = clock.now() + std::chrono::seconds(10);
      const BusCommand c{depth, due, due + std::chrono::milliseconds(100), 5.0};
      const auto t0 = Steady::now();
      board.submit(std::span(&c, 1));
      us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    }
    board.cancel_pending();
  }
  state.counters["inprocess_p50_us"] = percentile_us(us, 0.50);
  state.counters["inprocess_p99_us"] = percentile_us(us, 0.99);
}
BENCHMARK(BM_CommandInProcess)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Sustained: frames of 64 commands, 64 frames in flight, until 64,000 commands are acked.
void BM_LinkThroughput(benchmark::State& state) {
  LinkRig rig;
  const auto depth = static_cast<std::uint16_t>(*reference_chair()->find("roller.depth"));
  constexpr int kFrames = 1000;
  constexpr int kInFlight = 64;
  double per_s = 0;
  for (auto _ : state) {
    const auto t0 = Steady::now();
    const std::int64_t base = rig.board_now_us() + 30'000'000;
    std::deque<std::uint32_t> flight;
    int sent = 0;
    while (sent < kFrames || !flight.empty()) {
      while (sent < kFrames && flight.size() < kInFlight) {
        if (sent % 50 == 0) rig.send(board::Lease{0});
        board::Commands frame;
        for (std::size_t k = 0; k < board::kMaxCommandsPerFrame; ++k) {
          const std::int64_t due = base + (sent * 64 + static_cast<std::int64_t>(k)) * 100;
          frame.commands.push_back({depth, due, due + 50, 5.0});
        }
        flight.push_back(rig.send(frame));
        ++sent;
      }
      if (!rig.await_answer(flight.front())) state.SkipWithError("refused");
      flight.pop_front();
    }
    per_s = kFrames * 64.0 / std::chrono::duration<double>(Steady::now() - t0).count();
    rig.send(board::Cancel{});
  }
  state.counters["commands_per_s"] = per_s;
}
BENCHMARK(BM_LinkThroughput)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace chaird

BENCHMARK_MAIN();
