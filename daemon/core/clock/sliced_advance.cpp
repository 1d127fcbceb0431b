#include "clock/sliced_advance.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <memory>

namespace chaird {

namespace {

// One slice, then the rest posted behind whatever arrived meanwhile. The advance is shared by
// the tasks in turn (only one of them is ever queued), so it is moved, not copied, per slice.
void step(VirtualScheduler& clock, std::shared_ptr<SlicedAdvance> left) {
  boost::asio::post(clock.context(), [&clock, left = std::move(left)]() mutable {
    if (!left->keep_going()) return left->done(false);
    const ChairDuration now_by = std::min(left->by, left->slice);
    clock.advance(now_by);
    left->by -= now_by;
    if (left->by <= ChairDuration::zero()) return left->done(true);
    step(clock, std::move(left));
  });
}

}  // namespace

void advance_in_slices(VirtualScheduler& clock, SlicedAdvance advance) {
  if (advance.slice <= ChairDuration::zero()) advance.slice = advance.by;  // one task, as asked
  step(clock, std::make_shared<SlicedAdvance>(std::move(advance)));
}

}  // namespace chaird
