// Must NOT compile: a governor's review whose verdict is ignored (CompileFail.ignored_review).
#include "safety/safety_governor.hpp"

void forget_to_look(const chaird::SafetyGovernor& governor) {
  governor.review(chaird::Timeline{});
}
