// The contraindication rules file, checked against the loaded techniques and the body zones as
// chaird does at start-up.
#include "fuzz_support.hpp"
#include "planner/body_model.hpp"
#include "safety/contraindication_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird;
  static const RuleVocabulary vocabulary{fuzz::reference().catalog->names(),
                                         BodyModel::known_zones(), BodyModel::track_zones()};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rules = parse_contraindication_rules(text, "rules.textproto", vocabulary);
  if (!rules) {
    fuzz::check_diagnostics(rules.error());
    return 0;
  }
  fuzz::check_diagnostics(rules->warnings);
  return 0;
}
