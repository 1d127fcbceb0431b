// common/async_log: the log's sink drops a line rather than wait on a full pipe, counts what it
// dropped, and writes again once the reader catches up.
#include "common/async_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace chaird {
namespace {

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    close(fds_[0]);
    close(fds_[1]);
  }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  // Fills the pipe through a non-blocking description of its own.
  void fill() {
    const std::string path = "/proc/self/fd/" + std::to_string(fds_[1]);
    const int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const std::string block(4096, '#');
    while (write(fd, block.data(), block.size()) > 0) {
    }
    while (write(fd, "#", 1) > 0) {
    }
    close(fd);
  }
  std::string drain() {
    const int flags = fcntl(fds_[0], F_GETFL);
    fcntl(fds_[0], F_SETFL, flags | O_NONBLOCK);
    std::string out;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fds_[0], buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<size_t>(n));
    fcntl(fds_[0], F_SETFL, flags);
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(AsyncLog, ASinkOnAFullPipeDropsAndCountsInsteadOfWaiting) {
  Pipe pipe;
  auto sink = std::make_shared<NonBlockingFdSink>(pipe.write_end());
  spdlog::logger logger("test", sink);
  logger.info("written");
  EXPECT_NE(pipe.drain().find("written"), std::string::npos);
  EXPECT_EQ(sink->dropped(), 0u);

  pipe.fill();
  const auto before = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) logger.info("lost {}", i);
  // The first line waits a moment for the reader; the rest are dropped at once.
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  EXPECT_EQ(sink->dropped(), 100u);

  (void)pipe.drain();
  logger.info("back");
  EXPECT_NE(pipe.drain().find("back"), std::string::npos);
  EXPECT_EQ(sink->dropped(), 100u);
}

TEST(AsyncLog, AnOverlongLineIsCutOnACharacterAndStaysALine) {
  Pipe pipe;
  auto sink = std::make_shared<NonBlockingFdSink>(pipe.write_end());
  spdlog::logger logger("test", sink);
  std::string wide;
  for (int i = 0; i < 3000; ++i) wide += "急";
  logger.info("{}", wide);
  const std::string line = pipe.drain();
  EXPECT_LE(line.size(), 4000u);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  // The last character before the newline is whole.
  EXPECT_EQ(line.substr(line.size() - 4, 3), "急");
}

}  // namespace
}  // namespace chaird
