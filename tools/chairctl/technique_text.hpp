// `chairctl techniques`: one technique as a chair maker reads it, with its tempo range exactly as
// the plugin gives it, what it needs and what it uses when the chair has it, and its parameters.
#pragma once

#include <string>

#include "chair/v1/technique.pb.h"

namespace chairctl {

std::string technique_text(const chair::v1::TechniqueDescription& t);

}  // namespace chairctl
