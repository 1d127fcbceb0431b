#include "session/resume_gate.hpp"

namespace chaird {

ResumeGate::ResumeGate() : state_(std::make_shared<State>()) {}

ResumeGate::TicketPtr ResumeGate::enter() {
  // Counted before the id is drawn, so that a cancel that covers the id also sees it waiting.
  state_->waiting.fetch_add(1);
  const std::uint64_t id = state_->issued.fetch_add(1) + 1;
  return TicketPtr(new Ticket(state_, id), [](const Ticket* t) {
    t->state_->waiting.fetch_sub(1);
    delete t;
  });
}

bool ResumeGate::cancel_all() {
  const std::uint64_t through = state_->issued.load();
  std::uint64_t seen = state_->cancelled_through.load();
  // Only a cancel that catches a ticket says so: a second pause finds the first one did it.
  if (seen >= through) return false;
  while (seen < through && !state_->cancelled_through.compare_exchange_weak(seen, through)) {
  }
  return state_->waiting.load() != 0;
}

bool ResumeGate::cancelled(const Ticket& ticket) const {
  return ticket.id() <= state_->cancelled_through.load();
}

}  // namespace chaird
