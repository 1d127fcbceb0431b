#include "plugin_host/plugin_call_guard.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <system_error>
#include <thread>

namespace chaird {

void CallWatch::enter(std::string_view technique, std::string_view step,
                      std::shared_ptr<std::atomic<bool>> hung) {
  MutexLock lock(mutex_);
  technique_.assign(technique);
  step_.assign(step);
  hung_ = std::move(hung);
  started_ = std::chrono::steady_clock::now();
  in_call_ = true;
}

std::string CallWatch::leave() {
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(mutex_);
  in_call_ = false;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
  if (took <= budget_) return {};
  return fmt::format("{} took {} ms; the budget per step is {} ms", describe_locked(), took.count(),
                     budget_.count());
}

std::string CallWatch::overrunning(std::chrono::steady_clock::time_point now) const {
  MutexLock lock(mutex_);
  if (!in_call_ || now - started_ <= budget_) return {};
  return fmt::format("{} is still running after {} ms; the budget per step is {} ms",
                     describe_locked(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count(),
                     budget_.count());
}

void CallWatch::abandon() {
  MutexLock lock(mutex_);
  if (in_call_ && hung_) hung_->store(true);
}

std::string CallWatch::describe_locked() const {
  return fmt::format("technique '{}' (step '{}')", technique_, step_);
}

namespace {

struct GuardedJob {
  explicit GuardedJob(std::chrono::milliseconds budget) : watch(budget) {}
  CallWatch watch;
  Mutex mutex;
  std::condition_variable done_cv;
  bool done CHAIRD_GUARDED_BY(mutex) = false;
};

}  // namespace

std::string run_guarded(std::chrono::milliseconds per_call_budget,
                        std::function<void(CallWatch&)> job) {
  auto state = std::make_shared<GuardedJob>(per_call_budget);
  // The thread owns a reference to the state and the job (and whatever the job captured), so
  // an abandoned worker never touches freed memory.
  std::thread worker;
  try {
    worker = std::thread([state, job = std::move(job)]() mutable {
      job(state->watch);
      {
        MutexLock lock(state->mutex);
        state->done = true;
      }
      state->done_cv.notify_all();
    });
  } catch (const std::system_error& e) {
    return fmt::format("cannot start a planning thread: {}", e.what());
  }

  // Check for an overrunning call a few times per budget.
  const auto poll = std::max(std::chrono::milliseconds(1), per_call_budget / 4);
  MutexLock lock(state->mutex);
  while (!state->done) {
    lock.wait_for(state->done_cv, poll);
    if (state->done) break;
    std::string overrun = state->watch.overrunning(std::chrono::steady_clock::now());
    if (!overrun.empty()) {
      lock.unlock();
      state->watch.abandon();
      worker.detach();
      return overrun + "; the technique is disabled until chaird restarts";
    }
  }
  lock.unlock();
  worker.join();
  return {};
}

}  // namespace chaird
