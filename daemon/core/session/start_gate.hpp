// One start at a time, and a stop that always wins over it. A start claims the gate before it
// is planned and holds the claim until it has begun or been refused; every stop, emergency
// stop, reset and shutdown cancels every claim made before it, so a start that was being
// prepared when the sitter or the kiosk asked to stop never begins.
//
// Lock-free: gRPC threads claim and cancel, the dispatch thread checks a claim just before it
// begins, and none of them ever waits for another.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/expected.hpp"
#include "common/refusal.hpp"
#include "common/shared_snapshot.hpp"

namespace chaird {

class StartGate {
  struct State;

 public:
  // A start being prepared. The gate is free again once the last copy is gone.
  class Claim {
   public:
    std::uint64_t id() const { return id_; }

   private:
    friend class StartGate;
    Claim(std::shared_ptr<State> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
    std::shared_ptr<State> state_;
    std::uint64_t id_;
  };
  using ClaimPtr = std::shared_ptr<const Claim>;

  StartGate();

  // Any thread. Refused while another start is being prepared.
  [[nodiscard]] Expected<ClaimPtr, Refusal> claim();
  // Any thread. Every claim made before this call can no longer begin; why, in a few words a
  // kiosk can show ("an emergency stop was pressed"). True when it caught a start still being
  // prepared (which will be refused, unless it is past its last check and beginning already).
  bool cancel_all(const std::string& why);
  // Any thread. Why this claim may not begin, or nothing when it may.
  [[nodiscard]] std::optional<Refusal> cancelled(const Claim& claim) const;
  // Any thread. Whether a start holds a claim, cancelled or not: a cancelled claim's start may
  // be past its last check already, beginning, until the claim is let go.
  [[nodiscard]] bool preparing() const { return state_->held.load() != 0; }

 private:
  struct State {
    std::atomic<std::uint64_t> issued{0};
    std::atomic<std::uint64_t> in_flight{0};  // 0: none
    std::atomic<std::uint64_t> held{0};       // claims not yet let go, cancelled ones too
    std::atomic<std::uint64_t> cancelled_through{0};
    SharedSnapshot<const std::string> why;
  };
  std::shared_ptr<State> state_;
};

}  // namespace chaird
