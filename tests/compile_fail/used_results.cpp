// Must compile: the same calls with their results looked at (CompileFail.control), so that the
// other snippets fail for the ignored result alone.
#include "safety/safety_governor.hpp"

bool looks(const chaird::SafetyGovernor& governor, const chaird::Telemetry& sample) {
  const auto trip = governor.watch(sample, 0);
  const auto verdict = governor.review(chaird::Timeline{});
  return trip.has_value() || verdict.has_value();
}
