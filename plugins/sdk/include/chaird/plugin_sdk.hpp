// The chaird technique plugin SDK: the only header a technique plugin needs.
//
// A technique is a pure generator: the host hands it a StepContext (zone, duration, intensity,
// tempo, typed parameters, the sitter's body landmarks, the chair's actuators) and it returns
// timed setpoints. It runs at plan time, never while the chair moves; whatever it returns is
// checked (declared actuators only, finite values in range, inside the step) before anything
// moves. See docs/plugins.md for a walkthrough.
//
// Plugins are C++ shared libraries loaded with Boost.DLL and must be built with the same
// compiler and standard library as chaird. Build them with -fvisibility=hidden; the macro
// CHAIRD_TECHNIQUE_PLUGIN at the bottom exports exactly what the host looks for.
#pragma once

#include <algorithm>
#include <boost/config.hpp>
#include <boost/dll/alias.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Bumped whenever a type in this header changes layout or meaning.
#define CHAIRD_PLUGIN_ABI_VERSION 1u

extern "C" {
// Read by the host right after loading and before the factory is imported. Its first field is
// the ABI version and never moves, so that a host can refuse any other version with a clear
// message.
struct chaird_plugin_record {
  std::uint32_t abi_version;
  std::uint32_t cxx11_abi;  // _GLIBCXX_USE_CXX11_ABI of the plugin's build
  std::uint32_t layout;     // chaird::sdk::kLayoutSignature of the header the plugin was built with
  const char* name;
  const char* version;
};
}

namespace chaird::sdk {

inline constexpr std::uint32_t kAbiVersion = CHAIRD_PLUGIN_ABI_VERSION;
inline constexpr char kRecordSymbol[] = "chaird_plugin_info";
inline constexpr char kFactoryAlias[] = "chaird_create_technique";
#if defined(_GLIBCXX_USE_CXX11_ABI)
inline constexpr std::uint32_t kCxx11Abi = _GLIBCXX_USE_CXX11_ABI;
#else
inline constexpr std::uint32_t kCxx11Abi = 0;
#endif

// ---------------------------------------------------------------------------------------------
// Description: what a technique tells the host (and through the API, a kiosk) about itself.

enum class ParamType { kNumber = 1, kInteger = 2, kBoolean = 3, kChoice = 4 };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kNumber;
  std::string unit;
  std::string summary;
  double min = 0.0;
  double max = 0.0;
  double default_number = 0.0;
  bool default_flag = false;
  std::vector<std::string> choices;
  std::string default_choice;

  static ParamSpec number(std::string name, std::string unit, double min, double max,
                          double default_value, std::string summary) {
    ParamSpec p;
    p.name = std::move(name);
    p.type = ParamType::kNumber;
    p.unit = std::move(unit);
    p.min = min;
    p.max = max;
    p.default_number = default_value;
    p.summary = std::move(summary);
    return p;
  }
  static ParamSpec integer(std::string name, std::string unit, std::int64_t min, std::int64_t max,
                           std::int64_t default_value, std::string summary) {
    ParamSpec p =
        number(std::move(name), std::move(unit), static_cast<double>(min), static_cast<double>(max),
               static_cast<double>(default_value), std::move(summary));
    p.type = ParamType::kInteger;
    return p;
  }
  static ParamSpec boolean(std::string name, bool default_value, std::string summary) {
    ParamSpec p;
    p.name = std::move(name);
    p.type = ParamType::kBoolean;
    p.default_flag = default_value;
    p.summary = std::move(summary);
    return p;
  }
  static ParamSpec choice(std::string name, std::vector<std::string> choices,
                          std::string default_value, std::string summary) {
    ParamSpec p;
    p.name = std::move(name);
    p.type = ParamType::kChoice;
    p.choices = std::move(choices);
    p.default_choice = std::move(default_value);
    p.summary = std::move(summary);
    return p;
  }
};

// An actuator the technique drives: an exact id ("roller.depth") or a family ("airbag.*",
// meaning the airbags of the step's zone; likewise "heat.*", "vibration.*", "foot_roller.*").
// A technique that finds an optional actuator missing must still produce a sensible step.
struct ActuatorRequirement {
  std::string id;
  bool required = true;
  std::string purpose;
};

