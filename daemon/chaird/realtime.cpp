#include "realtime.hpp"

#include <fmt/format.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace chaird {
namespace {

bool has_effective_capability(int capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  const auto word = static_cast<unsigned>(capability) / 32;
  const auto bit = static_cast<unsigned>(capability) % 32;
  return (data[word].effective & (1u << bit)) != 0;
}

}  // namespace

RealtimeOutcome make_this_thread_fifo(int priority) {
  sched_param param{};
  param.sched_priority = priority;
  const int error = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param);
  if (error == 0)
    return {true, fmt::format("the dispatch thread runs under SCHED_FIFO, priority {}", priority)};
  rlimit rtprio{};
  ::getrlimit(RLIMIT_RTPRIO, &rtprio);
  return {false,
          fmt::format("the dispatch thread cannot run under SCHED_FIFO priority {}: {} (needs "
                      "CAP_SYS_NICE, or RLIMIT_RTPRIO of at least {}, which is {}); it runs on "
                      "with the default scheduler",
                      priority, std::strerror(error), priority,
                      rtprio.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                                       : std::to_string(rtprio.rlim_cur))};
}

RealtimeOutcome lock_all_memory() {
  rlimit memlock{};
  ::getrlimit(RLIMIT_MEMLOCK, &memlock);
  if (!has_effective_capability(CAP_IPC_LOCK) && memlock.rlim_cur != RLIM_INFINITY) {
    return {false, fmt::format("chaird's memory is not locked: that needs CAP_IPC_LOCK or an "
                               "unlimited RLIMIT_MEMLOCK (it is {} bytes; LimitMEMLOCK=infinity "
                               "in the unit); it runs on unlocked",
                               memlock.rlim_cur)};
  }
  if (::mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    return {false, fmt::format("chaird's memory is not locked: mlockall: {}; it runs on unlocked",
                               std::strerror(errno))};
  }
  return {true, "chaird's memory is locked (no page of it waits for swap)"};
}

}  // namespace chaird
