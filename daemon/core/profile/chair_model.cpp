#include "profile/chair_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <string_view>
#include <utility>

#include "common/time_bound.hpp"
#include "common/utf8_text.hpp"
#include "profile/body_geometry.hpp"
#include "profile/body_zone_names.hpp"

namespace chaird {
namespace {

using chair::v1::ActuatorKind;

// The longest zone name a profile may give: as long as a program may name one (the planner's
// ExpansionLimits::max_name_bytes).
constexpr std::size_t kMaxZoneNameBytes = 80;

bool valid_actuator_id(const std::string& id) {
  // The length first: std::regex recurses once per character, and a profile may be 1 MiB.
  constexpr std::size_t kMaxIdLength = 64;
  static const std::regex kId(R"([a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*)");
  return id.size() <= kMaxIdLength && std::regex_match(id, kId);
}

std::string kind_name(ActuatorKind k) {
  return chair::v1::ActuatorKind_Name(k);
}

const ActuatorSpec* find_spec(const std::vector<ActuatorSpec>& actuators, std::string_view id) {
  for (const auto& a : actuators) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

// Roller depth limits name body zones on the track and stay within the depth actuator's range.
void check_depth_limits(const std::vector<ActuatorSpec>& actuators,
                        const chair::v1::SafetyLimits& limits, const Locator& lim, Diagnostics& d) {
  const ActuatorSpec* depth = find_spec(actuators, "roller.depth");
  const ActuatorSpec* width = find_spec(actuators, "roller.width");
  for (int i = 0; i < limits.roller_depth_size(); ++i) {
    const auto& r = limits.roller_depth(i);
    const Locator at = lim.nested("roller_depth", i);
    if (!is_track_zone(r.region())) {
      std::string names;
      for (const auto& n : kTrackZoneNames) names += (names.empty() ? "" : ", ") + std::string(n);
      // The region is outside text (a file's, or a client's through a start's limits): quoted
      // as an excerpt, so that it cannot forge a line or clear a screen.
      d.error(at.at("region"), fmt::format("roller_depth: {} is not a body zone on the track "
                                           "(expected one of {})",
                                           excerpt(r.region()), names));
    }
    if (depth == nullptr) {
      d.error(at.self(),
              "roller_depth limits need a roller.depth actuator, and this chair has none");
      continue;
    }
    if (!(std::isfinite(r.max_depth_mm()) && r.max_depth_mm() >= depth->min &&
          r.max_depth_mm() <= depth->max)) {
      d.error(at.at("max_depth_mm"),
              fmt::format("roller_depth {}: max_depth_mm {} must lie within roller.depth's "
                          "{}..{} mm",
                          excerpt(r.region()), r.max_depth_mm(), depth->min, depth->max));
    }
    if (!(std::isfinite(r.max_depth_midline_mm()) && r.max_depth_midline_mm() >= depth->min &&
          r.max_depth_midline_mm() <= r.max_depth_mm())) {
      d.error(
          at.at("max_depth_midline_mm"),
          fmt::format("roller_depth {}: max_depth_midline_mm {} must lie within {}..{} mm "
                      "(no deeper over the spine than beside it)",
                      excerpt(r.region()), r.max_depth_midline_mm(), depth->min, r.max_depth_mm()));
    }
  }
  const double midline = limits.midline_width_mm();
  if (midline != 0.0) {
    if (width == nullptr) {
      d.error(lim.at("midline_width_mm"),
              "limits.midline_width_mm needs a roller.width actuator, and this chair has none");
    } else if (!(std::isfinite(midline) && midline >= width->min && midline <= width->max)) {
      d.error(lim.at("midline_width_mm"),
              fmt::format("limits.midline_width_mm {} must lie within roller.width's {}..{} mm",
                          midline, width->min, width->max));
    }
  }
}

// A zone the rollers work must lie on the track for the chair's default body: the body puts
// it there, and a zone beyond the track's end would leave the rollers clipped to the end,
// working something the program did not name.
void check_roller_zones(const chair::v1::ChairProfile& profile, const Locator& root,
                        Diagnostics& d) {
  const auto& body = profile.default_body();
  const double track_end_mm = profile.track().length_mm();
  const sdk::BodyLandmarks landmarks =
      body_landmarks(body.shoulder_mm(), profile.track().seat_mm(), body.height_cm());
  for (int i = 0; i < profile.zones_size(); ++i) {
    const auto& z = profile.zones(i);
    if (!z.roller() || z.name().size() > kMaxZoneNameBytes) continue;  // the name is refused
    const SourceLocation at = root.nested("zones", i).at("roller");
    const std::string name = cut_utf8(z.name(), 64);
    const auto extent = zone_extent(z.name(), landmarks);
    if (!extent) {
      std::string names;
      for (const auto& n : kTrackZoneNames) names += (names.empty() ? "" : ", ") + std::string(n);
      d.error(at, fmt::format("zone '{}' has roller: true, but it is not a zone on the roller "
                              "track (these are: {}); set roller: false",
                              name, names));
    } else if (!zone_on_track(z.name(), landmarks, track_end_mm)) {
      if (extent->from_mm >= track_end_mm) {
        d.error(at, fmt::format("zone '{}' has roller: true, but for the default body it starts "
                                "at {:.0f} mm and the track ends at {:.0f} mm "
                                "(track.length_mm): the rollers cannot reach it; set "
                                "roller: false",
                                name, extent->from_mm, track_end_mm));
      } else {
        const double from = std::max(0.0, extent->from_mm);
        const double to = std::min(track_end_mm, extent->to_mm);
        d.error(at, fmt::format("zone '{}' has roller: true, but for the default body only "
                                "{:.0f}..{:.0f} mm of it lies on the track (0..{:.0f} mm): too "
                                "little for the rollers to work; set roller: false",
                                name, from, to, track_end_mm));
      }
    }
  }
}

}  // namespace

bool ActuatorSpec::must_rest() const {
  return goes_to_safe_value() && (kind == chair::v1::PRESSURE || kind == chair::v1::TEMPERATURE ||
                                  kind == chair::v1::SPEED || kind == chair::v1::LEVEL);
}

Expected<std::shared_ptr<const ChairModel>, Diagnostics> ChairModel::load(const std::string& path) {
  chair::v1::ChairProfile profile;
  TextFileSource source{path, std::make_shared<ParseInfoTree>()};
  Diagnostics d = parse_text_file(path, profile, source.tree.get());
  if (d.has_errors()) return Unexpected{std::move(d)};
  return build(std::move(profile), source);
}

Expected<std::shared_ptr<const ChairModel>, Diagnostics> ChairModel::build(
    chair::v1::ChairProfile profile, const TextFileSource& source) {
  Diagnostics d;
  const Locator root(source, chair::v1::ChairProfile::descriptor());
  std::shared_ptr<ChairModel> model(new ChairModel());

  if (profile.id().empty()) d.error(root.self(), "chair profile needs an id");
  const auto& track = profile.track();
  const Locator track_loc = root.nested("track");
  bool geometry_sound = false;  // the track and the default body, for where the zones lie
  if (!(track.length_mm() > 0.0)) {
    d.error(track_loc.at("length_mm"), "track.length_mm must be positive");
  } else if (!(track.seat_mm() > 0.0 && track.seat_mm() < track.length_mm())) {
    d.error(track_loc.at("seat_mm"), "track.seat_mm must lie inside the track (0.." +
                                         std::to_string(track.length_mm()) + " mm)");
  } else {
    geometry_sound = true;
  }

  for (int i = 0; i < profile.actuators_size(); ++i) {
    const auto& a = profile.actuators(i);
    const Locator loc = root.nested("actuators", i);
    const std::string who = "actuator '" + a.id() + "'";
    if (!valid_actuator_id(a.id())) {
      d.error(loc.at("id"),
              "actuator id '" + a.id() +
                  "' must be lowercase words joined by dots, like roller.depth, at most 64 "
                  "characters");
      continue;
    }
    if (model->by_id_.count(a.id()) != 0) {
      d.error(loc.at("id"), "actuator '" + a.id() + "' is declared twice");
      continue;
    }
    if (a.kind() == chair::v1::ACTUATOR_KIND_UNSPECIFIED) {
      d.error(loc.self(), who + " needs a kind (POSITION, SPEED, PRESSURE, TEMPERATURE, LEVEL)");
    }
    if (!(std::isfinite(a.min()) && std::isfinite(a.max()) && a.min() < a.max())) {
      d.error(loc.at("max"), who + ": min must be below max");
    }
    if (!(a.max_rate() >= 0.0) || !(a.max_accel() >= 0.0)) {
      d.error(loc.at("max_rate"), who + ": rates cannot be negative");
    } else {
      // Left out, a rate reads as 0: nothing would limit how fast the motor moves or the bag
      // fills, and the governor would have nothing to check a ramp against.
      const bool moves = a.kind() == chair::v1::POSITION || a.kind() == chair::v1::SPEED ||
                         a.kind() == chair::v1::PRESSURE || a.kind() == chair::v1::LEVEL;
      if (moves && a.max_rate() == 0.0) {
        d.error(loc.self(), who + " needs max_rate (the most its value may change per second, " +
                                a.unit() + "/s): without it nothing limits how fast it moves");
      }
      if (a.kind() == chair::v1::POSITION && a.max_accel() == 0.0) {
        d.error(loc.self(), who + " needs max_accel (the most its speed may change per second, " +
                                a.unit() + "/s²): without it nothing limits how hard it starts " +
                                "and stops");
      }
    }
    if (a.home() < a.min() || a.home() > a.max()) {
      d.error(loc.at("home"), who + ": home " + std::to_string(a.home()) + " is outside its range");
    }
    if (a.safe_action() == chair::v1::SAFE_ACTION_UNSPECIFIED) {
      d.error(loc.self(), who + " needs a safe_action (GO_TO_SAFE_VALUE or HALT_IN_PLACE)");
    } else if (a.safe_action() == chair::v1::GO_TO_SAFE_VALUE &&
               (a.safe_value() < a.min() || a.safe_value() > a.max())) {
      d.error(loc.at("safe_value"), who + ": safe_value is outside its range");
    }
    if ((a.kind() == chair::v1::PRESSURE || a.kind() == chair::v1::TEMPERATURE) &&
        (!a.energised() || a.safe_action() != chair::v1::GO_TO_SAFE_VALUE)) {
      d.error(loc.self(), who + ": " + kind_name(a.kind()) +
                              " actuators hold energy: mark them energised with GO_TO_SAFE_VALUE");
    }
    ActuatorSpec spec;
    spec.index = static_cast<ActuatorIndex>(model->actuators_.size());
    spec.id = a.id();
    spec.kind = a.kind();
    spec.unit = a.unit();
    spec.min = a.min();
    spec.max = a.max();
    spec.max_rate = a.max_rate();
    spec.max_accel = a.max_accel();
    spec.safe_action = a.safe_action();
    spec.safe_value = a.safe_value();
    spec.home = a.home();
    spec.energised = a.energised();
    model->by_id_.emplace(spec.id, spec.index);
    model->actuators_.push_back(std::move(spec));
  }

  std::set<std::string> zone_names;
  for (int i = 0; i < profile.zones_size(); ++i) {
    const auto& z = profile.zones(i);
    const Locator loc = root.nested("zones", i);
    // No program could name it, and every error about the zone would quote it.
    if (z.name().size() > kMaxZoneNameBytes) {
      d.error(loc.at("name"), fmt::format("zone name is {} bytes long; at most {} are accepted",
                                          z.name().size(), kMaxZoneNameBytes));
      continue;
    }
    if (z.name().empty() || !zone_names.insert(z.name()).second) {
      d.error(loc.at("name"), "zone '" + z.name() + "' needs a unique name");
      continue;
    }
    ZoneSpec spec;
    spec.name = z.name();
    spec.roller = z.roller();
    auto resolve = [&](const google::protobuf::RepeatedPtrField<std::string>& ids,
                       std::string_view field, ActuatorKind kind, std::vector<ActuatorIndex>& out) {
      for (int k = 0; k < ids.size(); ++k) {
        const auto it = model->by_id_.find(ids[k]);
        if (it == model->by_id_.end()) {
          d.error(loc.at(field, k),
                  "zone '" + z.name() + "' names unknown actuator " + excerpt(ids[k]));
        } else if (model->actuators_[static_cast<std::size_t>(it->second)].kind != kind) {
          d.error(loc.at(field, k),
                  "zone '" + z.name() + "': actuator '" + ids[k] + "' is not " + kind_name(kind));
        } else {
          out.push_back(it->second);
        }
      }
    };
    resolve(z.airbags(), "airbags", chair::v1::PRESSURE, spec.airbags);
    resolve(z.heaters(), "heaters", chair::v1::TEMPERATURE, spec.heaters);
    resolve(z.vibration(), "vibration", chair::v1::LEVEL, spec.vibration);
    resolve(z.foot_rollers(), "foot_rollers", chair::v1::SPEED, spec.foot_rollers);
    if (spec.roller && model->by_id_.count("roller.position") == 0) {
      d.error(loc.at("roller"), "zone '" + z.name() +
                                    "' uses the rollers but the chair has no "
                                    "roller.position actuator");
    }
    model->zones_.push_back(std::move(spec));
  }

  const auto& limits = profile.limits();
  const Locator lim = root.nested("limits");
  auto require_positive = [&](std::string_view field, double value) {
    if (!(value > 0.0))
      d.error(lim.at(field), "limits." + std::string(field) + " must be positive");
  };
  require_positive("max_session_ms", static_cast<double>(limits.max_session_ms()));
  require_positive("max_airbag_kpa", limits.max_airbag_kpa());
  require_positive("max_heat_c", limits.max_heat_c());
  require_positive("heat_max_on_ms", static_cast<double>(limits.heat_max_on_ms()));
  require_positive("heat_window_ms", static_cast<double>(limits.heat_window_ms()));
  if (limits.heat_window_ms() > 0 && limits.heat_window_ms() <= limits.heat_max_on_ms()) {
    d.error(lim.at("heat_window_ms"),
            "limits.heat_window_ms must be longer than heat_max_on_ms (with a window no longer "
            "than the cut-off, heat could stay on for ever)");
  }
  require_positive("airbag_max_hold_ms", static_cast<double>(limits.airbag_max_hold_ms()));
  require_positive("board_lease_ms", static_cast<double>(limits.board_lease_ms()));
  require_positive("max_tracking_error_mm", limits.max_tracking_error_mm());
  if (limits.motor_reverse_rest_ms() < 0)
    d.error(lim.at("motor_reverse_rest_ms"), "limits.motor_reverse_rest_ms cannot be negative");
  // A time limit past a day means nothing on a chair, and the governor, the heat ledger and the
  // watchdog add these to times: bounded, the sums stay far from overflowing.
  for (const auto& [field, value] :
       {std::pair<std::string_view, std::int64_t>{"max_session_ms", limits.max_session_ms()},
        {"heat_max_on_ms", limits.heat_max_on_ms()},
        {"heat_window_ms", limits.heat_window_ms()},
        {"airbag_max_hold_ms", limits.airbag_max_hold_ms()},
        {"board_lease_ms", limits.board_lease_ms()},
        {"motor_reverse_rest_ms", limits.motor_reverse_rest_ms()}}) {
    if (value > kDayMs) d.error(lim.at(field), over_a_day(fmt::format("limits.{}", field), value));
  }
  check_depth_limits(model->actuators_, limits, lim, d);

  const auto& body = profile.default_body();
  const Locator body_loc = root.nested("default_body");
  if (!(body.min_height_cm() > 0.0 && body.min_height_cm() <= body.height_cm() &&
        body.height_cm() <= body.max_height_cm())) {
    d.error(body_loc.self(), "default_body needs min_height_cm <= height_cm <= max_height_cm");
    geometry_sound = false;
  }
  if (!(body.shoulder_mm() > 0.0 && body.shoulder_mm() < track.seat_mm())) {
    d.error(body_loc.at("shoulder_mm"), "default_body.shoulder_mm must lie above the seat");
    geometry_sound = false;
  }
  // With the track or the body wrong, where the zones lie would mislead.
  if (geometry_sound) check_roller_zones(profile, root, d);

  // Without a depth axis nothing limits how the rollers press over the spine but how close
  // they come together: the midline setting is roller.width's narrowest, so that no technique
  // (the press techniques pinch by closing the rollers) works on the spine itself.
  const auto width_at = model->by_id_.find("roller.width");
  ActuatorSpec* width = width_at == model->by_id_.end()
                            ? nullptr
                            : &model->actuators_[static_cast<std::size_t>(width_at->second)];
  const bool narrowed_width = width != nullptr && limits.midline_width_mm() > width->min &&
                              model->by_id_.count("roller.depth") == 0;
  if (narrowed_width && width->home < limits.midline_width_mm()) {
    d.error(lim.at("midline_width_mm"),
            fmt::format("limits.midline_width_mm {} is roller.width's narrowest on a chair without "
                        "roller.depth, and its home {} lies below it",
                        limits.midline_width_mm(), width->home));
  }

  if (d.has_errors()) return Unexpected{std::move(d)};

  // The profile's limits narrow the ranges: nothing may ask for more than the limit allows.
  for (auto& a : model->actuators_) {
    if (a.kind == chair::v1::PRESSURE) a.max = std::min(a.max, limits.max_airbag_kpa());
    if (a.kind == chair::v1::TEMPERATURE) a.max = std::min(a.max, limits.max_heat_c());
  }
  if (narrowed_width) width->min = limits.midline_width_mm();
  for (const auto& a : model->actuators_) {
    sdk::ActuatorInfo info;
    info.index = a.index;
    info.id = a.id;
    info.kind = static_cast<sdk::ActuatorKind>(a.kind);
    info.unit = a.unit;
    info.min = a.min;
    info.max = a.max;
    info.max_rate = a.max_rate;
    info.max_accel = a.max_accel;
    info.must_rest = a.must_rest();
    info.rest_value = a.must_rest() ? a.safe_value : a.home;
    model->plugin_view_.push_back(std::move(info));
  }
  model->profile_ = std::move(profile);
  model->source_path_ = source.path;
  return std::shared_ptr<const ChairModel>(std::move(model));
}

std::int64_t ChairModel::motor_reverse_rest_ms() const {
  const std::int64_t ms = limits().motor_reverse_rest_ms();
  return ms > 0 ? ms : kDefaultMotorReverseRestMs;
}

std::optional<ActuatorIndex> ChairModel::find(std::string_view id) const {
  const auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<ActuatorIndex> ChairModel::family(std::string_view family) const {
  std::vector<ActuatorIndex> out;
  const std::string prefix = std::string(family) + ".";
  for (const auto& a : actuators_) {
    if (a.id.compare(0, prefix.size(), prefix) == 0) out.push_back(a.index);
  }
  return out;
}

const ZoneSpec* ChairModel::zone(std::string_view name) const {
  for (const auto& z : zones_) {
    if (z.name == name) return &z;
  }
  return nullptr;
}

std::vector<double> ChairModel::home_values() const {
  std::vector<double> out;
  out.reserve(actuators_.size());
  for (const auto& a : actuators_) out.push_back(a.home);
  return out;
}

}  // namespace chaird
