// The client lease: a session is bound to the app that started it. The app shows it is still
// there with a heartbeat (KeepAlive) or by keeping a WatchSession open with its token; with
// neither for longer than the lease, the session manager stops the session. Another app takes
// control only explicitly (take_over), which gives it a new token and retires the old one.
//
// Any thread: gRPC handlers open and close streams here; the session manager reads it on the
// dispatch thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "clock/chair_time.hpp"
#include "common/thread_annotations.hpp"

namespace chaird {

class ClientLease {
 public:
  enum class Check { kOk, kNoSession, kWrongToken };

  // lease_ms <= 0: no lease (every check passes, nothing expires).
  explicit ClientLease(std::int64_t lease_ms) : lease_ms_(lease_ms) {}

  bool enabled() const { return lease_ms_ > 0; }
  std::int64_t lease_ms() const { return enabled() ? lease_ms_ : 0; }

  // A new session's lease, held by client; returns its token.
  std::string grant(const std::string& client, ChairTime now);
  // The session ended: no token works any more.
  void end();
  // A heartbeat.
  Check beat(const std::string& token, ChairTime now);
  // A stream carrying token opened (it holds the lease while open) or closed.
  Check hold(const std::string& token);
  void release(const std::string& token, ChairTime now);
  // client takes control; returns the new token and who had it.
  std::pair<std::string, std::string> take_over(const std::string& client, ChairTime now);
  // Whether a token is the current one (true when there is no lease).
  Check check(const std::string& token) const;

  // When the lease runs out if no heartbeat comes; nothing while a stream holds it, without a
  // session, or without a lease.
  std::optional<ChairTime> expires_at() const;
  std::string controller() const;
  bool watched() const;

 private:
  Check check_locked(const std::string& token) const CHAIRD_REQUIRES(mutex_);

  const std::int64_t lease_ms_;
  mutable Mutex mutex_;
  bool active_ CHAIRD_GUARDED_BY(mutex_) = false;
  std::string token_ CHAIRD_GUARDED_BY(mutex_);
  std::string controller_ CHAIRD_GUARDED_BY(mutex_);
  int holders_ CHAIRD_GUARDED_BY(mutex_) = 0;  // open streams with the current token
  ChairTime last_beat_ CHAIRD_GUARDED_BY(mutex_){};
};

}  // namespace chaird
