// The caps a sitter's contraindication rules set on roller depth, airbag pressure and heat, as
// a chair whose limits hold them: the planner plans on it (the techniques see the lower
// ranges) and the safety governor refuses any command beyond it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "profile/chair_model.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

// The chair with the rules' caps applied (the chair itself when they set none). A cap never
// loosens anything: the stricter of the chair's limit and the rule's holds.
Expected<std::shared_ptr<const ChairModel>, Diagnostics> chair_for_sitter(
    const std::shared_ptr<const ChairModel>& chair, const SitterRules& rules);

}  // namespace chaird
