// A shared_ptr that one thread replaces while others read it: load() hands out the current value,
// store() replaces it. What std::atomic<std::shared_ptr> promises, by a mutex: libstdc++ 12's
// atomic<shared_ptr> lets go of its internal lock after a load with a relaxed store, so a load's
// read of the pointer and the next store's write of it are not ordered (a data race by the C++
// memory model, which ThreadSanitizer reports: google/sanitizers#1558). The lock is held only to
// copy or swap a pointer; the value a store replaces is released after it.
#pragma once

#include <memory>
#include <utility>

#include "common/thread_annotations.hpp"

namespace chaird {

template <typename T>
class SharedSnapshot {
 public:
  SharedSnapshot() = default;
  explicit SharedSnapshot(std::shared_ptr<T> value) : value_(std::move(value)) {}
  SharedSnapshot(const SharedSnapshot&) = delete;
  SharedSnapshot& operator=(const SharedSnapshot&) = delete;

  std::shared_ptr<T> load() const {
    MutexLock lock(mutex_);
    return value_;
  }
  void store(std::shared_ptr<T> value) {
    {
      MutexLock lock(mutex_);
      value_.swap(value);
    }
    // value, the one replaced, is released here, outside the lock (its destructor may be long).
  }

 private:
  mutable Mutex mutex_;
  std::shared_ptr<T> value_ CHAIRD_GUARDED_BY(mutex_);
};

}  // namespace chaird
