// The threads that meet in chaird, without gRPC between them, so that ThreadSanitizer sees every
// access (scripts/tsan.sh): the dispatch thread that owns the session manager and the chair, two
// apps starting sessions (planned on their own threads with the real technique plugins) and
// stopping, resetting and pausing them, a screen reading what any thread may read, the status
// hub's fan-out thread and the trace recorder's writer. The manual clock moves only when the
// dispatch thread moves it; what the test asserts holds in any interleaving.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "replay/trace_recorder.hpp"
#include "safety/safe_state.hpp"
#include "session/session_manager.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

class CountingWatcher final : public StatusWatcher {
 public:
  void on_status() override { pokes.fetch_add(1); }
  std::atomic<int> pokes{0};
};

// What the gRPC handlers do to the session manager, on threads of their own, with the dispatch
// thread behind an io_context as in Daemon.
class Threads {
 public:
  Threads() {
    auto trace = sim::TraceRecorder::open(trace_path_);
    if (!trace) throw std::runtime_error(trace.error());
    trace_ = std::move(*trace);
    hub_.add_recorder(trace_.get());
    manager_ = std::make_unique<SessionManager>(rig_.clock, rig_.board, governor_, hub_, options_);
    hub_.start_fanout();
    loop_ = std::thread([this] { dispatch_.run(); });
  }
  // Runs job on the dispatch thread and waits for it.
  template <typename Job>
  auto on_dispatch(Job job) {
    auto task = std::make_shared<std::packaged_task<decltype(job())()>>(std::move(job));
    auto done = task->get_future();
    boost::asio::post(dispatch_, [task] { (*task)(); });
    return done.get();
  }

  ~Threads() {
    on_dispatch([this] { manager_->shutdown(); });
    work_.reset();
    loop_.join();
    hub_.stop_fanout();
  }

  // StartSession: claim, plan off the dispatch thread from where the chair is, then begin there.
  // Returns the refusal's message, or "" when the session started.
  std::string start_session(const std::string& client) {
    auto claim = manager_->claim_start();
    if (!claim) return claim.error().message;
    if (auto early = manager_->start_refusal()) return early->message;
    PlanOptions options;
    options.initial_values = manager_->chair_state();
    auto planned = test::plan_text(unit::program_text({unit::step_item("one", "shoulders", 12000) +
                                                       unit::step_item("two", "lumbar", 12000)}),
                                   options);
    if (!planned) return "the plan failed: " + planned.error().to_string();
    PreparedSession prepared{"t", "test", planned->governed};
    prepared.client = client;
    prepared.energy = manager_->energy_history();
    return on_dispatch([&, c = std::move(*claim)]() -> std::string {
      auto started = manager_->start(*c, std::move(prepared));
      if (!started) return started.error().message;
      token_ = started->lease_token;  // the dispatch thread's
      return "";
    });
  }

  unit::SimRig rig_;  // its chair and clock are the dispatch thread's
  SafetyGovernor governor_{rig_.model, {}};
  std::string trace_path_ = test::make_temp_dir("threads") + "/trace.jsonl";
  std::unique_ptr<sim::TraceRecorder> trace_;  // writes on its own thread
  StatusHub hub_;
  SessionManagerOptions options_;
  std::unique_ptr<SessionManager> manager_;
  std::string token_;  // the last start's lease token; dispatch thread only
  boost::asio::io_context dispatch_;

 private:
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(dispatch_);
  std::thread loop_;
};

