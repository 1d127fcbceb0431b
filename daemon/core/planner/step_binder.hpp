// Checks one step against the chair and its technique's own description, and resolves what
// the technique will be told: zone geometry, intensity, tempo, typed parameters.
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.hpp"
#include "planner/body_model.hpp"
#include "planner/program_expander.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "profile/chair_model.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

// How one body zone's steps are softened on top of the session's intensity ("too strong here").
struct ZoneScale {
  std::string zone;
  double factor = 1.0;  // 0.3..1
};

struct SessionScaling {
  double intensity_scale = 1.0;  // 0.2..1.5
  double speed_scale = 1.0;      // 0.5..1.5
  std::vector<ZoneScale> zones;  // at most one entry per zone
  // Body areas the sitter asked to have emphasised: steps elsewhere get kOutsideFocusFactor.
  std::vector<std::string> focus_areas;
  // The contraindication rules for the sitter's conditions: their caps on intensity and tempo
  // hold after every other scaling, re-plans included. Null: none.
  SitterRulesRef sitter;
  // The factor for a zone's steps (1 when the sitter never asked).
  double zone_factor(std::string_view zone) const {
    for (const auto& z : zones)
      if (z.zone == zone) return z.factor;
    return 1.0;
  }
};

// With a focus, the steps elsewhere run at this much of their intensity, so that the focus
// areas stand out. The focus areas are not made stronger: that could take a press past what the
// chair allows there, and the session would be refused; raising intensity_scale does that, and
// the governor reviews it.
inline constexpr double kOutsideFocusFactor = 0.8;

struct BoundStep {
  ExpandedStep expanded;
  const LoadedTechnique* technique = nullptr;
  const ZoneSpec* zone = nullptr;
  std::optional<TrackSpan> span;
  std::vector<sdk::ParamValue> params;
  double base_intensity = 0.5;  // as written
  double base_tempo_cpm = 0.0;  // as written, or the technique's default
  // What the technique is told, after session scaling.
  double intensity = 0.5;
  double tempo_cpm = 0.0;
  // What the sitter's contraindication rules lowered intensity or tempo from (0: they did not).
  double intensity_before_rules = 0.0;
  double tempo_before_rules = 0.0;
  // The roller depth the sitter's rules allow in this zone (0: no cap): the technique is told
  // roller.depth ends there, so that it presses within the cap instead of being refused.
  double depth_cap_mm = 0.0;
  // The step works on one of the session's focus areas (set with the scaling).
  bool in_focus = false;
  // A manual change's step: what the step it replaced left running (it was cut short, not
  // ended at rest), brought to rest at its start pose whenever it is planned again.
  std::vector<ActuatorIndex> rest_first;
  // Actuators the step may drive (by index, 1 = yes): what the technique declared, resolved on
  // this chair and this zone. Plugins see it as StepContext::usable.
  std::vector<std::uint8_t> allowed;
};

class StepBinder {
 public:
  StepBinder(const ChairModel& chair, const TechniqueCatalog& catalog, const BodyModel& body)
      : chair_(chair), catalog_(catalog), body_(body) {}

  // nullopt (and diagnostics) when the step cannot run on this chair. A step marked
  // skip_if_chair_lacks that only lacks something of the chair's is skipped when skipped is
  // given: nullopt, no error, and a warning in skipped saying what it lacks.
  std::optional<BoundStep> bind(const ExpandedStep& step, const SessionScaling& scaling,
                                Diagnostics& d, Diagnostics* skipped = nullptr) const;
  // Re-applies session scaling to a bound step (a live adjustment).
  static void scale(BoundStep& step, const SessionScaling& scaling, const BodyModel& body);

 private:
  bool bind_params(const ExpandedStep& step, const sdk::TechniqueDescription& desc,
                   std::vector<sdk::ParamValue>& out, Diagnostics& d) const;
  void bind_actuators(const ExpandedStep& step, const LoadedTechnique& technique,
                      const ZoneSpec& zone, bool on_track, std::vector<std::uint8_t>& allowed,
                      Diagnostics& d) const;

  const ChairModel& chair_;
  const TechniqueCatalog& catalog_;
  const BodyModel& body_;
};

// Whether a step works on one of these areas: the same zone, or (for the rollers) a zone whose
// span on the track overlaps the area's, so that a focus on "upper_back" takes in "shoulders".
bool works_on(const BoundStep& step, const std::vector<std::string>& areas, const BodyModel& body);

// The actuators a family name ("airbag.*") stands for in a zone.
std::vector<ActuatorIndex> family_in_zone(const ChairModel& chair, const ZoneSpec& zone,
                                          std::string_view family);

}  // namespace chaird
