// A hook for tests and the bench: holds every session start at one point (its plan is ready,
// it has not begun) until released, so that a test can make a stop, a reset, a cancel or a
// shutdown meet a start there deterministically instead of hoping a sleep lands in the window.
// Idle unless the bench turns it on; the planning thread is the one that waits here, never the
// dispatch thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/thread_annotations.hpp"

namespace chaird {

class StartHold {
 public:
  // Any thread. From now on, starts wait in pass() until release().
  void hold();
  // Any thread. Lets every waiting start go on and stops holding.
  void release();
  // Shutdown: releases and never holds again, so nothing can keep chaird from exiting.
  void close();
  // Planning thread: returns at once unless held; then waits for release() or close().
  void pass();
  // Calls then() once a start waits in pass(): at once (on this thread) if one already does,
  // else on the waiting thread.
  void when_waiting(std::function<void()> then);
  // Any thread: a start's call was cancelled by its client (gRPC's OnCancel).
  void note_call_cancelled();
  // Calls then() once a start waits in pass() and its call has been cancelled, so that a test
  // knows chaird has seen the cancel before it releases the start.
  void when_waiting_call_cancelled(std::function<void()> then);

 private:
  Mutex mutex_;
  std::condition_variable released_;
  bool held_ CHAIRD_GUARDED_BY(mutex_) = false;
  bool closed_ CHAIRD_GUARDED_BY(mutex_) = false;
  int waiting_ CHAIRD_GUARDED_BY(mutex_) = 0;
  bool waiting_call_cancelled_ CHAIRD_GUARDED_BY(mutex_) = false;
  std::vector<std::function<void()>> on_cancelled_ CHAIRD_GUARDED_BY(mutex_);
  std::uint64_t releases_ CHAIRD_GUARDED_BY(mutex_) = 0;
  std::vector<std::function<void()>> on_waiting_ CHAIRD_GUARDED_BY(mutex_);
};

}  // namespace chaird
