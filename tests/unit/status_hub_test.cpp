// session/status_hub: the latest status, watchers poked on every publish, and the recorder.
#include "session/status_hub.hpp"

#include <gtest/gtest.h>

#include <memory>
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
  hub.set_recorder(&recorder);
  std::vector<StatusPtr> published;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    published.push_back(status(i));
    hub.publish(published.back());
  }
  EXPECT_EQ(recorder.recorded, published);
}

}  // namespace
}  // namespace chaird
