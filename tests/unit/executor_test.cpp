// execution/executor: playing governed timelines to the simulated chair on manual virtual time.
#include "execution/executor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::ms;

// Passes everything to the simulated chair and remembers when it was asked what.
class RecordingBus final : public ActuatorBus {
 public:
  struct Sent {
    ChairTime at;
    BusCommand command;
  };

  RecordingBus(ActuatorBus& inner, const Clock& clock) : inner_(inner), clock_(clock) {}

  void submit(std::span<const BusCommand> commands) override {
    for (const auto& c : commands) sent.push_back({clock_.now(), c});
    inner_.submit(commands);
  }
  void refresh_lease(ChairTime now) override {
    leases.push_back(now);
    inner_.refresh_lease(now);
  }
  void cancel_pending() override {
    ++cancels;
    inner_.cancel_pending();
  }
  void enter_safe_state() override { inner_.enter_safe_state(); }
  Telemetry read_telemetry() override { return inner_.read_telemetry(); }
  void clear_faults() override { inner_.clear_faults(); }

  std::vector<Sent> sent;
  std::vector<ChairTime> leases;
  int cancels = 0;

 private:
  ActuatorBus& inner_;
  const Clock& clock_;
};

class Recorder final : public ExecutorListener {
 public:
  struct Sample {
    ChairTime at;
    std::int64_t session_ms;
    std::uint32_t faults;
  };
  void on_telemetry(const Telemetry& t, std::int64_t session_ms) override {
    samples.push_back({t.at, session_ms, t.faults});
  }
  void on_timeline_end() override { ends.push_back(clock->now()); }

  const Clock* clock = nullptr;
  std::vector<Sample> samples;
  std::vector<ChairTime> ends;
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() { recorder_.clock = &rig_.clock; }

  std::shared_ptr<const GovernedTimeline> two_steps() {
    auto planned = test::plan_text(unit::program_text(
        {unit::step_item("a", "shoulders", 15000) + unit::step_item("b", "lumbar", 15000)}));
    if (!planned) {
      ADD_FAILURE() << planned.error().to_string();
      return nullptr;
    }
    return planned->governed;
  }

  unit::SimRig rig_;
  RecordingBus bus_{rig_.board, rig_.clock};
  Recorder recorder_;
  ExecutorOptions options_;
};

TEST_F(ExecutorTest, SendsEachCommandTheLookaheadBeforeItIsDueAndNeverLate) {
  const auto timeline = two_steps();
  ASSERT_NE(timeline, nullptr);
  Executor executor(rig_.clock, bus_, options_, recorder_);
  rig_.advance_ms(1234);  // start at an arbitrary chair time
  const ChairTime played_at = rig_.clock.now();
  executor.play(timeline);
  EXPECT_TRUE(executor.playing());
  const ChairTime start = played_at + ms(options_.lookahead_ms);
  rig_.advance_ms(timeline->timeline().duration_ms + 5000);

  const auto& commands = timeline->timeline().commands;
  ASSERT_EQ(bus_.sent.size(), commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto& sent = bus_.sent[i];
    EXPECT_EQ(sent.command.actuator, commands[i].actuator) << i;
    EXPECT_EQ(sent.command.due, start + ms(commands[i].start_ms)) << i;
    EXPECT_EQ(sent.command.reach_by, start + ms(commands[i].reach_ms)) << i;
    EXPECT_EQ(sent.command.value, commands[i].value) << i;
    EXPECT_EQ(sent.command.due - sent.at, ms(options_.lookahead_ms))
        << "command " << i << " was not sent " << options_.lookahead_ms << " ms ahead";
  }
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultNone) << t.fault_text;
  for (const auto& s : recorder_.samples) EXPECT_EQ(s.faults, kFaultNone);
  // The chair followed: the roller ended where the plan left it.
  const auto final_targets = timeline->timeline().targets_at(timeline->timeline().duration_ms);
  EXPECT_NEAR(t.measured[static_cast<std::size_t>(rig_.a("roller.position"))],
              final_targets[static_cast<std::size_t>(rig_.a("roller.position"))], 1.0);
}

