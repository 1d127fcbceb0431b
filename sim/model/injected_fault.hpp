// A fault the simulated chair is told to suffer (docs/simulator.md, "Injecting faults"): from a
// scenario file, from SimBench.InjectFault, or from a test. Checked against the chair before
// the chair sees it, so that the model never meets an actuator it does not have.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "chair/v1/fault_scenario.pb.h"
#include "clock/chair_time.hpp"
#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "profile/chair_model.hpp"

namespace chaird::sim {

struct InjectedFault {
  ChairTime at{};
  ChairDuration lasts{};  // zero: to the end of the run
  chair::v1::InjectedFaultKind kind = chair::v1::INJECTED_FAULT_KIND_UNSPECIFIED;
  ActuatorIndex actuator = -1;  // -1 for faults of the whole chair or the link
  double amount = 0.0;          // with the kind's default filled in
};

// The most faults a scenario may hold, and a chair may hold still to begin or to end: a bench
// or a host that injects one after another cannot grow the chair without bound.
inline constexpr std::size_t kMaxInjectedFaults = 1000;
// What a host or a bench client is told when a chair already holds that many.
std::string too_many_injected_faults();

// What is wrong with a fault as given: the field it concerns and one line a person reads
// ("LEAKING_AIRBAG needs a PRESSURE actuator; 'roller.position' is POSITION").
struct FaultProblem {
  std::string field;
  std::string message;
};

// Checks one fault against the chair and fills in defaults.
Expected<InjectedFault, FaultProblem> resolve_fault(const chair::v1::InjectedFault& fault,
                                                    const ChairModel& chair);

// Reads a scenario file; every problem at file:line:column, and nothing when any is wrong.
Expected<std::vector<InjectedFault>, Diagnostics> load_fault_scenario(const std::string& path,
                                                                      const ChairModel& chair);

// "leaking airbag.calf: 3.00 kPa/s", for events and logs.
std::string describe_fault(const InjectedFault& fault, const ChairModel& chair);

}  // namespace chaird::sim
