// A session made for one sitter from the library's segments: the warm-ups, main work and
// cool-downs of its programs, chosen for the sitter's focus areas, the time they have, the
// intensity they like, their health answers and what their past sessions say, each choice
// explained in words a kiosk shows (docs/tailored-sessions.md). The result is a program like
// any other: it is planned, held to the contraindication rules and governed when it runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chair/v1/program.pb.h"
#include "common/expected.hpp"
#include "library/program_library.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "profile/chair_model.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

inline constexpr std::int64_t kComposeMinMs = std::int64_t{5} * 60 * 1000;
inline constexpr std::int64_t kComposeMaxMs = std::int64_t{60} * 60 * 1000;

// What the sitter's latest sessions say, as the composer weighs it.
struct SitterPast {
  // How many of those sessions marked each zone too strong.
  std::map<std::string, int> too_strong;
  // Per program: discomfort before and after, summed over the sessions that gave both.
  struct Relief {
    int before = 0;
    int after = 0;
    int sessions = 0;
  };
  std::map<std::string, Relief> relief;
};

struct ComposeAsk {
  std::vector<std::string> focus_areas;  // body zones; empty: the whole body
  std::int64_t available_ms = 0;         // kComposeMinMs..kComposeMaxMs
  chair::v1::IntensityClass preferred = chair::v1::MODERATE;
  std::vector<std::string> conditions;  // the sitter's health answers
};

struct ComposedPart {
  chair::v1::PhaseKind kind = chair::v1::PHASE_KIND_UNSPECIFIED;
  std::string program_id;
  std::string program_name;
  std::string phase;  // its label in its program
  std::int64_t duration_ms = 0;
  std::vector<std::string> zones;
  std::string why;
};

struct Composition {
  ProgramRef program;  // parsed from text, named composed/<id>.textproto in diagnostics
  std::string text;
  std::vector<ComposedPart> parts;  // in the order they play
  // What was chosen and left out, and why, one line each.
  std::vector<std::string> explanations;
};

// Everything the composer reads; none of it is kept.
struct ComposeSources {
  std::shared_ptr<const ProgramLibrary> library;
  const ChairModel* chair = nullptr;
  const std::vector<ConditionRule>* rules = nullptr;  // the contraindication rules in force
  const TechniqueCatalog* catalog = nullptr;          // which techniques heat
  std::int64_t max_session_ms = 0;                    // chaird's own bound; 0: the chair's
};

// A composition, or why none can be made for this sitter (one line a kiosk shows).
Expected<Composition, std::string> compose_session(const ComposeAsk& ask, const SitterPast& past,
                                                   const ComposeSources& sources);

// The stricter of two programs' limits, field by field (a composed session keeps the limits of
// every program it takes from).
chair::v1::SafetyLimits stricter_limits(const chair::v1::SafetyLimits& a,
                                        const chair::v1::SafetyLimits& b);

}  // namespace chaird
