#include "library/manual_program.hpp"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

namespace chaird {

std::string manual_label(const ManualSettings& settings) {
  return fmt::format("{} on {}", settings.technique, settings.zone);
}

Expected<ProgramRef, Diagnostics> manual_program(const ManualSettings& settings) {
  chair::v1::Program program;
  auto* meta = program.mutable_metadata();
  meta->set_id(std::string(kManualProgramId));
  meta->set_name(fmt::format("Manual: {}", manual_label(settings)));
  meta->set_summary("The sitter's own choice of technique and body zone, changed live.");
  meta->set_total_duration_ms(settings.duration_ms);
  meta->add_focus_areas(settings.zone);
  meta->set_author("the sitter");
  auto* phase = program.add_phases();
  phase->set_kind(chair::v1::MAIN);
  phase->set_name("manual");
  auto* track = phase->add_tracks();
  track->set_name("manual");
  auto* step = track->add_items()->mutable_step();
  step->set_name(manual_label(settings));
  step->set_technique(settings.technique);
  step->set_zone(settings.zone);
  step->set_duration_ms(settings.duration_ms);
  if (settings.intensity) step->set_intensity(*settings.intensity);
  if (settings.tempo_cpm) step->set_tempo_cpm(*settings.tempo_cpm);
  // Written out and read back, so that every diagnostic has a line and column to point at.
  std::string text;
  google::protobuf::TextFormat::PrintToString(program, &text);
  return parse_program_text(text, "manual.textproto");
}

}  // namespace chaird
