// Property: for random programs (generated here, not only the shipped ones), random session
// options and random health answers, no governed timeline ever breaks a limit of the chair, and
// every one ends in the safe state. The checks below are written again, independently of the
// governor, from the chair profile: a governor bug cannot hide in its own test.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <random>

#include "safety/health_conditions.hpp"
#include "safety/safe_state.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

struct Generated {
  std::string text;
  std::vector<std::string> contraindications;
};

template <typename T, std::size_t N>
const T& pick(std::mt19937& rng, const T (&items)[N]) {
  return items[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

double uniform(std::mt19937& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

Generated random_program(std::mt19937& rng) {
  const char* roller_techniques[] = {"shiatsu", "kneading",    "tapping",
                                     "rolling", "acupressure", "trigger_point"};
  const char* roller_zones[] = {"neck",   "shoulders", "scapula",    "thoracic", "lumbar",
                                "sacrum", "glutes",    "upper_back", "back",     "full_back"};
  const char* air_zones[] = {"arms", "calves", "feet", "legs", "seat", "thighs", "shoulders"};
  const char* heat_zones[] = {"lumbar", "calves", "back"};
  const char* conditions[] = {"thrombosis", "osteoporosis", "pregnancy", "varicose_veins"};
  auto track = [&](const char* kind, int steps, auto&& step) {
    std::string items;
    for (int i = 0; i < steps; ++i) items += step(i);
    return fmt::format("  tracks {{ kind: {}\n{}  }}\n", kind, items);
  };
  auto item = [&](const std::string& name, const std::string& technique, const std::string& zone,
                  std::int64_t ms) {
    return fmt::format(
        "    items {{ step {{ name: \"{}\" technique: \"{}\" zone: \"{}\" duration_ms: {} "
        "intensity: {:.2f} }} }}\n",
        name, technique, zone, ms, uniform(rng, 0.1, 1.0));
  };
  std::string phases;
  const int phase_count = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int p = 0; p < phase_count; ++p) {
    std::string tracks =
        track("BACK_ROLLERS", std::uniform_int_distribution<int>(1, 6)(rng), [&](int i) {
          return item(fmt::format("r{}_{}", p, i), pick(rng, roller_techniques),
                      pick(rng, roller_zones),
                      std::uniform_int_distribution<std::int64_t>(4000, 90000)(rng));
        });
    if (rng() % 2 == 0) {
      tracks += track("AIR", std::uniform_int_distribution<int>(1, 4)(rng), [&](int i) {
        return item(fmt::format("a{}_{}", p, i), "compression", pick(rng, air_zones),
                    std::uniform_int_distribution<std::int64_t>(5000, 120000)(rng));
      });
    }
    if (rng() % 2 == 0) {
      tracks += track("HEAT", 1, [&](int i) {
        return item(fmt::format("h{}_{}", p, i), "heat", pick(rng, heat_zones),
                    std::uniform_int_distribution<std::int64_t>(20000, 600000)(rng));
      });
    }
    const char* kinds[] = {"WARM_UP", "MAIN", "COOL_DOWN"};
    phases += fmt::format("phases {{ kind: {}\n{}}}\n", kinds[std::min(p, 2)], tracks);
  }
  Generated g;
  if (rng() % 3 == 0) g.contraindications.push_back(pick(rng, conditions));
  std::string contra;
  for (const auto& c : g.contraindications) contra += " contraindications: \"" + c + "\"";
  g.text = fmt::format("metadata {{ id: \"random\" name: \"Random\"{} }}\n{}", contra, phases);
  return g;
}

// Every limit of the chair, checked from the profile on the timeline's commands.
std::vector<std::string> limits_broken(const ChairModel& chair, const Timeline& tl) {
  std::vector<std::string> broken;
  const auto& limits = chair.limits();
  if (tl.duration_ms > limits.max_session_ms())
    broken.push_back(fmt::format("lasts {} ms", tl.duration_ms));
  for (const auto& a : chair.actuators()) {
    double value = tl.initial_values[static_cast<std::size_t>(a.index)];
    std::int64_t busy_until = 0;
    std::int64_t heat_on_ms = 0;
    std::int64_t firm_since = -1;  // an airbag above half the limit since
    std::int64_t last_t = 0;
    for (const auto& c : tl.commands) {
      if (c.actuator != a.index) continue;
      if (c.value < a.min - 1e-9 || c.value > a.max + 1e-9)
        broken.push_back(fmt::format("{} to {} outside {}..{}", a.id, c.value, a.min, a.max));
      if (c.start_ms < busy_until) broken.push_back(fmt::format("{}: two ramps at once", a.id));
      const double seconds = static_cast<double>(c.reach_ms - c.start_ms) / 1000.0;
      const double change = std::abs(c.value - value);
      if (a.max_rate > 0 && change > 1e-9 &&
          (seconds <= 0 || change / seconds > a.max_rate * 1.02 + 1e-9))
        broken.push_back(fmt::format("{} at {} ms faster than {}/s", a.id, c.start_ms, a.max_rate));
      if (a.kind == chair::v1::TEMPERATURE && value > 0) heat_on_ms += c.start_ms - last_t;
      if (a.kind == chair::v1::PRESSURE) {
        const bool firm = c.value > 0.5 * limits.max_airbag_kpa();
        if (firm && firm_since < 0) firm_since = c.reach_ms;
        if (!firm && firm_since >= 0) {
          if (c.start_ms - firm_since > limits.airbag_max_hold_ms())
            broken.push_back(fmt::format("{} firm for {} ms", a.id, c.start_ms - firm_since));
          firm_since = -1;
        }
      }
      value = c.value;
      busy_until = c.reach_ms;
      last_t = c.start_ms;
    }
    if (a.kind == chair::v1::TEMPERATURE && value > 0) heat_on_ms += tl.duration_ms - last_t;
    if (heat_on_ms > limits.heat_max_on_ms())
      broken.push_back(fmt::format("{} on for {} ms", a.id, heat_on_ms));
  }
  if (!is_safe(chair, tl.targets_at(tl.duration_ms))) broken.push_back("does not end safe");
  return broken;
}

// An actuator's value as time goes forward (ramps from where the last one ended, holding between).
class Follower {
 public:
  Follower(const Timeline& tl, ActuatorIndex a)
      : value_(tl.initial_values[static_cast<std::size_t>(a)]) {
    for (const auto& c : tl.commands) {
      if (c.actuator == a) cmds_.push_back(&c);
    }
  }
  double at(std::int64_t t) {
    while (next_ < cmds_.size() && cmds_[next_]->reach_ms <= t) value_ = cmds_[next_++]->value;
    if (next_ < cmds_.size() && cmds_[next_]->start_ms < t) {
      const TimelineCommand& c = *cmds_[next_];
      return value_ + (c.value - value_) * static_cast<double>(t - c.start_ms) /
                          static_cast<double>(c.reach_ms - c.start_ms);
    }
    return value_;
  }

 private:
  std::vector<const TimelineCommand*> cmds_;
  std::size_t next_ = 0;
  double value_;
};

// Roller depth against each region's limit every 20 ms, and two-way motors at rest before they
// reverse.
std::vector<std::string> motion_broken(const ChairModel& chair, const BodyModel& body,
                                       const Timeline& tl) {
  std::vector<std::string> broken;
  const auto& limits = chair.limits();
  Follower position(tl, *chair.find("roller.position"));
  Follower width(tl, *chair.find("roller.width"));
  Follower depth(tl, *chair.find("roller.depth"));
  for (std::int64_t t = 0; t <= tl.duration_ms && broken.empty(); t += 20) {
    const double p = position.at(t), w = width.at(t), z = depth.at(t);
    for (const auto& limit : limits.roller_depth()) {
      const auto span = body.span(limit.region());
      if (!span || p < span->from_mm || p > span->to_mm) continue;
      const double allowed =
          w <= limits.midline_width_mm() ? limit.max_depth_midline_mm() : limit.max_depth_mm();
      if (z > allowed + 0.05)
        broken.push_back(fmt::format("depth {:.2f} mm at {} ms over the {} (width {:.0f} mm)", z, t,
                                     limit.region(), w));
    }
  }
  for (const auto& a : chair.actuators()) {
    if (a.kind != chair::v1::SPEED || a.min >= 0) continue;
    double value = tl.initial_values[static_cast<std::size_t>(a.index)];
    double last_nonzero = value;
    std::optional<std::int64_t> zero_from;  // at rest since
    if (value == 0) zero_from = std::numeric_limits<std::int64_t>::min() / 2;
    for (const auto& c : tl.commands) {
      if (c.actuator != a.index) continue;
      if (c.value * last_nonzero < 0 &&
          (!zero_from || c.start_ms - *zero_from < chair.motor_reverse_rest_ms()))
        broken.push_back(fmt::format("{} reverses at {} ms without resting", a.id, c.start_ms));
      value = c.value;
      if (value != 0) {
        last_nonzero = value;
        zero_from.reset();
      } else if (!zero_from) {
        zero_from = c.reach_ms;
      }
    }
  }
  return broken;
}

TEST(GovernedTimelineProperty, RandomProgramsOptionsAndAnswersNeverBreakALimitAndEndSafe) {
  const auto chair = test::reference_chair();
  SafetyGovernor governor(chair, {});
  const char* answers[] = {"thrombosis", "osteoporosis", "pregnancy", "varicose_veins", "fracture"};
  int planned = 0;
  int refused = 0;
  int screened = 0;
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    std::mt19937 rng(seed);
    const Generated g = random_program(rng);
    std::vector<std::string> conditions;
    if (rng() % 2 == 0) conditions.push_back(pick(rng, answers));
    if (!screen(g.contraindications, conditions).empty()) {
      ++screened;  // refused before planning, as StartSession does
      continue;
    }
    PlanOptions options;
    options.scaling.intensity_scale = uniform(rng, 0.2, 1.5);
    options.scaling.speed_scale = uniform(rng, 0.5, 1.5);
    options.body.shoulder_offset_mm = uniform(rng, -100, 100);
    options.body.height_cm = uniform(rng, 150, 195);
    auto plan = unit::plan_on(chair, g.text, options);
    if (!plan) {
      ++refused;  // refused with reasons: nothing moves
      if (refused <= 3) std::printf("refused: %s\n", plan.error().first_error().c_str());
      continue;
    }
    auto governed = governor.review((*plan)->timeline);
    if (!governed) {
      ++refused;
      continue;
    }
    ++planned;
    auto broken = limits_broken(*chair, (*governed)->timeline());
    for (auto& b : motion_broken(*chair, *(*plan)->body, (*governed)->timeline()))
      broken.push_back(std::move(b));
    ASSERT_TRUE(broken.empty()) << "seed " << seed << ": " << broken.front() << "\n" << g.text;
  }
  std::printf("random programs: %d governed and checked, %d refused, %d screened out\n", planned,
              refused, screened);
  EXPECT_GE(planned, 60) << "most random programs must plan, or the property says little";
}

}  // namespace
}  // namespace chaird
