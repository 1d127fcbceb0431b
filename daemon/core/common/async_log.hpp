// chaird's log, set up so that nothing that logs can wait for the reader of stderr: lines go
// through spdlog's asynchronous queue (the oldest dropped when it overflows) to a sink that
// drops a line rather than wait on a full pipe or socket (a stalled journal, a paused
// terminal). Both drops are counted, and chaird says how many lines it lost once it can.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "common/log_session_label.hpp"

namespace chaird {

// Writes each line to fd only when that cannot block; otherwise drops and counts it. Used by
// the log's own thread only.
class NonBlockingFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit NonBlockingFdSink(int fd);
  std::size_t dropped() const { return dropped_.load(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  bool write_line(const char* data, std::size_t size);

  int fd_;
  bool socket_ = false;
  bool stalled_ = false;
  std::atomic<std::size_t> dropped_{0};
};

class LogDrops;

// Installs the asynchronous logger as spdlog's default, writing to fd (stderr). With a label,
// every line logged while a session is in progress starts with "[session-7-3] ": the tag is
// taken on the thread that logs, as it logs.
std::shared_ptr<LogDrops> install_async_log(int fd,
                                            std::shared_ptr<const LogSessionLabel> label = nullptr);

// Lines lost so far: overflowed from the queue, or dropped because fd would have blocked.
class LogDrops {
 public:
  virtual ~LogDrops() = default;
  virtual std::size_t dropped() const = 0;
};

// Logs (once per call, when the count grew since the last report) how many lines were dropped.
void report_log_drops(const LogDrops& drops, std::size_t& reported);

}  // namespace chaird
