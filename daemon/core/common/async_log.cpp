#include "common/async_log.hpp"

#include <poll.h>
#include <spdlog/async.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

namespace chaird {
namespace {

constexpr std::size_t kQueueLines = 8192;
// A line this long still goes out in one write that a pipe with room never splits or blocks on.
constexpr std::size_t kMaxLineBytes = 4000;
// How long the log thread waits for a reader that has fallen behind, before it drops the line;
// once it has dropped one it stops waiting until the reader catches up.
constexpr int kWaitForReaderMs = 50;

class Drops final : public LogDrops {
 public:
  Drops(std::shared_ptr<NonBlockingFdSink> sink, std::shared_ptr<spdlog::details::thread_pool> pool)
      : sink_(std::move(sink)), pool_(std::move(pool)) {}
  std::size_t dropped() const override { return sink_->dropped() + pool_->overrun_counter(); }

 private:
  std::shared_ptr<NonBlockingFdSink> sink_;
  std::shared_ptr<spdlog::details::thread_pool> pool_;
};

// spdlog's default logger: tags each line with the session in progress, on the thread that
// logs, then hands it to the asynchronous queue (async_logger itself is final).
class SessionTaggedLogger final : public spdlog::logger {
 public:
  SessionTaggedLogger(std::shared_ptr<spdlog::async_logger> queue,
                      std::shared_ptr<const LogSessionLabel> label)
      : spdlog::logger("chaird"), queue_(std::move(queue)), label_(std::move(label)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto session = label_->get();
    if (!session) {
      queue_->log(msg.time, msg.source, msg.level, msg.payload);
      return;
    }
    std::string_view text(msg.payload.data(), msg.payload.size());
    // A line that names the session itself ("session-7-3: stopped") names it once, in the tag.
    if (text.size() > session->size() + 2 && text.substr(0, session->size()) == *session &&
        text.substr(session->size(), 2) == ": ") {
      text.remove_prefix(session->size() + 2);
    }
    spdlog::memory_buf_t tagged;
    fmt::format_to(std::back_inserter(tagged), "[{}] {}", *session, text);
    queue_->log(msg.time, msg.source, msg.level,
                spdlog::string_view_t(tagged.data(), tagged.size()));
  }
  void flush_() override { queue_->flush(); }

 private:
  std::shared_ptr<spdlog::async_logger> queue_;
  std::shared_ptr<const LogSessionLabel> label_;
};

}  // namespace

NonBlockingFdSink::NonBlockingFdSink(int fd) : fd_(fd) {
  struct stat st {};
  socket_ = ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

void NonBlockingFdSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  if (line.size() > kMaxLineBytes) {
    // Cut on a character boundary and keep the line a line.
    std::size_t end = kMaxLineBytes - 1;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    line.resize(end);
    line.push_back('\n');
  }
  if (write_line(line.data(), line.size())) {
    stalled_ = false;
  } else {
    stalled_ = true;
    dropped_.fetch_add(1);
  }
}

bool NonBlockingFdSink::write_line(const char* data, std::size_t size) {
  while (size > 0) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, stalled_ ? 0 : kWaitForReaderMs) <= 0 || (p.revents & POLLOUT) == 0)
      return false;
    const ssize_t n =
        socket_ ? ::send(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL) : ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::shared_ptr<LogDrops> install_async_log(int fd, std::shared_ptr<const LogSessionLabel> label) {
  spdlog::init_thread_pool(kQueueLines, 1);
  auto sink = std::make_shared<NonBlockingFdSink>(fd);
  auto queue = std::make_shared<spdlog::async_logger>(
      "chaird", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  queue->set_pattern("%Y-%m-%d %H:%M:%S.%e chaird %l: %v");
  queue->set_level(spdlog::level::trace);  // the default logger in front of it decides
  std::shared_ptr<spdlog::logger> logger = queue;
  if (label) logger = std::make_shared<SessionTaggedLogger>(std::move(queue), std::move(label));
  spdlog::set_default_logger(logger);
  return std::make_shared<Drops>(sink, spdlog::thread_pool());
}

void report_log_drops(const LogDrops& drops, std::size_t& reported) {
  const std::size_t now = drops.dropped();
  if (now == reported) return;
  spdlog::warn("{} log lines were dropped because the log could not be written in time",
               now - reported);
  reported = now;
}

}  // namespace chaird
