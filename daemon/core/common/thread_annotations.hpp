// Clang's thread-safety analysis (-Wthread-safety): what a comment used to say ("guarded by
// this mutex", "only on the dispatch thread") the compiler checks. Under other compilers the
// annotations are empty. docs/threads.md lists the threads and what each may touch.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__clang__)
#define CHAIRD_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define CHAIRD_THREAD_ATTRIBUTE(x)
#endif

#define CHAIRD_CAPABILITY(x) CHAIRD_THREAD_ATTRIBUTE(capability(x))
#define CHAIRD_SCOPED_CAPABILITY CHAIRD_THREAD_ATTRIBUTE(scoped_lockable)
#define CHAIRD_GUARDED_BY(x) CHAIRD_THREAD_ATTRIBUTE(guarded_by(x))
#define CHAIRD_PT_GUARDED_BY(x) CHAIRD_THREAD_ATTRIBUTE(pt_guarded_by(x))
#define CHAIRD_REQUIRES(...) CHAIRD_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define CHAIRD_EXCLUDES(...) CHAIRD_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
#define CHAIRD_ACQUIRE(...) CHAIRD_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define CHAIRD_RELEASE(...) CHAIRD_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
#define CHAIRD_TRY_ACQUIRE(...) CHAIRD_THREAD_ATTRIBUTE(try_acquire_capability(__VA_ARGS__))
#define CHAIRD_ASSERT_CAPABILITY(x) CHAIRD_THREAD_ATTRIBUTE(assert_capability(x))
#define CHAIRD_RETURN_CAPABILITY(x) CHAIRD_THREAD_ATTRIBUTE(lock_returned(x))
#define CHAIRD_NO_THREAD_SAFETY_ANALYSIS CHAIRD_THREAD_ATTRIBUTE(no_thread_safety_analysis)

namespace chaird {

// std::mutex, as a capability the analysis knows.
class CHAIRD_CAPABILITY("mutex") Mutex {
 public:
  void lock() CHAIRD_ACQUIRE() { m_.lock(); }
  void unlock() CHAIRD_RELEASE() { m_.unlock(); }
  bool try_lock() CHAIRD_TRY_ACQUIRE(true) { return m_.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex m_;
};

// std::unique_lock for a Mutex: held from construction to destruction, and waitable on.
class CHAIRD_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& m) CHAIRD_ACQUIRE(m) : lock_(m.m_) {}
  ~MutexLock() CHAIRD_RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Let go for a while (to call out without the mutex), and take it again.
  void unlock() CHAIRD_RELEASE() { lock_.unlock(); }
  void lock() CHAIRD_ACQUIRE() { lock_.lock(); }

  // Waits on cv: the mutex is let go meanwhile and held again on return. Callers loop on their
  // condition (`while (!ready) lock.wait(cv);`) so that the analysis sees what it reads.
  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  // The same, for at most d.
  template <class Rep, class Period>
  void wait_for(std::condition_variable& cv, const std::chrono::duration<Rep, Period>& d) {
    cv.wait_for(lock_, d);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

// One thread's state (the dispatch thread's, the board link's): members only that thread touches
// are CHAIRD_GUARDED_BY(role), functions only it may call CHAIRD_REQUIRES(role), and the code
// that starts running on it (a timer's handler, a posted job, a public entry point) says so
// with role.assert_current(). Clang checks the rest at compile time. In debug builds the
// assertion also checks at run time that it is always the same thread: the first to assert
// takes the role (rebind() hands it on, as from the thread that sets up to the one that runs).
class CHAIRD_CAPABILITY("thread role") ThreadRole {
 public:
  void assert_current() const CHAIRD_ASSERT_CAPABILITY(this) {
#ifndef NDEBUG
    const auto me = std::this_thread::get_id();
    std::thread::id none;
    if (!owner_.compare_exchange_strong(none, me) && none != me) {
      std::fputs("chaird: a function of one thread ran on another (ThreadRole)\n", stderr);
      std::abort();
    }
#endif
  }
  // The role passes to whichever thread asserts it next.
  void rebind() {
    owner_.store(std::thread::id());
  }

 private:
  mutable std::atomic<std::thread::id> owner_{};
};

}  // namespace chaird