// Cycles per minute the technique can keep. A step without a tempo gets default_cpm.
// A technique without a rhythm (steady warmth) leaves all three at 0: steps may not give it a
// tempo, and its StepContext::tempo_cpm is 0.
struct TempoRange {
  double min_cpm = 1.0;
  double max_cpm = 60.0;
  double default_cpm = 10.0;
};

struct TechniqueDescription {
  std::string name;
  std::string version;
  std::string summary;
  std::vector<ParamSpec> params;
  std::vector<ActuatorRequirement> actuators;
  TempoRange tempo;
  // Zones the technique is meant for; empty means any zone with the required actuators.
  std::vector<std::string> zones;
};

// ---------------------------------------------------------------------------------------------
// Context: what the host tells a technique about one step.

enum class ActuatorKind { kPosition = 1, kSpeed = 2, kPressure = 3, kTemperature = 4, kLevel = 5 };

struct ActuatorInfo {
  int index = -1;  // the handle a Setpoint uses
  std::string id;
  ActuatorKind kind = ActuatorKind::kPosition;
  std::string unit;
  double min = 0.0;
  double max = 0.0;
  double max_rate = 0.0;   // units per second; 0 = unlimited
  double max_accel = 0.0;  // units per second squared; 0 = unchecked
  // Where a step must leave this actuator at its end (vented, off, stopped); only meaningful
  // when must_rest is true. Travel motors (position, width, recline) may stay where they are.
  double rest_value = 0.0;
  bool must_rest = false;
};

// Positions of the sitter's body along the roller track, in mm from the top of the track,
// from the body scan (or the chair's default body). Larger values are lower on the body.
struct BodyLandmarks {
  double neck_top_mm = 0.0;     // base of the skull
  double shoulder_mm = 0.0;     // shoulder line (C7/T1)
  double scapula_low_mm = 0.0;  // lower tips of the shoulder blades (T7)
  double waist_mm = 0.0;        // lumbar centre (L3)
  double sacrum_top_mm = 0.0;   // L5/S1
  double seat_mm = 0.0;         // where the back meets the seat
  double thigh_mid_mm = 0.0;    // under the seat on an L-track
  double height_cm = 0.0;
};

struct ZoneInfo {
  std::string name;
  // The roller span of the zone; only meaningful when on_track.
  bool on_track = false;
  double from_mm = 0.0;
  double to_mm = 0.0;
  // Actuator indices serving the zone.
  std::span<const int> airbags;
  std::span<const int> heaters;
  std::span<const int> vibration;
  std::span<const int> foot_rollers;
};

struct ParamValue {
  std::string name;
  ParamType type = ParamType::kNumber;
  double number = 0.0;  // kNumber and kInteger
  bool flag = false;
  std::string choice;
};

class BOOST_SYMBOL_VISIBLE PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StepContext {
  std::string step_name;
  std::int64_t duration_ms = 0;
  double intensity = 0.5;  // 0..1, session scaling and governor caps already applied
  double tempo_cpm = 0.0;  // within the technique's TempoRange
  ZoneInfo zone;
  BodyLandmarks body;
  // Every actuator the chair has, indexed by ActuatorInfo::index.
  std::span<const ActuatorInfo> actuators;
  // Which of them this step may drive (declared by the technique, present on the chair, and
  // reaching the step's zone), same indexing; empty means all of them.
  std::span<const std::uint8_t> usable;
  // Planned value of each actuator at the start of the step, same indexing.
  std::span<const double> entry;
  // Validated against the description, defaults filled in, in description order.
  std::span<const ParamValue> params;