TEST(SessionManagerThreads, TwoAppsAScreenAndTheDispatchThreadShareOnlyWhatTheyMay) {
  Threads t;
  std::atomic<bool> done{false};  // the apps have finished
  std::atomic<int> started{0};
  std::atomic<int> refused{0};
  std::vector<std::string> odd_refusals[2];

  // Two apps, each on its own thread, as gRPC runs them: each starts a session (claimed and
  // planned on its thread, begun on the dispatch thread), and once one runs, ends or interrupts
  // it as a kiosk does, while the other app's start is being prepared. A stop, an emergency stop
  // or a reset cancels the starts being prepared on the caller's thread, then reaches the
  // dispatch thread.
  std::vector<std::thread> apps;
  for (int p = 0; p < 2; ++p) {
    apps.emplace_back([&, p] {
      for (int round = 0; round < 12; ++round) {
        // Until the chair could start (a cool-down or a session ends as time moves on); then
        // both apps press start and one is refused.
        for (int spin = 0; spin < 1'000'000 && t.manager_->start_refusal(); ++spin) {
          // A trip in some interleaving latches until a reset, as staff would press it; without
          // one, every round left would spin here to its end (minutes on a loaded machine).
          if (const auto s = t.manager_->state();
              s == chair::v1::FAULTED || s == chair::v1::EMERGENCY_STOPPED) {
            t.on_dispatch([&] { (void)t.manager_->reset(); });
          }
          std::this_thread::yield();
        }
        const std::string why = t.start_session("app " + std::to_string(p));
        if (!why.empty()) {
          refused.fetch_add(1);
          if (why.find("plan failed") != std::string::npos) odd_refusals[p].push_back(why);
          continue;
        }
        started.fetch_add(1);
        switch (round % 4) {
          case 0:
            t.manager_->cancel_starts("a stop was requested");
            t.on_dispatch([&] { t.manager_->stop(); });
            break;
          case 1:
            t.manager_->cancel_starts("an emergency stop was pressed");
            t.on_dispatch([&] { t.manager_->emergency_stop("kiosk"); });
            t.manager_->cancel_starts("a reset was requested");
            t.on_dispatch([&] { (void)t.manager_->reset(); });
            break;
          case 2:
            t.on_dispatch([&] { (void)t.manager_->pause(); });
            t.on_dispatch(
                [&] { (void)t.manager_->resume(*t.manager_->wait_to_resume(), t.token_); });
            t.manager_->cancel_starts("a stop was requested");
            t.on_dispatch([&] { t.manager_->stop(); });
            break;
          default:
            t.on_dispatch([&] { (void)t.manager_->keep_alive(t.token_); });
            break;  // left to run to its end
        }
      }
    });
  }
  // A kiosk's screen: reads what any thread may read, and watches the status.
  auto watcher = std::make_shared<CountingWatcher>();
  std::thread screen([&] {
    t.hub_.add(watcher);
    while (!done.load()) {
      (void)t.manager_->state();
      (void)t.manager_->chair_state();
      (void)t.manager_->energy_history();
      (void)t.manager_->start_refusal();
      (void)t.manager_->controller();
      (void)t.hub_.latest();
    }
    t.hub_.remove(watcher.get());
  });
  // Time moves on the dispatch thread, the board's lease refreshed as a live host does.
  std::thread time([&] {
    while (!done.load()) t.on_dispatch([&] { t.rig_.run_ms(500); });
  });

  for (auto& a : apps) a.join();
  done = true;
  screen.join();
  time.join();

  EXPECT_EQ(started.load() + refused.load(), 24);
  for (const auto& list : odd_refusals) EXPECT_TRUE(list.empty()) << list.front();
  EXPECT_GT(watcher->pokes.load(), 0);

  // Whatever happened, a stop leaves the chair safe, and the next start runs.
  t.on_dispatch([&] {
    t.manager_->stop();
    t.rig_.run_ms(10000);
    EXPECT_TRUE(is_safe(*t.rig_.model, t.rig_.telemetry().commanded));
    (void)t.manager_->reset();  // from an emergency stop or a fault, if that came last
  });
  EXPECT_EQ(t.start_session("app 0"), "");
  t.on_dispatch([&] { t.rig_.run_ms(1000); });
  EXPECT_EQ(t.manager_->state(), chair::v1::RUNNING);

  // Every status the dispatch thread published reached the trace, whole, in order.
  t.trace_->flush();
  std::ifstream trace(t.trace_path_);
  std::string line, last;
  int lines = 0;
  while (std::getline(trace, line)) {
    ++lines;
    ASSERT_TRUE(line.starts_with("{") && line.ends_with("}")) << line;
    last = line;
  }
  EXPECT_GT(lines, started.load());
  EXPECT_NE(last.find("RUNNING"), std::string::npos) << last;
}

}  // namespace
}  // namespace chaird
