#include "session/start_gate.hpp"

namespace chaird {

StartGate::StartGate() : state_(std::make_shared<State>()) {
  state_->why.store(std::make_shared<const std::string>());
}

Expected<StartGate::ClaimPtr, Refusal> StartGate::claim() {
  const std::uint64_t id = state_->issued.fetch_add(1) + 1;
  // Counted before the gate is taken, so that preparing() never misses a claim it granted.
  state_->held.fetch_add(1);
  std::uint64_t none = 0;
  if (!state_->in_flight.compare_exchange_strong(none, id)) {
    state_->held.fetch_sub(1);
    return Unexpected{Refusal{Refusal::Kind::kFailedPrecondition,
                              "another start is being prepared; wait for it to begin or fail"}};
  }
  // The deleter frees the gate for the next start, whichever thread lets the claim go last.
  return ClaimPtr(new Claim(state_, id), [](const Claim* c) {
    std::uint64_t mine = c->id();
    c->state_->in_flight.compare_exchange_strong(mine, 0);
    c->state_->held.fetch_sub(1);
    delete c;
  });
}

bool StartGate::cancel_all(const std::string& why) {
  const std::uint64_t through = state_->issued.load();
  std::uint64_t seen = state_->cancelled_through.load();
  // Only a cancel that catches a claim names the cause: an emergency stop followed by a reset
  // cancelled the start, and the reset found nothing left to cancel.
  if (seen >= through) return false;
  state_->why.store(std::make_shared<const std::string>(why));
  while (seen < through && !state_->cancelled_through.compare_exchange_weak(seen, through)) {
  }
  // A cancelled start can never begin: free the gate for the next one now, not when the doomed
  // plan finishes. (The doomed claim's deleter then finds another id and leaves it alone.)
  std::uint64_t in_flight = state_->in_flight.load();
  while (in_flight != 0 && in_flight <= through) {
    if (state_->in_flight.compare_exchange_weak(in_flight, 0)) return true;
  }
  return false;
}

std::optional<Refusal> StartGate::cancelled(const Claim& claim) const {
  if (claim.id() > state_->cancelled_through.load()) return std::nullopt;
  return Refusal{Refusal::Kind::kAborted,
                 "the start was cancelled: " + *state_->why.load() +
                     " while the session was being prepared; nothing moved"};
}

}  // namespace chaird
