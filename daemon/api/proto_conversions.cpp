#include "proto_conversions.hpp"

#include "common/utf8_text.hpp"

namespace chaird::api {
chair::v1::TechniqueDescription to_proto(const LoadedTechnique& t) {
  chair::v1::TechniqueDescription out;
  const auto& d = t.description;
  out.set_name(valid_utf8(d.name));
  out.set_version(valid_utf8(d.version));
  out.set_summary(valid_utf8(d.summary));
  for (const auto& p : d.params) {
    auto* q = out.add_params();
    q->set_name(valid_utf8(p.name));
    q->set_type(static_cast<chair::v1::ParamType>(p.type));
    q->set_unit(valid_utf8(p.unit));
    q->set_summary(valid_utf8(p.summary));
    q->set_min(p.min);
    q->set_max(p.max);
    q->set_default_number(p.default_number);
    q->set_default_flag(p.default_flag);
    for (const auto& c : p.choices) q->add_choices(valid_utf8(c));
    q->set_default_choice(valid_utf8(p.default_choice));
  }
  for (const auto& a : d.actuators) {
    auto* r = out.add_actuators();
    r->set_id(valid_utf8(a.id));
    r->set_required(a.required);
    r->set_purpose(valid_utf8(a.purpose));
  }
  out.mutable_tempo()->set_min_cpm(d.tempo.min_cpm);
  out.mutable_tempo()->set_max_cpm(d.tempo.max_cpm);
  out.mutable_tempo()->set_default_cpm(d.tempo.default_cpm);
  for (const auto& z : d.zones) out.add_zones(valid_utf8(z));
  out.set_library_path(valid_utf8(t.path));
  out.set_abi_version(t.abi_version);
  return out;
}

chair::v1::ProgramSummary to_proto(const LibraryEntry& entry) {
  chair::v1::ProgramSummary out;
  *out.mutable_metadata() = entry.program->program.metadata();
  out.set_planned_duration_ms(entry.planned_duration_ms);
  out.set_step_count(entry.step_count);
  out.set_source_path(entry.program->source.path);
  out.set_custom(entry.custom);
  out.set_saved_at_unix_ms(entry.saved_at_unix_ms);
  return out;
}

chair::v1::ProgramDiagnostic to_proto(const Diagnostic& d) {
  chair::v1::ProgramDiagnostic out;
  out.set_severity(d.severity == Severity::kError ? chair::v1::ProgramDiagnostic::ERROR
                                                  : chair::v1::ProgramDiagnostic::WARNING);
  out.set_file(valid_utf8(d.where.file));
  out.set_line(d.where.line);
  out.set_column(d.where.column);
  out.set_message(one_line(d.message, 600));
  return out;
}

void add_listed(Diagnostics found,
                google::protobuf::RepeatedPtrField<chair::v1::ProgramDiagnostic>& out) {
  // A screenful or two for an editor, and an answer of some 100 KB at most.
  constexpr std::size_t kMaxListed = 100;
  found.sort();
  const Diagnostics listed = found.first_listed(kMaxListed);
  for (const auto& d : listed.items()) *out.Add() = to_proto(d);
}

}  // namespace chaird::api
