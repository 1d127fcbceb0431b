// Plugins run in-process, so a plugin stuck in a loop cannot be killed. Planning therefore runs
// on a worker thread that reports which plugin call it is in; the caller waits, and when one
// call overruns its budget it gives up on the worker (which keeps everything it uses alive
// until the plugin returns, if ever) and fails the plan naming the plugin and the step.
// A call that finishes late but finishes is caught too, by measuring it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/thread_annotations.hpp"

namespace chaird {

// Tells the guard which plugin call is running. Used by the planner, on the worker thread.
class CallWatch {
 public:
  explicit CallWatch(std::chrono::milliseconds budget) : budget_(budget) {}

  // Marks the start of a plugin call. The names are only turned into a message on an overrun,
  // so that the common case costs two string assignments. hung (may be null) is set if the
  // call is abandoned.
  void enter(std::string_view technique, std::string_view step,
             std::shared_ptr<std::atomic<bool>> hung = nullptr);
  // The guard gave up on the running call: mark its technique as hung.
  void abandon();
  // Marks its end; returns the overrun message if the call took longer than the budget.
  std::string leave();

  std::chrono::milliseconds budget() const { return budget_; }
  // For the guard: the running call's description if it has run past the budget.
  std::string overrunning(std::chrono::steady_clock::time_point now) const;

 private:
  const std::chrono::milliseconds budget_;
  mutable Mutex mutex_;  // between the worker and the one waiting caller only
  std::string describe_locked() const CHAIRD_REQUIRES(mutex_);

  std::string technique_ CHAIRD_GUARDED_BY(mutex_);
  std::string step_ CHAIRD_GUARDED_BY(mutex_);
  std::shared_ptr<std::atomic<bool>> hung_ CHAIRD_GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point started_ CHAIRD_GUARDED_BY(mutex_){};
  bool in_call_ CHAIRD_GUARDED_BY(mutex_) = false;
};

// Runs job(watch) on its own thread. Returns an empty string when the job finished, or the
// overrun message when a plugin call ran past its budget and the job was abandoned (the
// technique is then marked hung), or when no thread could be started.
std::string run_guarded(std::chrono::milliseconds per_call_budget,
                        std::function<void(CallWatch&)> job);

}  // namespace chaird
