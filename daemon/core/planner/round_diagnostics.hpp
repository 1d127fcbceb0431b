// A problem in a repeated step is found once per round ("step 'drum (1/3)': ...", "step
// 'drum (2/3)': ..."), but a chair maker fixes it once, at one line. These tell it once.
#pragma once

#include "common/diagnostic.hpp"

namespace chaird {

// One of each problem that recurs at the same place in more than one round, named without its
// round and marked "(in N of M rounds)"; a problem only one round has keeps its round. Exact
// repeats of one diagnostic are told once too. Order kept.
Diagnostics collapse_rounds(const Diagnostics& d);

}  // namespace chaird
