// safety/energy_ledger: what heaters and airbags actually did, from telemetry, across sessions.
#include "safety/energy_ledger.hpp"

#include <gtest/gtest.h>

#include "common/time_bound.hpp"
#include "profile/limits_tightening.hpp"
#include "safety/safety_governor.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

class EnergyLedgerTest : public ::testing::Test {
 protected:
  // A sample at t_ms with every actuator at home but these.
  Telemetry sample(std::int64_t t_ms, std::vector<std::pair<const char*, double>> values) {
    Telemetry t;
    t.at = chair_time_from_ms(t_ms);
    t.commanded = chair_->home_values();
    for (const auto& [id, v] : values) t.commanded[static_cast<std::size_t>(unit::idx(id))] = v;
    t.measured = t.commanded;
    return t;
  }
  std::size_t i(const char* id) { return static_cast<std::size_t>(unit::idx(id)); }

  std::shared_ptr<const ChairModel> chair_ = unit::chair();
  EnergyLedger ledger_{*chair_};
};

TEST_F(EnergyLedgerTest, RecordsWhenEachHeaterWasOn) {
  ledger_.record(sample(0, {}));
  for (std::int64_t t = 1000; t <= 60000; t += 1000)
    ledger_.record(sample(t, {{"heat.lumbar", 40}}));
  for (std::int64_t t = 61000; t <= 70000; t += 1000) ledger_.record(sample(t, {}));
  const EnergyHistory h = ledger_.history();
  EXPECT_EQ(h.at, chair_time_from_ms(70000));
  ASSERT_EQ(h.heat_on[i("heat.lumbar")].size(), 1u);
  // Between two samples it counts as on if it was on at either: from the last sample that saw
  // it off, to the first that saw it off again.
  EXPECT_EQ(h.heat_on[i("heat.lumbar")][0].first, chair_time_from_ms(0));
  EXPECT_EQ(h.heat_on[i("heat.lumbar")][0].second, chair_time_from_ms(61000));
  EXPECT_TRUE(h.heat_on[i("heat.calf")].empty());
}

// Heat from before chaird's start (its database) counts as heat recorded since, for heaters
// only, and is said while a heater is on.
TEST_F(EnergyLedgerTest, HeatFromBeforeTheStartCountsWithWhatFollows) {
  std::vector<std::vector<std::pair<ChairTime, ChairTime>>> earlier(chair_->actuator_count());
  earlier[i("heat.lumbar")] = {{chair_time_from_ms(-90000), chair_time_from_ms(-30000)}};
  earlier[i("airbag.seat")] = {{chair_time_from_ms(-90000), chair_time_from_ms(-30000)}};
  ledger_.restore_heat(earlier);
  ledger_.record(sample(0, {}));
  EXPECT_FALSE(ledger_.heating());
  ledger_.record(sample(1000, {{"heat.lumbar", 40}}));
  EXPECT_TRUE(ledger_.heating());
  ledger_.record(sample(2000, {}));
  const EnergyHistory h = ledger_.history();
  ASSERT_EQ(h.heat_on[i("heat.lumbar")].size(), 2u);
  EXPECT_EQ(h.heat_on[i("heat.lumbar")][0].first, chair_time_from_ms(-90000));
  EXPECT_EQ(h.heat_on[i("heat.lumbar")][1].second, chair_time_from_ms(2000));
  EXPECT_TRUE(h.heat_on[i("airbag.seat")].empty()) << "an airbag gives no heat";
}

// Heat is kept for a day, the longest window any limits may set: a program, a start or a
// composition may ask for a longer window than the chair's, and its governor counts what falls
// within it.
TEST_F(EnergyLedgerTest, ForgetsHeatThatLeftTheLongestWindow) {
  ledger_.record(sample(0, {{"heat.lumbar", 40}}));
  ledger_.record(sample(60000, {}));
  EXPECT_EQ(ledger_.history().heat_on[i("heat.lumbar")].size(), 1u);
  ledger_.record(sample(60000 + chair_->limits().heat_window_ms() + 1, {}));
  EXPECT_EQ(ledger_.history().heat_on[i("heat.lumbar")].size(), 1u);
  ledger_.record(sample(60000 + kDayMs + 1, {}));
  EXPECT_TRUE(ledger_.history().heat_on[i("heat.lumbar")].empty());
}

// The chair allows 30 minutes of heat in any hour; a program asks for 30 in any two hours. A
// sitter who had 30 minutes 70 minutes ago has had their dose by the program's window.
TEST_F(EnergyLedgerTest, ALongerWindowAProgramAsksForCountsHeatFromBeforeTheChairsWindow) {
  ledger_.record(sample(0, {}));
  for (std::int64_t t = 1000; t <= 1'800'000; t += 1000)
    ledger_.record(sample(t, {{"heat.lumbar", 40}}));
  for (std::int64_t t = 1'801'000; t <= 5'700'000; t += 1000) ledger_.record(sample(t, {}));
  chair::v1::SafetyLimits longer;
  longer.set_heat_window_ms(7'200'000);
  auto program_chair = tighten_limits(*chair_, longer, "program 'warm'", {});
  ASSERT_TRUE(program_chair) << program_chair.error().to_string();
  Timeline warm = unit::blank_timeline(**program_chair, 1'800'000);
  unit::add_command(warm, **program_chair, 0, 0, "heat.lumbar", 40);
  unit::add_command(warm, **program_chair, 1'800'000, 1'800'000, "heat.lumbar", 0);
  EXPECT_TRUE(SafetyGovernor(chair_, {}).review(warm, ledger_.history()));
  auto refused = SafetyGovernor(*program_chair, {}).review(warm, ledger_.history());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().to_string().find("in earlier sessions"), std::string::npos)
      << refused.error().to_string();
}

TEST_F(EnergyLedgerTest, AnAirbagIsHeldUntilItRestsLongEnough) {
  ledger_.record(sample(0, {{"airbag.calf", 20}}));
  ledger_.record(sample(1000, {{"airbag.calf", 20}}));
  ledger_.record(sample(1500, {{"airbag.calf", 0}}));   // a dip...
  ledger_.record(sample(2000, {{"airbag.calf", 20}}));  // ...too short to be a break
  ASSERT_TRUE(ledger_.history().held_since[i("airbag.calf")]);
  EXPECT_EQ(*ledger_.history().held_since[i("airbag.calf")], chair_time_from_ms(0));
  EXPECT_FALSE(ledger_.history().dipped_at[i("airbag.calf")]);
  ledger_.record(sample(2100, {{"airbag.calf", 0}}));  // dipping now: held, and since when
  ASSERT_TRUE(ledger_.history().dipped_at[i("airbag.calf")]);
  EXPECT_EQ(*ledger_.history().dipped_at[i("airbag.calf")], chair_time_from_ms(2100));
  ledger_.record(sample(3000, {{"airbag.calf", 10}}));  // soft: below half the limit
  ledger_.record(sample(5500, {{"airbag.calf", 10}}));
  EXPECT_FALSE(ledger_.history().held_since[i("airbag.calf")]);
}

}  // namespace
}  // namespace chaird
