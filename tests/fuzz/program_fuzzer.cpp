// Program files: parsed, checked and planned with the real technique plugins on the reference
// chair, then governed, as StartSession and `chairctl lint` do. A finding: a crash, a hang, a
// sanitizer report, diagnostics that are not valid UTF-8, or a governed timeline that breaks a
// limit (a value outside its actuator's range, commands out of order, or a timeline the
// governor for that session would refuse when it looks again).
#include <cmath>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "library/program_checker.hpp"

namespace chaird::fuzz {
namespace {

void check_governed(const GovernedTimeline& governed) {
  const Timeline& tl = governed.timeline();
  const ChairModel& chair = *governed.reviewed_chair();
  const auto actuators = static_cast<ActuatorIndex>(chair.actuators().size());
  std::int64_t previous_start_ms = 0;
  for (const auto& c : tl.commands) {
    if (c.actuator < 0 || c.actuator >= actuators) {
      finding("a command for actuator " + std::to_string(c.actuator) + " the chair lacks");
    }
    const ActuatorSpec& a = chair.actuator(c.actuator);
    if (!std::isfinite(c.value) || c.value < a.min - 1e-9 || c.value > a.max + 1e-9) {
      finding("a governed command outside " + a.id + "'s range: " + std::to_string(c.value) +
              " at " + std::to_string(c.start_ms) + " ms");
    }
    if (c.start_ms < 0 || c.reach_ms < c.start_ms) {
      finding("a governed command that ends before it starts on " + a.id + " at " +
              std::to_string(c.start_ms) + " ms");
    }
    if (c.start_ms < previous_start_ms) {
      finding("governed commands out of order at " + std::to_string(c.start_ms) + " ms");
    }
    previous_start_ms = c.start_ms;
  }
  // The session's own governor (the chair with the program's limits, the session's maximum)
  // looks again, as it does for every re-plan: what it passed once it must pass again.
  const SafetyGovernor again(governed.reviewed_chair(), governed.session_limits());
  auto second = again.review(tl);
  if (!second) finding("a governed timeline its governor refuses: " + second.error().to_string());
}

}  // namespace
}  // namespace chaird::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird;
  const auto& reference = fuzz::reference();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto program = parse_program_text(text, "fuzz.textproto");
  if (!program) {
    fuzz::check_diagnostics(program.error());
    return 0;
  }
  auto checked = check_program(*program, reference.context);
  if (!checked) {
    fuzz::check_diagnostics(checked.error());
    return 0;
  }
  fuzz::check_diagnostics(checked->warnings);
  fuzz::check_governed(*checked->governed);
  return 0;
}
