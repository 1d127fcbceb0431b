// How a press technique presses on this chair. On a 3D chair the rollers sink in (roller.depth).
// A 2D chair has no depth axis; its rollers press by closing their width, pinching the muscle
// between them like two thumbs, and the press holds longer to make up for the shallower
// contact. A chair with neither cannot press at all, and the step says so. Shared by the
// shipped press techniques (shiatsu, acupressure, trigger_point); not part of the SDK.
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <string>
#include <string_view>

namespace chaird::shipped {

struct PressAxis {
  const sdk::ActuatorInfo* actuator = nullptr;
  double light = 0.0;   // contact between presses
  double press = 0.0;   // the full press at the step's intensity
  double lifted = 0.0;  // where the step leaves the axis
  bool by_width = false;
};

// Closed no further than this fraction of roller.width's range above its narrowest. On a chair
// without roller.depth the narrowest is the chair's midline_width_mm (ChairModel narrows the
// range to it), so the pinch stays on the muscles either side of the spine, never on it.
inline constexpr double kNarrowestPinch = 0.1;

inline PressAxis press_axis(const sdk::StepContext& ctx, std::string_view technique) {
  if (const sdk::ActuatorInfo* depth = ctx.find("roller.depth")) {
    return {depth, sdk::level(*depth, 0.05), sdk::level(*depth, 0.15 + 0.85 * ctx.intensity),
            depth->min, false};
  }
  if (const sdk::ActuatorInfo* width = ctx.find("roller.width")) {
    const double open = sdk::level(*width, 1.0);
    return {width, open, sdk::level(*width, 0.6 - (0.6 - kNarrowestPinch) * ctx.intensity), open,
            true};
  }
  throw sdk::PluginError(std::string(technique) +
                         " presses with roller.depth, or on a 2D chair by closing roller.width; "
                         "this chair has neither");
}

}  // namespace chaird::shipped
