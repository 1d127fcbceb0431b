// The reference chair, the shipped techniques and a governor, as the benchmarks plan with
// (the same set-up chaird makes at startup). Throws when any is missing: a benchmark without
// them measures nothing.
#pragma once

#include <memory>
#include <string>

#include "library/program_checker.hpp"
#include "plugin_host/technique_catalog.hpp"

namespace chaird::bench {

struct ReferenceChair {
  std::shared_ptr<const ChairModel> chair;
  std::shared_ptr<const TechniqueCatalog> catalog;
  std::unique_ptr<SafetyGovernor> governor;
  ProgramCheckContext context;  // chair, catalog and governor filled in
};

ReferenceChair load_reference_chair();
// Another chair profile of sequences/chairs/ ("generic_2d_s"), with the same techniques.
ReferenceChair load_chair(const std::string& id);

}  // namespace chaird::bench
