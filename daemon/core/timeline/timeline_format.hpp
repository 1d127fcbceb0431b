// Timelines as text: a table for people, JSON for tools. Both are deterministic (fixed number
// formatting, stable order), so the table doubles as the golden file format.
#pragma once

#include <string>

#include "profile/chair_model.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

// source_root is cut from the front of file paths (so golden files do not depend on checkouts).
std::string format_timeline_table(const Timeline& timeline, const ChairModel& chair,
                                  const std::string& source_root = {});
std::string format_timeline_json(const Timeline& timeline, const ChairModel& chair,
                                 const std::string& source_root = {});

}  // namespace chaird
