#include "session/client_lease.hpp"

#include <fmt/format.h>

#include <random>

namespace chaird {
namespace {

// 128 bits from the system's entropy: a token another app cannot guess.
std::string new_token() {
  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", random());
  return token;
}

}  // namespace

std::string ClientLease::grant(const std::string& client, ChairTime now) {
  MutexLock lock(mutex_);
  active_ = true;
  token_ = new_token();
  controller_ = client;
  holders_ = 0;
  last_beat_ = now;
  return token_;
}

void ClientLease::end() {
  MutexLock lock(mutex_);
  active_ = false;
  holders_ = 0;
}

ClientLease::Check ClientLease::check_locked(const std::string& token) const {
  if (!active_) return Check::kNoSession;
  if (enabled() && token != token_) return Check::kWrongToken;
  return Check::kOk;
}

ClientLease::Check ClientLease::check(const std::string& token) const {
  MutexLock lock(mutex_);
  return check_locked(token);
}

ClientLease::Check ClientLease::beat(const std::string& token, ChairTime now) {
  MutexLock lock(mutex_);
  const Check c = check_locked(token);
  if (c == Check::kOk) last_beat_ = now;
  return c;
}

ClientLease::Check ClientLease::hold(const std::string& token) {
  MutexLock lock(mutex_);
  const Check c = check_locked(token);
  if (c == Check::kOk) ++holders_;
  return c;
}

void ClientLease::release(const std::string& token, ChairTime now) {
  MutexLock lock(mutex_);
  // A stream of a session that ended, or of an app that was taken over, holds nothing.
  if (check_locked(token) != Check::kOk || holders_ == 0) return;
  --holders_;
  last_beat_ = now;
}

std::pair<std::string, std::string> ClientLease::take_over(const std::string& client,
                                                           ChairTime now) {
  MutexLock lock(mutex_);
  std::string previous = controller_;
  token_ = new_token();
  controller_ = client;
  holders_ = 0;
  last_beat_ = now;
  return {token_, previous};
}

std::optional<ChairTime> ClientLease::expires_at() const {
  MutexLock lock(mutex_);
  if (!enabled() || !active_ || holders_ > 0) return std::nullopt;
  return last_beat_ + std::chrono::milliseconds(lease_ms_);
}

std::string ClientLease::controller() const {
  MutexLock lock(mutex_);
  return controller_;
}

bool ClientLease::watched() const {
  MutexLock lock(mutex_);
  return active_ && holders_ > 0;
}

}  // namespace chaird
