// The health questions a kiosk asks and the names programs use for them in their
// contraindications (docs/safety.md). A program tagged with a condition the sitter reports
// does not start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chaird {

struct HealthCondition {
  const char* name;
  const char* question;  // what the kiosk asks
};

const std::vector<HealthCondition>& health_conditions();
bool is_known_condition(std::string_view name);

// The reasons a program must not run for these conditions (empty: it may run).
std::vector<std::string> screen(const std::vector<std::string>& program_contraindications,
                                const std::vector<std::string>& sitter_conditions);

}  // namespace chaird