TEST_F(ExecutorTest, DeliversTelemetryEveryPeriodAndTheEndOnce) {
  const auto timeline = two_steps();
  ASSERT_NE(timeline, nullptr);
  options_.telemetry_period_ms = 100;
  options_.settle_ms = 2000;
  Executor executor(rig_.clock, bus_, options_, recorder_);
  executor.play(timeline);
  const std::int64_t duration = timeline->timeline().duration_ms;
  rig_.advance_ms(duration + 20000);

  ASSERT_EQ(recorder_.ends.size(), 1u);
  EXPECT_EQ(recorder_.ends[0], chair_time_from_ms(options_.lookahead_ms + duration));
  EXPECT_FALSE(executor.playing());

  ASSERT_GT(recorder_.samples.size(), static_cast<std::size_t>(duration / 100));
  EXPECT_EQ(recorder_.samples.front().at, chair_time_from_ms(0));
  EXPECT_EQ(recorder_.samples.front().session_ms, -options_.lookahead_ms);
  for (std::size_t i = 1; i < recorder_.samples.size(); ++i) {
    EXPECT_EQ(recorder_.samples[i].at - recorder_.samples[i - 1].at, ms(100)) << "sample " << i;
  }
  for (const auto& s : recorder_.samples) {
    if (s.at <= chair_time_from_ms(options_.lookahead_ms + duration) && s.session_ms >= 0) {
      EXPECT_EQ(s.session_ms, to_ms(s.at) - options_.lookahead_ms);
    }
  }
  // After the end it keeps watching for the settle time, then goes quiet.
  const ChairTime last = recorder_.samples.back().at;
  EXPECT_GE(last, chair_time_from_ms(options_.lookahead_ms + duration + options_.settle_ms - 100));
  EXPECT_LE(last, chair_time_from_ms(options_.lookahead_ms + duration + options_.settle_ms + 100));
  const std::size_t count = recorder_.samples.size();
  rig_.advance_ms(60000);
  EXPECT_EQ(recorder_.samples.size(), count);
  EXPECT_EQ(recorder_.ends.size(), 1u);
  EXPECT_TRUE(rig_.clock.idle());
  // The lease was refreshed while it played, often enough for the board.
  for (std::size_t i = 1; i < bus_.leases.size(); ++i) {
    EXPECT_LE(bus_.leases[i] - bus_.leases[i - 1], ms(options_.lease_refresh_ms));
  }
}

TEST_F(ExecutorTest, WatchingTheIdleChairGoesOnSlowlyForeverAfterTheSettling) {
  const auto timeline = two_steps();
  ASSERT_NE(timeline, nullptr);
  options_.settle_ms = 2000;
  options_.idle_telemetry_period_ms = 1000;
  Executor executor(rig_.clock, bus_, options_, recorder_);
  executor.watch_idle();
  rig_.advance_ms(5000);  // idle before any session: watched too
  EXPECT_GE(recorder_.samples.size(), 5u);
  executor.play(timeline);
  rig_.advance_ms(timeline->timeline().duration_ms + 5000);
  const std::size_t count = recorder_.samples.size();
  rig_.advance_ms(60000);
  // One sample a second, long after the session.
  EXPECT_GE(recorder_.samples.size(), count + 59);
  EXPECT_LE(recorder_.samples.size(), count + 61);
  EXPECT_EQ(recorder_.samples.back().at - recorder_.samples[recorder_.samples.size() - 2].at,
            ms(1000));
}

TEST(ExecutorIdle, FreeRunningVirtualTimeIsNotDrivenOnByTheIdleWatch) {
  boost::asio::io_context io;
  VirtualScheduler clock(io, VirtualScheduler::Mode::kFreeRunning);
  sim::SimulatedChair board(unit::chair(), clock);
  Recorder recorder;
  recorder.clock = &clock;
  Executor executor(clock, board, {}, recorder);
  executor.watch_idle();
  io.run();  // returns: nothing is left to do, time does not run away
  EXPECT_TRUE(clock.idle());
}

TEST_F(ExecutorTest, ATimelineThatTheGovernorCompletedPlaysWithoutALateCommand) {
  // A program that leaves several actuators unsafe: the governor appends their return to safe.
  const auto model = rig_.model;
  Timeline tl = unit::blank_timeline(*model, 6000);
  unit::add_command(tl, *model, 0, 1000, "roller.depth", 6);
  unit::add_command(tl, *model, 0, 1000, "roller.knead", 30);
  unit::add_command(tl, *model, 0, 2500, "airbag.waist", 20);
  unit::add_command(tl, *model, 0, 0, "heat.lumbar", 40);
  unit::sort_commands(tl);
  const SafetyGovernor governor(model, {});
  auto governed = governor.review(tl);
  ASSERT_TRUE(governed) << governed.error().to_string();
  ASSERT_FALSE((*governed)->adaptations().empty());

  Executor executor(rig_.clock, bus_, options_, recorder_);
  executor.play(*governed);
  rig_.advance_ms((*governed)->timeline().duration_ms + 3000);
  const Telemetry t = rig_.telemetry();
  EXPECT_EQ(t.faults, kFaultNone) << t.fault_text;
  for (const auto& sent : bus_.sent) EXPECT_GE(sent.command.due, sent.at);
  EXPECT_EQ(recorder_.ends.size(), 1u);
  // And the chair is safe at the end.
  EXPECT_NEAR(t.measured[static_cast<std::size_t>(rig_.a("airbag.waist"))], 0.0, 0.05);
  EXPECT_NEAR(t.measured[static_cast<std::size_t>(rig_.a("roller.depth"))], 0.0, 0.05);
  EXPECT_EQ(t.commanded[static_cast<std::size_t>(rig_.a("heat.lumbar"))], 0.0);
}

