// WatchSession's stream. The status hub's fan-out thread pokes it when a status is published
// (never the dispatch thread, which only wakes that thread); it writes
// the latest status whenever no write is in flight (one write per stream at a time), so a slow
// client gets fewer, newer statuses and never holds up the chair. It finishes exactly once:
// after the watched session's final status, or when the client cancels (or the server shuts
// down).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chair/v1/control.pb.h"
#include "common/thread_annotations.hpp"
#include "session/status_hub.hpp"

namespace chaird::api {

// What a stream asks for (WatchSessionRequest's min_interval_ms and fields, once checked).
struct WatchOptions {
  std::int64_t min_interval_ms = 0;
  // Empty: every field. Otherwise the SessionStatus fields kept (besides the ones always sent).
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  // Empty: every actuator. Otherwise only the actuators with these ids (WatchTelemetry).
  std::vector<std::string> actuators;
};

// The SessionStatus fields every stream gets, whatever fields it asked for.
bool is_always_sent(std::string_view field);

class WatchReactor final : public grpc::ServerWriteReactor<chair::v1::SessionStatus> {
 public:
  // Starts writing at once; session_id empty means "watch everything until cancelled".
  // on_done (may be empty) runs once the stream is over (it held a lease, say).
  WatchReactor(StatusHub& hub, std::string session_id, WatchOptions options = {},
               std::function<void()> on_done = {});

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Shared with the hub so that a poke after OnDone finds no reactor instead of a freed one.
  struct Mailbox final : StatusWatcher {
    explicit Mailbox(WatchReactor* r) : reactor(r) {}
    void on_status() override;
    // Called with the mutex held; releases it, re-running for any poke that came meanwhile.
    void release() CHAIRD_RELEASE(mutex);

    Mutex mutex;
    std::atomic<bool> poked{false};
    WatchReactor* reactor CHAIRD_GUARDED_BY(mutex);
  };

  void write_latest_locked() CHAIRD_REQUIRES(mailbox_->mutex);
  // Too soon after the last status written, by the stream's min_interval_ms.
  bool too_soon(const chair::v1::SessionStatus& latest) const CHAIRD_REQUIRES(mailbox_->mutex);
  // The status as this stream asked for it (only its fields).
  StatusHub::StatusPtr shaped(StatusHub::StatusPtr latest) const;
  void finish_locked(grpc::Status status) CHAIRD_REQUIRES(mailbox_->mutex);

  StatusHub& hub_;
  const std::string session_id_;
  const WatchOptions options_;
  std::function<void()> on_done_;
  std::shared_ptr<Mailbox> mailbox_;
  // The stream's state, shared by the hub's pokes and gRPC's callbacks.
  StatusHub::StatusPtr current_ CHAIRD_GUARDED_BY(mailbox_->mutex);  // the message being written
  std::uint64_t written_sequence_ CHAIRD_GUARDED_BY(mailbox_->mutex) = 0;
  bool wrote_any_ CHAIRD_GUARDED_BY(mailbox_->mutex) = false;
  bool in_flight_ CHAIRD_GUARDED_BY(mailbox_->mutex) = false;
  bool final_written_ CHAIRD_GUARDED_BY(mailbox_->mutex) = false;
  bool finished_ CHAIRD_GUARDED_BY(mailbox_->mutex) = false;
};

// A stream that ends at once with a status (a refused watch).
class RefusedWatch final : public grpc::ServerWriteReactor<chair::v1::SessionStatus> {
 public:
  explicit RefusedWatch(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace chaird::api