  // An actuator this step may drive, or nullptr (the chair lacks it, the technique did not
  // declare it, or it does not reach the step's zone, as the rollers do not reach the calves).
  const ActuatorInfo* find(std::string_view id) const {
    for (const auto& a : actuators) {
      if (a.id != id) continue;
      const auto i = static_cast<std::size_t>(a.index);
      return usable.empty() || (i < usable.size() && usable[i] != 0) ? &a : nullptr;
    }
    return nullptr;
  }
  const ActuatorInfo& require(std::string_view id) const {
    const ActuatorInfo* a = find(id);
    if (a == nullptr)
      throw PluginError("actuator '" + std::string(id) + "' is not available for this step");
    return *a;
  }
  double entry_value(const ActuatorInfo& a) const {
    return a.index >= 0 && static_cast<std::size_t>(a.index) < entry.size() ? entry[a.index]
                                                                            : a.min;
  }
  const ParamValue& param(std::string_view name) const {
    for (const auto& p : params) {
      if (p.name == name) return p;
    }
    throw PluginError("no parameter '" + std::string(name) + "' in the step context");
  }
  double number(std::string_view name) const { return param(name).number; }
  std::int64_t integer(std::string_view name) const {
    return static_cast<std::int64_t>(std::llround(param(name).number));
  }
  bool flag(std::string_view name) const { return param(name).flag; }
  const std::string& choice(std::string_view name) const { return param(name).choice; }
  const ActuatorInfo& at(int index) const { return actuators[static_cast<std::size_t>(index)]; }
  // One cycle at the step's tempo, ms (for techniques with a rhythm: tempo_cpm > 0).
  std::int64_t period_ms() const {
    return static_cast<std::int64_t>(std::llround(60000.0 / tempo_cpm));
  }
};

// ---------------------------------------------------------------------------------------------
// Output: setpoints relative to the step start.
//
// A setpoint means "reach value by at_ms", ramping linearly from the actuator's previous value.
// Setpoints at at_ms == 0 are the step's start pose: the host brings the chair there before
// the technique begins (taking the travel time out of the step). All at_ms lie in
// [0, duration_ms]; actuators that must rest are back at rest_value by duration_ms.

struct Setpoint {
  int actuator = -1;
  std::int64_t at_ms = 0;
  double value = 0.0;
};

struct StepOutput {
  std::vector<Setpoint> setpoints;
  // What the technique left out or changed for this chair, in words a chair maker can read.
  std::vector<std::string> notes;
};

class BOOST_SYMBOL_VISIBLE Technique {
 public:
  virtual ~Technique() = default;
  virtual TechniqueDescription describe() const = 0;
  // Pure: the same context gives the same output. Throw PluginError to refuse a step.
  virtual StepOutput generate(const StepContext& context) const = 0;
};

using TechniqueFactory = std::unique_ptr<Technique>();

// The sizes of the types host and plugin share. A header changed without an ABI bump (during
// development, say) gives another signature, and the host refuses the plugin instead of letting
// it read the wrong fields.
inline constexpr std::uint32_t kLayoutSignature = [] {
  std::uint32_t h = 17;
  for (std::size_t size :
       {sizeof(ParamSpec), sizeof(ActuatorRequirement), sizeof(TempoRange),
        sizeof(TechniqueDescription), sizeof(ActuatorInfo), sizeof(BodyLandmarks), sizeof(ZoneInfo),
        sizeof(ParamValue), sizeof(StepContext), sizeof(Setpoint), sizeof(StepOutput)}) {
    h = h * 31u + static_cast<std::uint32_t>(size);
  }
  return h;
}();

// ---------------------------------------------------------------------------------------------
// Helpers that keep output physically plausible.

// Map 0..1 onto an actuator's range.
inline double level(const ActuatorInfo& a, double fraction) {
  return a.min + std::clamp(fraction, 0.0, 1.0) * (a.max - a.min);
}

// Shortest single linear ramp (ms, rounded up) from one value to another that the actuator's
// speed and acceleration limits allow, even when it reverses a ramp of the same length.
// The governor checks acceleration as the change of ramp speed over the longer of two adjacent
// ramps, so a ramp covering d needs d / t <= max_rate and 2 d / t <= max_accel * t.
inline std::int64_t min_ramp_ms(const ActuatorInfo& a, double from, double to) {
  const double d = std::abs(to - from);
  double seconds = 0.0;
  if (a.max_rate > 0.0) seconds = d / a.max_rate;
  if (a.max_accel > 0.0) seconds = std::max(seconds, std::sqrt(2.0 * d / a.max_accel));
  return static_cast<std::int64_t>(std::ceil(seconds * 1000.0 - 1e-9));
}