TEST_F(ExecutorTest, AbandonCancelsWhatIsPending) {
  const auto timeline = two_steps();
  ASSERT_NE(timeline, nullptr);
  Executor executor(rig_.clock, bus_, options_, recorder_);
  executor.play(timeline);
  rig_.advance_ms(8000);
  const std::size_t sent = bus_.sent.size();
  ASSERT_GT(sent, 0u);
  ASSERT_LT(sent, timeline->timeline().commands.size());
  executor.abandon();
  EXPECT_FALSE(executor.playing());
  EXPECT_EQ(executor.session_ms(), -1);
  EXPECT_EQ(bus_.cancels, 1);
  const double held = rig_.commanded("roller.depth");
  const double position = rig_.commanded("roller.position");
  rig_.run_ms(30000);  // a host that stays alive (its session manager cools the chair down)
  EXPECT_EQ(bus_.sent.size(), sent) << "nothing is sent after abandon";
  EXPECT_TRUE(recorder_.ends.empty());
  // Commands the board had queued (the look-ahead) were dropped: the targets stay put.
  EXPECT_EQ(rig_.commanded("roller.depth"), held);
  EXPECT_EQ(rig_.commanded("roller.position"), position);
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone);
  // A host that falls silent after abandoning leaves it to the board's watchdog.
  rig_.advance_ms(2000);
  EXPECT_NE(rig_.telemetry().faults & kFaultLeaseExpired, 0u);
  EXPECT_EQ(rig_.commanded("roller.depth"), 0.0);
}

TEST_F(ExecutorTest, ReplaceFromSwapsTheRestOfTheTimeline) {
  const std::string text =
      unit::program_text({unit::step_item("a", "shoulders", 15000, "intensity: 0.5") +
                          unit::step_item("b", "lumbar", 15000, "intensity: 0.7")});
  auto planned = test::plan_text(text);
  ASSERT_TRUE(planned) << planned.error().to_string();
  Executor executor(rig_.clock, bus_, options_, recorder_);
  executor.play(planned->governed);
  rig_.advance_ms(10000);

  // Too late: those commands are already on the board.
  EXPECT_FALSE(executor.replace_from(planned->governed, executor.session_ms()));

  // Planning takes time while the chair moves on: the new part starts a little later, here
  // just after the next command that has not been sent yet.
  const std::int64_t committed = executor.committed_until_ms();
  const auto& old_commands = planned->governed->timeline().commands;
  const auto next = std::find_if(old_commands.begin(), old_commands.end(),
                                 [&](const TimelineCommand& c) { return c.start_ms > committed; });
  ASSERT_NE(next, old_commands.end());
  const std::int64_t from = next->start_ms + 1;
  PlanOptions softer;
  softer.scaling.intensity_scale = 0.3;
  auto replanned = Planner().replan(*planned->plan, from, softer);
  ASSERT_TRUE(replanned) << replanned.error().to_string();
  const SafetyGovernor governor(rig_.model, {});
  auto governed = governor.review((*replanned)->timeline);
  ASSERT_TRUE(governed) << governed.error().to_string();
  ASSERT_TRUE(executor.replace_from(*governed, from));
  rig_.advance_ms(30000);

  // The board gets exactly the new timeline: its first part (identical to the old one) as it
  // was played, including what was not sent yet before from_ms, and the re-planned rest.
  const auto& commands = (*governed)->timeline().commands;
  const auto unsent_before_from = std::count_if(
      commands.begin(), commands.end(),
      [&](const TimelineCommand& c) { return c.start_ms >= committed && c.start_ms < from; });
  EXPECT_GT(unsent_before_from, 0) << "the test needs commands between what was sent and from_ms";
  ASSERT_EQ(bus_.sent.size(), commands.size());
  const ChairTime start = chair_time_from_ms(options_.lookahead_ms);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto& sent = bus_.sent[i].command;
    EXPECT_EQ(sent.actuator, commands[i].actuator) << i;
    EXPECT_EQ(sent.due, start + ms(commands[i].start_ms)) << i;
    EXPECT_EQ(sent.value, commands[i].value) << i;
  }
  EXPECT_EQ(rig_.telemetry().faults, kFaultNone) << rig_.telemetry().fault_text;
  EXPECT_EQ(recorder_.ends.size(), 1u);
}

}  // namespace
}  // namespace chaird
