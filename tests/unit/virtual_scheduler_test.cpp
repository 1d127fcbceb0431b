// clock/virtual_scheduler: virtual chair time, advanced by hand or as fast as the dispatch
// thread runs.
#include "clock/virtual_scheduler.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <string>
#include <vector>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::ms;

TEST(VirtualScheduler, ManualAdvanceRunsTimersInTimeOrderTiesInInsertionOrder) {
  unit::VirtualRig rig;
  std::vector<std::string> ran;
  std::vector<std::int64_t> at;
  auto note = [&](std::string name) {
    return [&, name] {
      ran.push_back(name);
      at.push_back(rig.now_ms());
    };
  };
  rig.clock.call_at(chair_time_from_ms(300), note("c"));
  rig.clock.call_at(chair_time_from_ms(100), note("a"));
  rig.clock.call_at(chair_time_from_ms(200), note("b1"));
  rig.clock.call_at(chair_time_from_ms(200), note("b2"));
  rig.clock.call_at(chair_time_from_ms(200), note("b3"));
  rig.clock.call_at(chair_time_from_ms(900), note("late"));

  EXPECT_EQ(rig.now_ms(), 0);
  rig.advance_ms(99);
  EXPECT_TRUE(ran.empty());
  EXPECT_EQ(rig.now_ms(), 99);
  rig.advance_ms(401);
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b1", "b2", "b3", "c"}));
  // Each callback sees the clock at its own due time.
  EXPECT_EQ(at, (std::vector<std::int64_t>{100, 200, 200, 200, 300}));
  EXPECT_EQ(rig.now_ms(), 500);
  EXPECT_FALSE(rig.clock.idle());
  rig.advance_ms(400);  // exactly due: runs
  EXPECT_EQ(ran.back(), "late");
  EXPECT_TRUE(rig.clock.idle());
  EXPECT_EQ(rig.clock.mode(), VirtualScheduler::Mode::kManual);
}

TEST(VirtualScheduler, TimersSetByCallbacksRunIfDueWithinTheAdvance) {
  unit::VirtualRig rig;
  std::vector<std::int64_t> at;
  // A periodic timer, as the executor keeps one.
  std::function<void()> tick = [&] {
    at.push_back(rig.now_ms());
    if (at.size() < 100) rig.clock.call_at(rig.clock.now() + ms(250), tick);
  };
  rig.clock.call_at(chair_time_from_ms(0), tick);
  rig.advance_ms(1000);
  EXPECT_EQ(at, (std::vector<std::int64_t>{0, 250, 500, 750, 1000}));
  // One set for "now" (or the past) from a callback runs in the same advance.
  bool immediate = false;
  rig.clock.call_at(rig.clock.now() + ms(10),
                    [&] { rig.clock.call_at(chair_time_from_ms(0), [&] { immediate = true; }); });
  rig.advance_ms(10);
  EXPECT_TRUE(immediate);
  EXPECT_EQ(rig.now_ms(), 1010);
}

TEST(VirtualScheduler, CancelForgetsATimer) {
  unit::VirtualRig rig;
  int a = 0;
  int b = 0;
  const auto id_a = rig.clock.call_at(chair_time_from_ms(100), [&] { ++a; });
  rig.clock.call_at(chair_time_from_ms(100), [&] { ++b; });
  rig.clock.cancel(id_a);
  rig.clock.cancel(id_a);    // twice is harmless
  rig.clock.cancel(123456);  // and so is an unknown id
  rig.advance_ms(1000);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  // A callback can cancel a timer due at the same time.
  int c = 0;
  Scheduler::TimerId later = 0;
  rig.clock.call_at(chair_time_from_ms(2000), [&] { rig.clock.cancel(later); });
  later = rig.clock.call_at(chair_time_from_ms(2000), [&] { ++c; });
  rig.advance_ms(5000);
  EXPECT_EQ(c, 0);
  EXPECT_TRUE(rig.clock.idle());
}

TEST(VirtualScheduler, TimeNeverGoesBackwards) {
  unit::VirtualRig rig;
  rig.advance_ms(1000);
  std::int64_t seen = -1;
  rig.clock.call_at(chair_time_from_ms(10), [&] { seen = rig.now_ms(); });  // already past
  rig.advance_ms(0);
  EXPECT_EQ(seen, 1000);
  EXPECT_EQ(rig.now_ms(), 1000);
}

TEST(VirtualScheduler, FreeRunningJumpsToEachTimerWhenTheDispatchThreadRuns) {
  boost::asio::io_context io;
  VirtualScheduler clock(io, VirtualScheduler::Mode::kFreeRunning);
  std::vector<std::int64_t> at;
  clock.call_at(chair_time_from_ms(1800000), [&] { at.push_back(to_ms(clock.now())); });
  clock.call_at(chair_time_from_ms(5000), [&] {
    at.push_back(to_ms(clock.now()));
    clock.call_at(clock.now() + ms(60000), [&] { at.push_back(to_ms(clock.now())); });
  });
  EXPECT_EQ(to_ms(clock.now()), 0);  // nothing happens until the io_context runs
  // Work posted by other parts of the daemon interleaves with replay.
  bool posted = false;
  boost::asio::post(io, [&] { posted = true; });
  io.run();
  EXPECT_TRUE(posted);
  EXPECT_EQ(at, (std::vector<std::int64_t>{5000, 65000, 1800000}));
  EXPECT_EQ(to_ms(clock.now()), 1800000);
  EXPECT_TRUE(clock.idle());
}

}  // namespace
}  // namespace chaird