// The longest distance one linear ramp of duration_ms may cover (min_ramp_ms inverted), so
// that a stroke can be sized to a tempo instead of the tempo to the stroke.
inline double max_travel(const ActuatorInfo& a, std::int64_t duration_ms) {
  const double seconds = static_cast<double>(duration_ms) / 1000.0;
  double d = std::numeric_limits<double>::infinity();
  if (a.max_rate > 0.0) d = a.max_rate * seconds;
  if (a.max_accel > 0.0) d = std::min(d, 0.5 * a.max_accel * seconds * seconds);
  return d;
}

// How the time from from_ms to until_ms divides into cycles of period_ms: as many whole cycles
// as fit; a span too short for one gets a single shorter cycle of the whole span if that still
// lasts min_cycle_ms, and none otherwise.
struct Cycles {
  std::int64_t count = 0;
  std::int64_t length_ms = 0;
};
inline Cycles fit_cycles(std::int64_t from_ms, std::int64_t until_ms, std::int64_t period_ms,
                         std::int64_t min_cycle_ms) {
  const std::int64_t span = until_ms - from_ms;
  if (span >= period_ms) return {span / period_ms, period_ms};
  if (span >= min_cycle_ms) return {1, span};
  return {0, period_ms};
}

// Evenly spaced spots along a zone (10 % in from each end, no further apart than max_spacing_mm)
// for techniques that work spot by spot, walked down the zone and back up so that the rollers
// never jump from one end to the other. Without walk, the middle of the zone only.
class ZoneWalk {
 public:
  ZoneWalk(const ZoneInfo& zone, bool walk, double max_spacing_mm) {
    const double margin = 0.1 * (zone.to_mm - zone.from_mm);
    const double top = zone.from_mm + margin;
    const double bottom = zone.to_mm - margin;
    if (!walk) {
      spots_.push_back(0.5 * (top + bottom));
      return;
    }
    const auto gaps = std::max(1, static_cast<int>(std::ceil((bottom - top) / max_spacing_mm)));
    for (int i = 0; i <= gaps; ++i) spots_.push_back(top + (bottom - top) * i / gaps);
  }
  std::size_t size() const { return spots_.size(); }
  const std::vector<double>& spots() const { return spots_; }
  // The k-th spot of the walk down and back up.
  double at(std::int64_t k) const {
    const auto n = static_cast<std::int64_t>(spots_.size());
    if (n == 1) return spots_[0];
    const std::int64_t r = k % (2 * (n - 1));
    return spots_[static_cast<std::size_t>(r < n ? r : 2 * (n - 1) - r)];
  }
  // The index of the spot nearest to where the rollers are: a re-plan carries on from there.
  std::int64_t nearest(double position_mm) const {
    std::size_t best = 0;
    for (std::size_t i = 1; i < spots_.size(); ++i) {
      if (std::abs(spots_[i] - position_mm) < std::abs(spots_[best] - position_mm)) best = i;
    }
    return static_cast<std::int64_t>(best);
  }

 private:
  std::vector<double> spots_;
};

// Collects setpoints and remembers each actuator's last value, so techniques can ask for
// "ramp to v over at least this long" without tracking state themselves.
class SetpointWriter {
 public:
  explicit SetpointWriter(const StepContext& context) : context_(context) {
    last_.assign(context.entry.begin(), context.entry.end());
    last_at_.assign(last_.size(), 0);
    touched_.assign(last_.size(), false);
  }

