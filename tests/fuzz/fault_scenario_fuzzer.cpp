// Fault scenarios (chair-simd --faults, the replay bench), resolved against the reference chair.
#include "fuzz_support.hpp"
#include "model/injected_fault.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird;
  const auto& chair = *fuzz::reference().chair;
  const std::string path = fuzz::write_scratch_file("faults.textproto", data, size);
  auto faults = sim::load_fault_scenario(path, chair);
  if (!faults) {
    fuzz::check_diagnostics(faults.error());
    return 0;
  }
  for (const auto& fault : *faults) (void)sim::describe_fault(fault, chair);
  return 0;
}
