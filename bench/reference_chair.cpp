#include "reference_chair.hpp"

#include <stdexcept>

namespace chaird::bench {

ReferenceChair load_reference_chair() {
  return load_chair("generic_4d_sl");
}

ReferenceChair load_chair(const std::string& id) {
  ReferenceChair r;
  auto chair =
      ChairModel::load(std::string(CHAIRD_SOURCE_DIR "/sequences/chairs/") + id + ".textproto");
  if (!chair) throw std::runtime_error(chair.error().to_string());
  r.chair = *chair;
  Diagnostics refusals;
  r.catalog = std::make_shared<const TechniqueCatalog>(
      TechniqueCatalog::load({CHAIRD_PLUGIN_DIR}, refusals));
  if (refusals.has_errors()) throw std::runtime_error(refusals.to_string());
  r.governor = std::make_unique<SafetyGovernor>(r.chair, SessionLimits{});
  r.context.chair = r.chair;
  r.context.catalog = r.catalog;
  r.context.governor = r.governor.get();
  return r;
}

}  // namespace chaird::bench
