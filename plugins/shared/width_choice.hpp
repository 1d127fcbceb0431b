// The rollers' width for the "width" choice the shipped roller techniques offer: narrow is the
// actuator's narrowest, medium halfway, wide its widest. Shared by the shipped techniques; not
// part of the SDK.
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <string_view>

namespace chaird::shipped {

inline double width_for(const sdk::ActuatorInfo& width, std::string_view choice) {
  return sdk::level(width, choice == "narrow" ? 0.0 : choice == "medium" ? 0.5 : 1.0);
}

}  // namespace chaird::shipped
