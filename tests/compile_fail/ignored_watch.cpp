// Must NOT compile: a run-time safety check whose result is ignored (CompileFail.ignored_watch).
#include "safety/safety_governor.hpp"

void forget_to_look(const chaird::SafetyGovernor& governor, const chaird::Telemetry& sample) {
  governor.watch(sample, 0);
}
