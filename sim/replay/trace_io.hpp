// A replay trace on disk, as CSV (for a spreadsheet) or JSONL (for jq and scripts). Both list the
// same rows in the same order: by chair_ms, and at one chair_ms the events before the samples, so
// that a golden file's diff reads in time order. Writing is byte for byte deterministic (fixed
// two-decimal values, no locale, no clock); reading accepts exactly what is written and places
// every refusal at path:line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "replay/replay_trace.hpp"

namespace chaird::sim {

// Larger files are refused before they are read: a trace of a long program is tens of MiB.
inline constexpr std::uintmax_t kMaxTraceFileBytes = std::uintmax_t{512} << 20;

// The CSV's column header; the comment lines before it describe the trace.
inline constexpr std::string_view kTraceCsvHeader =
    "chair_ms,actuator,commanded,measured,event,text";

// Comment lines (program, chair, end_ms, one per actuator), the column header, then a row per
// sample or event: `1200,roller.position,350.00,349.87,,` or
// `1200,airbag.calf,,,fault_injected,"leaking: 3.00 kPa/s"`.
void write_trace_csv(const ReplayTrace& trace, std::ostream& out);

// A header object (program, chair, end_ms, actuators), then one object per row.
void write_trace_jsonl(const ReplayTrace& trace, std::ostream& out);

// Reads a .csv or a .jsonl trace (chosen by the extension); anything else, a file over
// kMaxTraceFileBytes, or a malformed line is refused with "path:line: what was expected".
Expected<ReplayTrace, std::string> read_trace(const std::string& path);

}  // namespace chaird::sim
