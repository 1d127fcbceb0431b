#include "watch_reactor.hpp"

#include <algorithm>

namespace chaird::api {
namespace {

// The watched session is over once it is neither running nor cooling down: coalescing may skip
// its final state (a fault reset at once shows IDLE next), so any other state ends the stream.
bool is_final(chair::v1::SessionState s) {
  return s != chair::v1::RUNNING && s != chair::v1::STOPPING && s != chair::v1::PAUSED;
}

}  // namespace

bool is_always_sent(std::string_view field) {
  return field == "sequence" || field == "session_id" || field == "state" ||
         field == "chair_time_ms";
}

WatchReactor::WatchReactor(StatusHub& hub, std::string session_id, WatchOptions options,
                           std::function<void()> on_done)
    : hub_(hub),
      session_id_(std::move(session_id)),
      options_(std::move(options)),
      on_done_(std::move(on_done)),
      mailbox_(std::make_shared<Mailbox>(this)) {
  hub_.add(mailbox_);
  mailbox_->mutex.lock();
  write_latest_locked();
  mailbox_->release();
}

void WatchReactor::Mailbox::on_status() {
  // The dispatch thread never waits: if the stream is busy, whoever holds it sees the poke.
  poked.store(true);
  if (mutex.try_lock()) release();
}

// The analysis cannot follow the hand-over (the lock is taken again only if a poke came), nor
// see that the reactor's mutex is this one: both hold by construction.
void WatchReactor::Mailbox::release() CHAIRD_NO_THREAD_SAFETY_ANALYSIS {
  do {
    if (poked.exchange(false) && reactor != nullptr) reactor->write_latest_locked();
    mutex.unlock();
  } while (poked.load() && mutex.try_lock());
}

void WatchReactor::write_latest_locked() {
  if (finished_ || in_flight_) return;
  if (final_written_) {
    finish_locked(grpc::Status::OK);
    return;
  }
  StatusHub::StatusPtr latest = hub_.latest();
  if (!latest || (wrote_any_ && latest->sequence() == written_sequence_)) return;
  if (wrote_any_ && too_soon(*latest)) return;  // a later publish pokes again
  wrote_any_ = true;
  written_sequence_ = latest->sequence();
  current_ = shaped(std::move(latest));
  final_written_ = !session_id_.empty() &&
                   (current_->session_id() != session_id_ || is_final(current_->state()));
  in_flight_ = true;
  StartWrite(current_.get());
}

bool WatchReactor::too_soon(const chair::v1::SessionStatus& latest) const {
  if (options_.min_interval_ms <= 0 || !current_) return false;
  // A change of session or state is news at once.
  if (latest.session_id() != current_->session_id() || latest.state() != current_->state())
    return false;
  return latest.chair_time_ms() - current_->chair_time_ms() < options_.min_interval_ms;
}

StatusHub::StatusPtr WatchReactor::shaped(StatusHub::StatusPtr latest) const {
  if (options_.fields.empty() && options_.actuators.empty()) return latest;
  auto out = std::make_shared<chair::v1::SessionStatus>(*latest);
  if (!options_.actuators.empty()) {
    auto* values = out->mutable_actuators();
    values->erase(std::remove_if(values->begin(), values->end(),
                                 [this](const chair::v1::ActuatorValue& v) {
                                   return std::find(options_.actuators.begin(),
                                                    options_.actuators.end(),
                                                    v.id()) == options_.actuators.end();
                                 }),
                  values->end());
  }
  if (options_.fields.empty()) return out;
  const auto* descriptor = chair::v1::SessionStatus::descriptor();
  const auto* reflection = chair::v1::SessionStatus::GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (is_always_sent(field->name())) continue;
    if (std::find(options_.fields.begin(), options_.fields.end(), field) != options_.fields.end())
      continue;
    reflection->ClearField(out.get(), field);
  }
  return out;
}

void WatchReactor::OnWriteDone(bool ok) {
  mailbox_->mutex.lock();
  in_flight_ = false;
  if (!ok) {
    finish_locked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the watcher went away"));
  } else {
    mailbox_->poked.store(true);  // write whatever is newest now
  }
  mailbox_->release();
}

void WatchReactor::OnCancel() {
  mailbox_->mutex.lock();
  finish_locked(grpc::Status::CANCELLED);
  mailbox_->release();
}

void WatchReactor::finish_locked(grpc::Status status) {
  if (finished_) return;
  finished_ = true;
  Finish(std::move(status));
}

void WatchReactor::OnDone() {
  {
    MutexLock lock(mailbox_->mutex);
    mailbox_->reactor = nullptr;
  }
  hub_.remove(mailbox_.get());
  if (on_done_) on_done_();
  delete this;
}

}  // namespace chaird::api