  // Reach value by at_ms. A time outside the step is a bug in the technique: it throws rather
  // than quietly turning a ramp into a jump.
  void reach(const ActuatorInfo& a, std::int64_t at_ms, double value) {
    if (at_ms < 0 || at_ms > context_.duration_ms) {
      throw PluginError(a.id + " set at " + std::to_string(at_ms) + " ms, outside the step's " +
                        std::to_string(context_.duration_ms) + " ms");
    }
    const auto i = static_cast<std::size_t>(a.index);
    output_.setpoints.push_back({a.index, at_ms, value});
    last_[i] = value;
    last_at_[i] = std::max(last_at_[i], at_ms);
    if (!touched_[i]) {
      touched_[i] = true;
      used_.push_back(&a);
    }
  }
  // Ramp to value starting at from_ms, as fast as the actuator's rate allows but taking at
  // least min_duration_ms; returns when it gets there.
  std::int64_t ramp(const ActuatorInfo& a, std::int64_t from_ms, double value,
                    std::int64_t min_duration_ms = 0) {
    hold(a, from_ms);
    const std::int64_t start = last_at(a);
    const std::int64_t end = start + std::max(min_duration_ms, min_ramp_ms(a, last(a), value));
    reach(a, end, value);
    return end;
  }
  // Keep the current value until at_ms.
  void hold(const ActuatorInfo& a, std::int64_t at_ms) {
    if (at_ms > last_at(a)) reach(a, at_ms, last(a));
  }
  // A re-plan can begin with a bag still full or a motor still turning: bring these to rest
  // first, each as fast as it may, so that nothing stays on across the two plans for longer than
  // the chair allows. Returns when the last of them is at rest (0 when all already were).
  std::int64_t settle(std::span<const ActuatorInfo* const> actuators) {
    std::int64_t settled = 0;
    for (const ActuatorInfo* a : actuators) {
      if (a != nullptr && last(*a) != a->rest_value)
        settled = std::max(settled, ramp(*a, 0, a->rest_value));
    }
    return settled;
  }
  double last(const ActuatorInfo& a) const { return last_[static_cast<std::size_t>(a.index)]; }
  std::int64_t last_at(const ActuatorInfo& a) const {
    return last_at_[static_cast<std::size_t>(a.index)];
  }
  void note(std::string text) { output_.notes.push_back(std::move(text)); }

  // Brings every actuator the step touched that must rest back to rest by the end of the step,
  // as late as its rate allows, holds the others where they are until the end, and returns the
  // setpoints in time order. Throws when the technique left too little time to rest.
  StepOutput finish() {
    for (const ActuatorInfo* a : used_) {
      if (!a->must_rest || last(*a) == a->rest_value) {
        hold(*a, context_.duration_ms);
        continue;
      }
      const std::int64_t ramp_ms = min_ramp_ms(*a, last(*a), a->rest_value);
      if (last_at(*a) + ramp_ms > context_.duration_ms) {
        throw PluginError(
            a->id + " cannot be back at rest by the end of the step: its last ramp ends at " +
            std::to_string(last_at(*a)) + " ms and resting takes " + std::to_string(ramp_ms) +
            " ms of the step's " + std::to_string(context_.duration_ms) + " ms");
      }
      hold(*a, context_.duration_ms - ramp_ms);
      reach(*a, context_.duration_ms, a->rest_value);
    }
    std::stable_sort(output_.setpoints.begin(), output_.setpoints.end(),
                     [](const Setpoint& x, const Setpoint& y) { return x.at_ms < y.at_ms; });
    return std::move(output_);
  }

 private:
  const StepContext& context_;
  std::vector<double> last_;
  std::vector<std::int64_t> last_at_;
  std::vector<bool> touched_;
  std::vector<const ActuatorInfo*> used_;
  StepOutput output_;
};

}  // namespace chaird::sdk

// Exports the record and the factory of a technique plugin. Use once, in one source file:
//   CHAIRD_TECHNIQUE_PLUGIN(my_vendor::Percussion, "percussion", "1.2.0")
// The name must equal describe().name.
#define CHAIRD_TECHNIQUE_PLUGIN(TechniqueClass, name_literal, version_literal)              \
  extern "C" BOOST_SYMBOL_EXPORT const ::chaird_plugin_record chaird_plugin_info{           \
      CHAIRD_PLUGIN_ABI_VERSION, ::chaird::sdk::kCxx11Abi, ::chaird::sdk::kLayoutSignature, \
      name_literal, version_literal};                                                       \
  namespace chaird_plugin_detail {                                                          \
  std::unique_ptr<::chaird::sdk::Technique> create_technique() {                            \
    return std::make_unique<TechniqueClass>();                                              \
  }                                                                                         \
  }                                                                                         \
  BOOST_DLL_ALIAS(chaird_plugin_detail::create_technique, chaird_create_technique)
