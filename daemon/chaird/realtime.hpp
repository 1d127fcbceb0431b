// Real-time scheduling for the dispatch thread and locked memory, when the configuration asks
// and the process is permitted. Neither is needed for chaird to be correct (the board's lease
// and the dispatch lookahead cover a late thread); they make lateness rarer on a busy machine.
// When not permitted, each says why in words for the log, and chaird runs on.
#pragma once

#include <string>

namespace chaird {

struct RealtimeOutcome {
  bool applied = false;
  std::string message;  // for the log, either way
};

// Puts the calling thread under SCHED_FIFO at priority (1..99).
RealtimeOutcome make_this_thread_fifo(int priority);
// mlockall(MCL_CURRENT | MCL_FUTURE), only when the process may lock without limit
// (CAP_IPC_LOCK, or an unlimited RLIMIT_MEMLOCK): with a limit, a later allocation past it would
// fail, which is worse than a page fault.
RealtimeOutcome lock_all_memory();

}  // namespace chaird
