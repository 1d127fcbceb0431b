// A chair profile, validated and indexed: what the planner, the governor, the executor and the
// simulator know about the chair. Immutable once built; shared between threads.
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chair/v1/chair_profile.pb.h"
#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "common/text_file.hpp"

namespace chaird {

using ActuatorIndex = int;

struct ActuatorSpec {
  ActuatorIndex index = -1;
  std::string id;
  chair::v1::ActuatorKind kind = chair::v1::ACTUATOR_KIND_UNSPECIFIED;
  std::string unit;
  double min = 0.0;
  double max = 0.0;  // narrowed by the profile limits for air and heat
  double max_rate = 0.0;
  double max_accel = 0.0;
  chair::v1::SafeAction safe_action = chair::v1::SAFE_ACTION_UNSPECIFIED;
  double safe_value = 0.0;
  double home = 0.0;
  bool energised = false;

  bool goes_to_safe_value() const { return safe_action == chair::v1::GO_TO_SAFE_VALUE; }
  // Air, heat and spinning motors: a step leaves them at their safe value.
  bool must_rest() const;
};

struct ZoneSpec {
  std::string name;
  bool roller = false;
  std::vector<ActuatorIndex> airbags;
  std::vector<ActuatorIndex> heaters;
  std::vector<ActuatorIndex> vibration;
  std::vector<ActuatorIndex> foot_rollers;
};

class ChairModel {
 public:
  static Expected<std::shared_ptr<const ChairModel>, Diagnostics> load(const std::string& path);
  // Validates a profile; locations come from source when it was parsed from a file.
  static Expected<std::shared_ptr<const ChairModel>, Diagnostics> build(
      chair::v1::ChairProfile profile, const TextFileSource& source);

  const chair::v1::ChairProfile& profile() const { return profile_; }
  const std::string& source_path() const { return source_path_; }
  const std::vector<ActuatorSpec>& actuators() const { return actuators_; }
  const ActuatorSpec& actuator(ActuatorIndex i) const {
    return actuators_[static_cast<std::size_t>(i)];
  }
  std::size_t actuator_count() const { return actuators_.size(); }
  std::optional<ActuatorIndex> find(std::string_view id) const;
  // Actuators whose id starts with "family." (for "airbag.*" and the like).
  std::vector<ActuatorIndex> family(std::string_view family) const;
  const ZoneSpec* zone(std::string_view name) const;
  const std::vector<ZoneSpec>& zones() const { return zones_; }
  const chair::v1::SafetyLimits& limits() const { return profile_.limits(); }
  // A profile that leaves motor_reverse_rest_ms out gets this rest before a motor reverses.
  static constexpr std::int64_t kDefaultMotorReverseRestMs = 250;
  std::int64_t motor_reverse_rest_ms() const;
  const chair::v1::TrackGeometry& track() const { return profile_.track(); }
  // The actuators as plugins see them (index, range, rate, rest).
  const std::vector<sdk::ActuatorInfo>& plugin_view() const { return plugin_view_; }
  // Every actuator at its home value: the state a plan starts from.
  std::vector<double> home_values() const;

 private:
  ChairModel() = default;

  chair::v1::ChairProfile profile_;
  std::string source_path_;
  std::vector<ActuatorSpec> actuators_;
  std::unordered_map<std::string, ActuatorIndex> by_id_;
  std::vector<ZoneSpec> zones_;
  std::vector<sdk::ActuatorInfo> plugin_view_;
};

}  // namespace chaird
