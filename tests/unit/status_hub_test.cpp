// session/status_hub: the latest status, watchers poked on every publish, and the recorder.
#include "session/status_hub.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

namespace chaird {
namespace {

using StatusPtr = StatusHub::StatusPtr;

StatusPtr status(std::uint64_t sequence, chair::v1::SessionState state = chair::v1::RUNNING) {
  auto s = std::make_shared<chair::v1::SessionStatus>();
  s->set_sequence(sequence);
  s->set_state(state);
  return s;
}

class CountingWatcher final : public StatusWatcher {
 public:
  explicit CountingWatcher(const StatusHub& hub) : hub_(hub) {}
  void on_status() override {
    ++pokes;
    seen.push_back(hub_.latest()->sequence());
  }
  int pokes = 0;
  std::vector<std::uint64_t> seen;

 private:
  const StatusHub& hub_;
};

class ListRecorder final : public StatusRecorder {
 public:
  void record(StatusPtr s) override { recorded.push_back(std::move(s)); }
  std::vector<StatusPtr> recorded;
};

TEST(StatusHub, StartsIdleAndKeepsTheLatest) {
  StatusHub hub;
  ASSERT_NE(hub.latest(), nullptr);
  EXPECT_EQ(hub.latest()->state(), chair::v1::IDLE);
  EXPECT_EQ(hub.latest()->sequence(), 0u);
  const StatusPtr first = status(1);
  hub.publish(first);
  EXPECT_EQ(hub.latest(), first);
  const StatusPtr second = status(2, chair::v1::COMPLETED);
  hub.publish(second);
  EXPECT_EQ(hub.latest(), second);
  EXPECT_EQ(hub.latest()->state(), chair::v1::COMPLETED);
}

TEST(StatusHub, WatchersArePokedOnEveryPublishAndSeeTheNewStatus) {
  StatusHub hub;
  auto a = std::make_shared<CountingWatcher>(hub);
  auto b = std::make_shared<CountingWatcher>(hub);
  hub.add(a);
  hub.add(b);
  EXPECT_EQ(hub.watcher_count(), 2u);
  for (std::uint64_t i = 1; i <= 3; ++i) hub.publish(status(i));
  EXPECT_EQ(a->pokes, 3);
  EXPECT_EQ(b->pokes, 3);
  EXPECT_EQ(a->seen, (std::vector<std::uint64_t>{1, 2, 3}));

  hub.remove(a.get());
  EXPECT_EQ(hub.watcher_count(), 1u);
  hub.publish(status(4));
  EXPECT_EQ(a->pokes, 3);
  EXPECT_EQ(b->pokes, 4);
  hub.remove(a.get());  // already gone: harmless
  EXPECT_EQ(hub.watcher_count(), 1u);
  hub.remove(b.get());
  hub.publish(status(5));
  EXPECT_EQ(b->pokes, 4);
  EXPECT_EQ(hub.watcher_count(), 0u);
}

TEST(StatusHub, AWatcherMayRemoveItselfWhilePoked) {
  StatusHub hub;
  class Once final : public StatusWatcher {
   public:
    explicit Once(StatusHub& h) : hub(h) {}
    void on_status() override {
      ++pokes;
      hub.remove(this);
    }
    StatusHub& hub;
    int pokes = 0;
  };
  auto once = std::make_shared<Once>(hub);
  auto other = std::make_shared<CountingWatcher>(hub);
  hub.add(once);
  hub.add(other);
  hub.publish(status(1));
  hub.publish(status(2));
  EXPECT_EQ(once->pokes, 1);
  EXPECT_EQ(other->pokes, 2);
}

TEST(StatusHub, TheRecorderGetsEveryStatusInOrder) {
  StatusHub hub;
  ListRecorder recorder;
  hub.add_recorder(&recorder);
  std::vector<StatusPtr> published;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    published.push_back(status(i));
    hub.publish(published.back());
  }
  EXPECT_EQ(recorder.recorded, published);
}

// A watcher that holds whichever thread pokes it until the test lets it go.
class BlockingWatcher final : public StatusWatcher {
 public:
  explicit BlockingWatcher(const StatusHub& hub) : hub_(hub) {}
  void on_status() override {
    std::unique_lock lock(mutex_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    last_seen_ = hub_.latest()->sequence();
  }
  bool wait_entered() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [this] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::uint64_t last_seen() {
    std::lock_guard lock(mutex_);
    return last_seen_;
  }

 private:
  const StatusHub& hub_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool released_ = false;
  std::uint64_t last_seen_ = 0;
};

// With the fan-out thread, a watcher that takes its time (a thousand of them, a stalled
// stream) never holds the dispatch thread's publish: the pokes happen on the hub's thread.
TEST(StatusHub, WithItsFanOutThreadAPublishNeverWaitsForAWatcher) {
  StatusHub hub;
  auto slow = std::make_shared<BlockingWatcher>(hub);
  hub.add(slow);
  hub.start_fanout();
  auto publishing = std::async(std::launch::async, [&] {
    hub.publish(status(1));
    hub.publish(status(2));
    hub.publish(status(3));
  });
  ASSERT_TRUE(slow->wait_entered()) << "the watcher was poked";
  const bool returned = publishing.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  slow->release();  // lets a publish that waited go on too, so that the test ends either way
  publishing.wait();
  EXPECT_TRUE(returned) << "publish waited for a watcher";
  hub.stop_fanout();
  // The pokes coalesce, but the latest status is what the watcher saw last.
  EXPECT_EQ(slow->last_seen(), 3u);
  EXPECT_EQ(hub.latest()->sequence(), 3u);
}

TEST(StatusHub, TheFanOutThreadPokesEveryWatcherWithTheLatestStatus) {
  StatusHub hub;
  auto slow = std::make_shared<BlockingWatcher>(hub);
  slow->release();  // never blocks
  hub.add(slow);
  hub.start_fanout();
  hub.publish(status(7));
  ASSERT_TRUE(slow->wait_entered());
  hub.stop_fanout();  // joins: every poke due has run
  EXPECT_EQ(slow->last_seen(), 7u);
}

}  // namespace
}  // namespace chaird
