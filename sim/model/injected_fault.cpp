#include "model/injected_fault.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/text_file.hpp"
#include "common/utf8_text.hpp"

namespace chaird::sim {
namespace {

using chair::v1::ActuatorKind;
using chair::v1::InjectedFaultKind;

// A scenario longer than a day, or a fault later than one, is a typo, not a plan.
constexpr std::int64_t kMaxChairMs = 24LL * 3600 * 1000;

struct KindRule {
  // The actuator kind the fault needs; UNSPECIFIED: any actuator, or none.
  ActuatorKind needs = chair::v1::ACTUATOR_KIND_UNSPECIFIED;
  bool takes_actuator = false;
  const char* default_actuator = "";
  double default_amount = 0.0;
  double min_amount = 0.0;
  double max_amount = 0.0;
  const char* amount_unit = "";
};

KindRule rule_of(InjectedFaultKind kind) {
  switch (kind) {
    case chair::v1::STUCK_VALVE:
      return {chair::v1::PRESSURE, true, "", 0.0, 0.0, 0.0, ""};
    case chair::v1::LEAKING_AIRBAG:
      return {chair::v1::PRESSURE, true, "", 3.0, 0.01, 100.0, "kPa/s"};
    case chair::v1::HEATER_RUNAWAY:
      return {chair::v1::TEMPERATURE, true, "", 70.0, 20.0, 150.0, "°C"};
    case chair::v1::SENSOR_DROPOUT:
      return {chair::v1::ACTUATOR_KIND_UNSPECIFIED, true, "", 0.0, 0.0, 0.0, ""};
    case chair::v1::SENSOR_DRIFT:
      return {chair::v1::ACTUATOR_KIND_UNSPECIFIED, true, "", -1.0, -100.0, 100.0, "units/s"};
    case chair::v1::ROLLER_STALL:
      return {chair::v1::POSITION, true, "roller.position", 0.0, 0.0, 0.0, ""};
    case chair::v1::MISSED_LIMIT_SWITCH:
      return {chair::v1::POSITION, true, "roller.position", 40.0, -500.0, 500.0, "mm"};
    case chair::v1::PINCH:
      return {chair::v1::POSITION, true, "legrest.angle", 0.0, 0.0, 0.0, ""};
    case chair::v1::LOW_SUPPLY_VOLTAGE:
      return {chair::v1::ACTUATOR_KIND_UNSPECIFIED, false, "", 19.0, 0.0, 24.0, "V"};
    default:
      return {};
  }
}

Unexpected<FaultProblem> problem(std::string field, std::string message) {
  return Unexpected(FaultProblem{std::move(field), std::move(message)});
}

std::string kind_name(InjectedFaultKind kind) {
  return chair::v1::InjectedFaultKind_Name(kind);
}

}  // namespace

Expected<InjectedFault, FaultProblem> resolve_fault(const chair::v1::InjectedFault& in,
                                                    const ChairModel& chair) {
  const InjectedFaultKind kind = in.kind();
  if (kind == chair::v1::INJECTED_FAULT_KIND_UNSPECIFIED ||
      !chair::v1::InjectedFaultKind_IsValid(kind)) {
    return problem(
        "kind",
        std::string("kind is missing or unknown; expected one of STUCK_VALVE, LEAKING_AIRBAG, "
                    "HEATER_RUNAWAY, SENSOR_DROPOUT, SENSOR_DRIFT, ROLLER_STALL, "
                    "MISSED_LIMIT_SWITCH, PINCH, "
                    "PRESENCE_LOST, LOW_SUPPLY_VOLTAGE, CORRUPTED_FRAMES, LOST_FRAMES, LINK_DOWN"));
  }
  if (in.at_ms() < 0 || in.at_ms() > kMaxChairMs) {
    return problem("at_ms", fmt::format("at_ms {} is outside 0..{} (chair time, ms)", in.at_ms(),
                                        kMaxChairMs));
  }
  if (in.duration_ms() < 0 || in.duration_ms() > kMaxChairMs) {
    return problem("duration_ms", fmt::format("duration_ms {} is outside 0..{} (0: to the end)",
                                              in.duration_ms(), kMaxChairMs));
  }
  const KindRule rule = rule_of(kind);
  InjectedFault out;
  out.kind = kind;
  out.at = ChairTime(std::chrono::milliseconds(in.at_ms()));
  out.lasts = std::chrono::milliseconds(in.duration_ms());

  std::string id = in.actuator().empty() ? rule.default_actuator : in.actuator();
  if (!rule.takes_actuator) {
    if (!in.actuator().empty()) {
      return problem("actuator", fmt::format("{} concerns the whole chair; remove actuator {}",
                                             kind_name(kind), excerpt(in.actuator())));
    }
  } else {
    if (id.empty()) return problem("kind", fmt::format("{} needs an actuator", kind_name(kind)));
    const auto index = chair.find(id);
    if (!index) {
      return problem("actuator", fmt::format("the chair has no actuator {}", excerpt(id)));
    }
    const ActuatorSpec& a = chair.actuator(*index);
    if (rule.needs != chair::v1::ACTUATOR_KIND_UNSPECIFIED && a.kind != rule.needs) {
      return problem("actuator", fmt::format("{} needs a {} actuator; '{}' is {}", kind_name(kind),
                                             chair::v1::ActuatorKind_Name(rule.needs), a.id,
                                             chair::v1::ActuatorKind_Name(a.kind)));
    }
    out.actuator = *index;
  }

  if (in.amount() == 0.0) {
    out.amount = rule.default_amount;
  } else if (rule.max_amount == rule.min_amount) {
    return problem("amount", fmt::format("{} takes no amount", kind_name(kind)));
  } else if (!std::isfinite(in.amount()) || in.amount() < rule.min_amount ||
             in.amount() > rule.max_amount) {
    return problem("amount", fmt::format("amount {} is outside {}..{} {}", in.amount(),
                                         rule.min_amount, rule.max_amount, rule.amount_unit));
  } else {
    out.amount = in.amount();
  }
  return out;
}

std::string too_many_injected_faults() {
  return fmt::format(
      "the chair already holds {} injected faults still to begin or to end; wait for some to end",
      kMaxInjectedFaults);
}

Expected<std::vector<InjectedFault>, Diagnostics> load_fault_scenario(const std::string& path,
                                                                      const ChairModel& chair) {
  chair::v1::FaultScenario scenario;
  TextFileSource source{path, std::make_shared<ParseInfoTree>()};
  Diagnostics d = parse_text_file(path, scenario, source.tree.get());
  if (d.has_errors()) return Unexpected(std::move(d));
  const Locator root(source, chair::v1::FaultScenario::descriptor());
  if (static_cast<std::size_t>(scenario.faults_size()) > kMaxInjectedFaults) {
    d.error(root.at("faults", static_cast<int>(kMaxInjectedFaults)),
            fmt::format("more than {} faults; split the scenario", kMaxInjectedFaults));
    return Unexpected(std::move(d));
  }
  std::vector<InjectedFault> faults;
  for (int i = 0; i < scenario.faults_size(); ++i) {
    const Locator loc = root.nested("faults", i);
    auto resolved = resolve_fault(scenario.faults(i), chair);
    if (!resolved) {
      d.error(loc.at(resolved.error().field),
              fmt::format("fault {}: {}", i + 1, resolved.error().message));
      continue;
    }
    faults.push_back(*resolved);
  }
  if (d.has_errors()) return Unexpected(std::move(d));
  std::stable_sort(faults.begin(), faults.end(),
                   [](const InjectedFault& a, const InjectedFault& b) { return a.at < b.at; });
  return faults;
}

std::string describe_fault(const InjectedFault& f, const ChairModel& chair) {
  const std::string id = f.actuator >= 0 ? chair.actuator(f.actuator).id : std::string();
  switch (f.kind) {
    case chair::v1::STUCK_VALVE:
      return fmt::format("stuck valve: {} neither fills nor vents", id);
    case chair::v1::LEAKING_AIRBAG:
      return fmt::format("leaking airbag: {} loses {:.2f} kPa/s", id, f.amount);
    case chair::v1::HEATER_RUNAWAY:
      return fmt::format("heater runaway: {} heats towards {:.1f} °C", id, f.amount);
    case chair::v1::SENSOR_DROPOUT:
      return fmt::format("sensor dropout: {} stops answering", id);
    case chair::v1::SENSOR_DRIFT:
      return fmt::format("sensor drift: {} reads off by {:+.2f} {}/s", id, f.amount,
                         chair.actuator(f.actuator).unit);
    case chair::v1::ROLLER_STALL:
      return fmt::format("stall: {} cannot move", id);
    case chair::v1::MISSED_LIMIT_SWITCH:
      return fmt::format("missed limit switch: {} is {:+.1f} mm from where the board thinks", id,
                         f.amount);
    case chair::v1::PINCH:
      return fmt::format("pinch: a limb caught at {}", id);
    case chair::v1::PRESENCE_LOST:
      return "presence lost: the seat reads empty";
    case chair::v1::LOW_SUPPLY_VOLTAGE:
      return fmt::format("low supply voltage: {:.1f} V", f.amount);
    case chair::v1::CORRUPTED_FRAMES:
      return "corrupted frames: the host's frames fail their check at the board";
    case chair::v1::LOST_FRAMES:
      return "lost frames: the host's frames do not reach the board";
    case chair::v1::LINK_DOWN:
      return "link down: nothing passes between host and board";
    default:
      return "unknown fault";
  }
}

}  // namespace chaird::sim
