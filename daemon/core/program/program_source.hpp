// A program as loaded: the message and where each of its fields was written.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "chair/v1/program.pb.h"
#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "common/text_file.hpp"

namespace chaird {

struct ProgramSource {
  chair::v1::Program program;
  TextFileSource source;

  Locator locator() const { return Locator(source, chair::v1::Program::descriptor()); }
  const std::string& id() const { return program.metadata().id(); }
};

using ProgramRef = std::shared_ptr<const ProgramSource>;

// Finds programs by id for include_program; returns nullptr for an unknown id.
using ProgramResolver = std::function<ProgramRef(std::string_view id)>;

// Reads and parses a program file (syntax only; the planner checks the rest).
Expected<ProgramRef, Diagnostics> read_program_file(const std::string& path,
                                                    const TextFileLimits& limits = {});
// Parses program text (an upload over the API, a test); path names it in diagnostics.
Expected<ProgramRef, Diagnostics> parse_program_text(std::string_view text, const std::string& path,
                                                     const TextFileLimits& limits = {});

}  // namespace chaird
