// Live session status, fanned out to any number of watchers without ever making the dispatch
// thread wait: it stores the latest status and pokes each watcher, which writes the latest
// status whenever its previous write is done. A slow watcher sees fewer, newer statuses. With
// its fan-out thread started (chaird), the pokes happen there: a publish costs the dispatch
// thread the same with a thousand watchers as with none.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

#include "chair/v1/control.pb.h"
#include "common/shared_snapshot.hpp"
#include "common/thread_annotations.hpp"

namespace chaird {

class StatusWatcher {
 public:
  virtual ~StatusWatcher() = default;
  // Called on the hub's fan-out thread (or, without it, on the publishing dispatch thread):
  // must return at once (start a write or note that one is due).
  virtual void on_status() = 0;
};

// Gets every status, in order (a trace). Called on the dispatch thread: must only queue.
class StatusRecorder {
 public:
  virtual ~StatusRecorder() = default;
  virtual void record(std::shared_ptr<const chair::v1::SessionStatus> status) = 0;
};

class StatusHub {
 public:
  using StatusPtr = std::shared_ptr<const chair::v1::SessionStatus>;

  StatusHub();
  ~StatusHub();
  StatusHub(const StatusHub&) = delete;
  StatusHub& operator=(const StatusHub&) = delete;
  // Before the dispatch thread starts; without it, publish pokes the watchers itself.
  void start_fanout();
  // Once no watcher is left to feed (the server has shut down).
  void stop_fanout();
  // Dispatch thread.
  void publish(StatusPtr status);
  // Any thread.
  StatusPtr latest() const { return latest_.load(); }
  void add(std::shared_ptr<StatusWatcher> watcher);
  void remove(const StatusWatcher* watcher);
  std::size_t watcher_count() const { return watchers_.load()->size(); }
  // Before the dispatch thread starts; each gets every status, in the order added.
  void add_recorder(StatusRecorder* recorder) { recorders_.push_back(recorder); }

 private:
  using List = std::vector<std::shared_ptr<StatusWatcher>>;
  void poke_all() const;
  void fanout_loop();
  SharedSnapshot<const chair::v1::SessionStatus> latest_;
  SharedSnapshot<const List> watchers_;
  Mutex edit_;  // serialises add and remove; the dispatch thread never takes it
  std::vector<StatusRecorder*> recorders_;
  // The fan-out thread sleeps on wake_; pending_ keeps the semaphore at most 1 (a publish
  // while a wake is outstanding adds nothing: the pokes read the latest status anyway).
  std::binary_semaphore wake_{0};
  std::atomic<bool> pending_{false};
  std::atomic<bool> stopping_{false};
  std::thread fanout_;
};

}  // namespace chaird
