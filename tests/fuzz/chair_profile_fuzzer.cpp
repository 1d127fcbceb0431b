// Chair profiles, read from a real file as chaird reads --chair. A profile that loads must give
// a chair the planner and the governor can use: every actuator's range ordered and finite.
#include <cmath>

#include "fuzz_support.hpp"
#include "profile/chair_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird;
  const std::string path = fuzz::write_scratch_file("chair.textproto", data, size);
  auto chair = ChairModel::load(path);
  if (!chair) {
    fuzz::check_diagnostics(chair.error());
    return 0;
  }
  for (const auto& a : (*chair)->actuators()) {
    if (!std::isfinite(a.min) || !std::isfinite(a.max) || a.min > a.max) {
      fuzz::finding("a loaded chair with actuator " + a.id + " ranging " + std::to_string(a.min) +
                    " to " + std::to_string(a.max));
    }
    if (!(a.max_rate >= 0.0) || !(a.max_accel >= 0.0)) {
      fuzz::finding("a loaded chair with a negative rate on " + a.id);
    }
  }
  // The chair is then judged against a safety governor, as chaird does at start-up.
  const SafetyGovernor governor(*chair, SessionLimits{});
  (void)governor.max_session_ms();
  return 0;
}
