#include "execution/executor.hpp"

#include <algorithm>
#include <chrono>

namespace chaird {
namespace {

ChairDuration ms(std::int64_t v) {
  return std::chrono::milliseconds(v);
}

}  // namespace

Executor::Executor(Scheduler& scheduler, ActuatorBus& bus, ExecutorOptions options,
                   ExecutorListener& listener)
    : scheduler_(scheduler), bus_(bus), options_(options), listener_(listener) {}

Executor::~Executor() {
  if (timer_ != 0) scheduler_.cancel(timer_);
}

void Executor::play(std::shared_ptr<const GovernedTimeline> timeline) {
  ++generation_;
  const ChairTime now = scheduler_.now();
  timeline_ = std::move(timeline);
  start_ = now + ms(options_.lookahead_ms);
  cursor_ = 0;
  dispatched_to_ms_ = -1;
  ended_ = false;
  next_lease_ = now;
  next_sample_ = now;
  wake_at(now);
}

bool Executor::replace_from(std::shared_ptr<const GovernedTimeline> timeline,
                            std::int64_t from_ms) {
  if (!timeline_ || dispatched_to_ms_ >= from_ms) return false;
  ++generation_;
  timeline_ = std::move(timeline);
  const auto& cmds = timeline_->timeline().commands;
  // Commands before from_ms are identical here and in the previous timeline, in the same
  // order. The first cursor_ of them were sent; those between what was sent and from_ms were
  // not, and still must be: the cursor stays (it never lies past from_ms, see the check above).
  const auto first_new = static_cast<std::size_t>(
      std::lower_bound(cmds.begin(), cmds.end(), from_ms,
                       [](const TimelineCommand& c, std::int64_t t) { return c.start_ms < t; }) -
      cmds.begin());
  cursor_ = std::min(cursor_, first_new);
  ended_ = false;
  wake_at(scheduler_.now());
  return true;
}

void Executor::abandon() {
  ++generation_;
  timeline_.reset();
  bus_.cancel_pending();
  settle();
}

void Executor::settle() {
  const ChairTime now = scheduler_.now();
  quiet_after_ = std::max(quiet_after_, now + ms(options_.settle_ms));
  next_lease_ = std::min(next_lease_, now);
  wake_at(now);
}

void Executor::watch_idle() {
  watch_idle_ = !scheduler_.jumps_to_next_timer() && options_.idle_telemetry_period_ms > 0;
  if (!watch_idle_) return;
  next_sample_ = std::min(next_sample_, scheduler_.now());
  wake_at(scheduler_.now());
}

std::int64_t Executor::session_ms() const {
  if (!timeline_) return -1;
  return to_ms(scheduler_.now() - start_);
}

std::int64_t Executor::committed_until_ms() const {
  return session_ms() + options_.lookahead_ms;
}

const Telemetry& Executor::sample_now() {
  last_ = bus_.read_telemetry();
  return last_;
}

void Executor::wake_at(ChairTime t) {
  if (timer_ != 0) {
    if (timer_at_ <= t) return;  // an earlier wake-up is already set
    scheduler_.cancel(timer_);
  }
  timer_at_ = t;
  timer_ = scheduler_.call_at(t, [this] {
    timer_ = 0;
    tick();
  });
}

void Executor::tick() {
  const ChairTime now = scheduler_.now();
  const std::uint64_t generation = generation_;

  const bool active = timeline_ != nullptr || now < quiet_after_;
  // The lease first: a board that sees commands from a host whose lease has lapsed (a board of
  // its own, whose watchdog runs between our frames) must not take them as a live host's.
  if (active && now >= next_lease_) {
    bus_.refresh_lease(now);
    next_lease_ = now + ms(options_.lease_refresh_ms);
  }
  if (timeline_) {
    const auto& cmds = timeline_->timeline().commands;
    const ChairTime horizon = now + ms(options_.lookahead_ms);
    batch_.clear();
    while (cursor_ < cmds.size() && start_ + ms(cmds[cursor_].start_ms) <= horizon) {
      const auto& c = cmds[cursor_++];
      batch_.push_back({c.actuator, start_ + ms(c.start_ms), start_ + ms(c.reach_ms), c.value});
    }
    if (!batch_.empty()) bus_.submit(batch_);
    dispatched_to_ms_ = to_ms(horizon - start_);
  }
  const bool watching = active || watch_idle_;
  if (watching && now >= next_sample_) {
    last_ = bus_.read_telemetry();
    next_sample_ = std::max(next_sample_ + ms(active ? options_.telemetry_period_ms
                                                     : options_.idle_telemetry_period_ms),
                            now);
    listener_.on_telemetry(last_, session_ms());
    if (generation != generation_) return;  // the listener stopped or replaced the timeline
  }
  if (timeline_ && !ended_ && now >= start_ + ms(timeline_->timeline().duration_ms)) {
    ended_ = true;
    timeline_.reset();
    quiet_after_ = now + ms(options_.settle_ms);
    listener_.on_timeline_end();
    if (generation != generation_) return;
  }

  // Sleep until the next thing to do.
  ChairTime next = ChairTime::max();
  if (timeline_) {
    const auto& cmds = timeline_->timeline().commands;
    if (cursor_ < cmds.size()) {
      next = std::min(next, start_ + ms(cmds[cursor_].start_ms - options_.lookahead_ms));
    }
    next = std::min(next, start_ + ms(timeline_->timeline().duration_ms));
  }
  if (timeline_ != nullptr || now < quiet_after_) {
    next = std::min({next, next_lease_, next_sample_});
  } else if (watch_idle_) {
    next = std::min(next, next_sample_);
  }
  if (next != ChairTime::max()) wake_at(std::max(next, now));
}

}  // namespace chaird
