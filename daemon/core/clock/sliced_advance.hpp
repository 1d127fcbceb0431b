// Moves a manual clock on by a long stretch of chair time without holding the dispatch thread
// for all of it: an emergency stop, a stop or a shutdown posted meanwhile must act at the chair
// time it arrived, not after the whole advance (SimBench.AdvanceClock).
#pragma once

#include <functional>

#include "clock/virtual_scheduler.hpp"

namespace chaird {

struct SlicedAdvance {
  ChairDuration by{};
  ChairDuration slice{};  // the most chair time one task steps through; > 0
  // Asked before each slice, on the clock's thread: false stops the advance there (the caller
  // gave up, or the daemon is going down).
  std::function<bool()> keep_going;
  // Called once, on the clock's thread: whether the whole of `by` was stepped through.
  std::function<void(bool whole)> done;
};

// Posts the advance to the clock's io_context and returns at once. Each slice is its own task,
// and the next slice is posted behind whatever arrived during this one.
void advance_in_slices(VirtualScheduler& clock, SlicedAdvance advance);

}  // namespace chaird
