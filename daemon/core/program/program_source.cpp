#include "program/program_source.hpp"

namespace chaird {

Expected<ProgramRef, Diagnostics> read_program_file(const std::string& path,
                                                    const TextFileLimits& limits) {
  auto program = std::make_shared<ProgramSource>();
  program->source = {path, std::make_shared<ParseInfoTree>()};
  Diagnostics d = parse_text_file(path, program->program, program->source.tree.get(), limits);
  if (d.has_errors()) return Unexpected{std::move(d)};
  return ProgramRef(std::move(program));
}

Expected<ProgramRef, Diagnostics> parse_program_text(std::string_view text, const std::string& path,
                                                     const TextFileLimits& limits) {
  auto program = std::make_shared<ProgramSource>();
  program->source = {path, std::make_shared<ParseInfoTree>()};
  Diagnostics d = parse_text(text, path, program->program, program->source.tree.get(), limits);
  if (d.has_errors()) return Unexpected{std::move(d)};
  return ProgramRef(std::move(program));
}

}  // namespace chaird
