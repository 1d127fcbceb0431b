#include "replay/trace_recorder.hpp"

#include <google/protobuf/util/json_util.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace chaird::sim {

Expected<std::unique_ptr<TraceRecorder>, std::string> TraceRecorder::open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return Unexpected{path + ": " + std::strerror(errno)};
  const bool jsonl = path.size() >= 6 && std::string_view(path).substr(path.size() - 6) == ".jsonl";
  return std::unique_ptr<TraceRecorder>(new TraceRecorder(file, jsonl));
}

TraceRecorder::TraceRecorder(std::FILE* file, bool jsonl)
    : file_(file), jsonl_(jsonl), thread_([this] { run(); }) {}

TraceRecorder::~TraceRecorder() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::fclose(file_);
}

void TraceRecorder::record(StatusHub::StatusPtr status) {
  {
    MutexLock lock(mutex_);
    queue_.push_back(std::move(status));
  }
  wake_.notify_one();
}

void TraceRecorder::flush() {
  MutexLock lock(mutex_);
  while (!(queue_.empty() && in_flight_ == 0)) lock.wait(drained_);
  std::fflush(file_);
}

void TraceRecorder::run() {
  MutexLock lock(mutex_);
  for (;;) {
    while (!stopping_ && queue_.empty()) lock.wait(wake_);
    if (queue_.empty() && stopping_) break;
    std::deque<StatusHub::StatusPtr> batch;
    batch.swap(queue_);
    in_flight_ = batch.size();
    lock.unlock();
    for (const auto& s : batch) write(*s);
    std::fflush(file_);
    lock.lock();
    in_flight_ = 0;
    drained_.notify_all();
  }
}

void TraceRecorder::write(const chair::v1::SessionStatus& s) {
  if (jsonl_) {
    std::string line;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(s, &line, options);
    std::fprintf(file_, "%s\n", line.c_str());
    return;
  }
  if (!header_written_) {
    std::fputs("chair_time_ms,session_id,state,elapsed_ms,step_index", file_);
    for (const auto& a : s.actuators())
      std::fprintf(file_, ",%s,%s.target", a.id().c_str(), a.id().c_str());
    std::fputs(",reason\n", file_);
    header_written_ = true;
  }
  std::fprintf(file_, "%lld,%s,%s,%lld,%u", static_cast<long long>(s.chair_time_ms()),
               s.session_id().c_str(), chair::v1::SessionState_Name(s.state()).c_str(),
               static_cast<long long>(s.elapsed_ms()), s.step_index());
  for (const auto& a : s.actuators()) std::fprintf(file_, ",%.3f,%.3f", a.measured(), a.target());
  // The reason is free text: quote it for CSV.
  std::string reason;
  for (char c : s.reason()) reason += c == '"' ? std::string("\"\"") : std::string(1, c);
  std::fprintf(file_, ",\"%s\"\n", reason.c_str());
}

}  // namespace chaird::sim
