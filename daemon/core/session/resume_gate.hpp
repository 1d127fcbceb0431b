// A pause that always wins over a resume still waiting to run. A resume takes a ticket the
// moment its call arrives and is checked on the dispatch thread just before the chair moves;
// a pause cancels every ticket taken before it. Without it, a pause pressed just after a resume
// (a double tap, or another screen's Pause) ran first, found the chair paused and was refused,
// and the resume then moved the chair.
//
// Lock-free, like StartGate: gRPC threads take tickets and cancel, the dispatch thread checks,
// and none of them ever waits for another.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace chaird {

class ResumeGate {
  struct State;

 public:
  // A resume waiting to run; it stops waiting when the last copy is gone.
  class Ticket {
   public:
    std::uint64_t id() const { return id_; }

   private:
    friend class ResumeGate;
    Ticket(std::shared_ptr<State> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
    std::shared_ptr<State> state_;
    std::uint64_t id_;
  };
  using TicketPtr = std::shared_ptr<const Ticket>;

  ResumeGate();

  // Any thread. When a resume arrives.
  [[nodiscard]] TicketPtr enter();
  // Any thread. Every ticket taken before this call is cancelled. True when one of them was
  // still waiting (it will be refused, unless it is past its check and resuming already).
  bool cancel_all();
  // Any thread. Whether a pause came after this ticket was taken.
  [[nodiscard]] bool cancelled(const Ticket& ticket) const;

 private:
  struct State {
    std::atomic<std::uint64_t> issued{0};
    std::atomic<std::uint64_t> cancelled_through{0};
    std::atomic<std::uint64_t> waiting{0};  // tickets not yet let go
  };
  std::shared_ptr<State> state_;
};

}  // namespace chaird
