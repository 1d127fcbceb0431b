// What a status publish costs the dispatch thread, by the number of open status streams: with
// the hub poking every stream itself (as chaird did), and with its fan-out thread (as chaird
// does now). Each watcher does what a stream's poke costs at least: it serialises the status,
// about 730 bytes with its 20 actuators.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "session/status_hub.hpp"

namespace {

using chaird::StatusHub;

class SerialisingWatcher final : public chaird::StatusWatcher {
 public:
  explicit SerialisingWatcher(const StatusHub& hub) : hub_(hub) {}
  void on_status() override {
    hub_.latest()->SerializeToString(&buffer_);
    benchmark::DoNotOptimize(buffer_.data());
  }

 private:
  const StatusHub& hub_;
  std::string buffer_;
};

std::shared_ptr<chair::v1::SessionStatus> full_status(std::uint64_t sequence) {
  auto s = std::make_shared<chair::v1::SessionStatus>();
  s->set_sequence(sequence);
  s->set_session_id("session-12");
  s->set_program_id("neck_shoulders");
  s->set_program_name("Neck and shoulders");
  s->set_state(chair::v1::RUNNING);
  for (int i = 0; i < 20; ++i) {
    auto* a = s->add_actuators();
    a->set_id("airbag.actuator_" + std::to_string(i));
    a->set_unit("kPa");
    a->set_target(12.5 + i);
    a->set_measured(12.25 + i);
    a->set_active(true);
  }
  return s;
}

// Arguments: open streams; 1 with the fan-out thread, 0 without.
void BM_PublishCostToTheDispatchThread(benchmark::State& state) {
  const auto streams = static_cast<int>(state.range(0));
  const bool fanout = state.range(1) != 0;
  StatusHub hub;
  std::vector<std::shared_ptr<SerialisingWatcher>> watchers;
  for (int i = 0; i < streams; ++i) {
    watchers.push_back(std::make_shared<SerialisingWatcher>(hub));
    hub.add(watchers.back());
  }
  if (fanout) hub.start_fanout();
  std::uint64_t sequence = 0;
  const auto status = full_status(0);
  for (auto _ : state) {
    auto next = std::make_shared<chair::v1::SessionStatus>(*status);
    next->set_sequence(++sequence);
    hub.publish(std::move(next));
  }
  hub.stop_fanout();
  state.SetLabel(fanout ? "fan-out thread" : "on the publishing thread");
}
BENCHMARK(BM_PublishCostToTheDispatchThread)
    ->ArgsProduct({{0, 64, 1000}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
