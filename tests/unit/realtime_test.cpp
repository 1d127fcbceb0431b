// Real-time scheduling and locked memory: granted when permitted, and when not, refused with a
// reason for the log, the process running on. Each case runs in a forked child, so that the
// test process keeps its own scheduling, limits and capabilities.
#include "realtime.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace chaird {
namespace {

bool drop_capability(int capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  const auto word = static_cast<unsigned>(capability) / 32;
  data[word].effective &= ~(1u << (static_cast<unsigned>(capability) % 32));
  return ::syscall(SYS_capset, &header, data) == 0;
}

bool has_capability(int capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[static_cast<unsigned>(capability) / 32].effective &
          (1u << (static_cast<unsigned>(capability) % 32))) != 0;
}

// Runs check in a child; its exit code (0: as expected).
int in_child(const std::function<int()>& check) {
  const pid_t child = fork();
  if (child == 0) _exit(check());
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(Realtime, SchedFifoNotPermittedIsSaidAndTheThreadRunsOn) {
  EXPECT_EQ(
      in_child([] {
        const rlimit none{0, 0};
        if (setrlimit(RLIMIT_RTPRIO, &none) != 0) return 10;
        if (has_capability(CAP_SYS_NICE) && !drop_capability(CAP_SYS_NICE)) return 11;
        const auto outcome = make_this_thread_fifo(10);
        if (outcome.applied) return 1;
        if (outcome.message.find("cannot run under SCHED_FIFO priority 10") == std::string::npos)
          return 2;
        if (outcome.message.find("RLIMIT_RTPRIO of at least 10, which is 0") == std::string::npos)
          return 3;
        return sched_getscheduler(0) == SCHED_OTHER ? 0 : 4;
      }),
      0);
}

TEST(Realtime, SchedFifoPermittedIsApplied) {
  if (!has_capability(CAP_SYS_NICE)) GTEST_SKIP() << "needs CAP_SYS_NICE";
  const int code = in_child([] {
    const auto outcome = make_this_thread_fifo(1);
    if (!outcome.applied) return 20;  // a container may hold the capability but no RT budget
    return sched_getscheduler(0) == SCHED_FIFO ? 0 : 1;
  });
  if (code == 20) GTEST_SKIP() << "the kernel refused SCHED_FIFO here despite CAP_SYS_NICE";
  EXPECT_EQ(code, 0);
}

TEST(Realtime, MemoryIsNotLockedUnderALimit) {
  EXPECT_EQ(in_child([] {
              const rlimit small{64 * 1024, 64 * 1024};
              if (setrlimit(RLIMIT_MEMLOCK, &small) != 0) return 10;
              if (has_capability(CAP_IPC_LOCK) && !drop_capability(CAP_IPC_LOCK)) return 11;
              const auto outcome = lock_all_memory();
              if (outcome.applied) return 1;
              return outcome.message.find("is not locked: that needs CAP_IPC_LOCK") !=
                             std::string::npos
                         ? 0
                         : 2;
            }),
            0);
}

TEST(Realtime, MemoryIsLockedWhenPermitted) {
  if (!has_capability(CAP_IPC_LOCK)) GTEST_SKIP() << "needs CAP_IPC_LOCK";
  EXPECT_EQ(in_child([] { return lock_all_memory().applied ? 0 : 1; }), 0);
}

}  // namespace
}  // namespace chaird
