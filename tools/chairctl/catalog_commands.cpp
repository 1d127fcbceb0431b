#include "catalog_commands.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "progress_printer.hpp"

namespace chairctl {

int show_chair(ControlClient& client, std::ostream& out, std::ostream& err) {
  chair::v1::GetChairResponse chair;
  auto status = client.control().GetChair(client.call_context().get(), {}, &chair);
  if (!status.ok()) return report(status, err);
  const auto& p = chair.profile();
  out << fmt::format("{} ({}, {})\n", p.name(), p.id(), p.manufacturer());
  out << fmt::format("state: {}", chair::v1::SessionState_Name(chair.state()));
  if (!chair.session_id().empty())
    out << fmt::format("  session {} ({})", chair.session_id(), chair.program_id());
  out << '\n';
  for (const auto& f : chair.faults()) {
    out << fmt::format("fault: {} at {} ms: {}\n", chair::v1::FaultCode_Name(f.code()),
                       f.chair_time_ms(), f.reason());
  }
  if (chair.more_faults() > 0) out << fmt::format("and {} more faults\n", chair.more_faults());
  out << fmt::format("track: {:.0f} mm, seat at {:.0f} mm\n", p.track().length_mm(),
                     p.track().seat_mm());
  out << "actuators:\n";
  for (const auto& a : p.actuators()) {
    out << fmt::format("  {:<24} {:>8g}..{:<8g} {}\n", a.id(), a.min(), a.max(), a.unit());
  }
  out << fmt::format("techniques: {}\n", fmt::join(chair.techniques(), ", "));
  return kExitOk;
}

int show_program(ControlClient& client, const std::string& program_id, std::ostream& out,
                 std::ostream& err) {
  chair::v1::GetProgramRequest request;
  request.set_program_id(program_id);
  chair::v1::GetProgramResponse response;
  auto status = client.control().GetProgram(client.call_context().get(), request, &response);
  if (!status.ok()) return report(status, err);
  const auto& m = response.summary().metadata();
  out << fmt::format("{} ({}), {}, {} steps, {}\n", m.name(), m.id(),
                     mmss(response.summary().planned_duration_ms()),
                     response.summary().step_count(),
                     chair::v1::IntensityClass_Name(m.intensity_class()));
  if (!m.summary().empty()) out << m.summary() << '\n';
  if (!m.focus_areas().empty()) out << fmt::format("focus: {}\n", fmt::join(m.focus_areas(), ", "));
  if (!m.contraindications().empty())
    out << fmt::format("not for: {}\n", fmt::join(m.contraindications(), ", "));
  for (const auto& phase : response.program().phases()) {
    out << fmt::format("{} {}\n", chair::v1::PhaseKind_Name(phase.kind()), phase.name());
    for (const auto& track : phase.tracks()) {
      for (const auto& item : track.items()) {
        if (!item.has_step()) continue;
        const auto& s = item.step();
        out << fmt::format("  {:<14} {:<24} {:<14} {:<10} {}\n",
                           chair::v1::TrackKind_Name(track.kind()), s.name(), s.technique(),
                           s.zone(), mmss(s.duration_ms()));
      }
    }
  }
  return kExitOk;
}

int validate_program(ControlClient& client, const std::string& path, std::ostream& out,
                     std::ostream& err) {
  const auto text = read_program_text(path, err);
  if (!text) return kExitRefused;
  chair::v1::ValidateProgramRequest request;
  request.set_text(*text);
  request.set_file_name(std::filesystem::path(path).filename().string());
  chair::v1::ValidateProgramResponse response;
  auto status = client.control().ValidateProgram(
      client.call_context(std::chrono::seconds(120)).get(), request, &response);
  if (!status.ok()) return report(status, err);
  for (const auto& d : response.diagnostics()) {
    out << fmt::format("{}:{}:{}: {}: {}\n", d.file(), d.line(), d.column(),
                       d.severity() == chair::v1::ProgramDiagnostic::ERROR ? "error" : "warning",
                       d.message());
  }
  if (!response.valid()) return kExitRefused;
  out << fmt::format("{}: valid ({}, {} steps)\n", response.program_id(),
                     mmss(response.planned_duration_ms()), response.step_count());
  return kExitOk;
}

int compose_session(ControlClient& client, const chair::v1::ComposeSessionRequest& request,
                    std::ostream& out, std::ostream& err) {
  chair::v1::ComposeSessionResponse response;
  auto status = client.control().ComposeSession(
      client.call_context(std::chrono::seconds(120)).get(), request, &response);
  if (!status.ok()) return report(status, err);
  out << fmt::format("{}: {} ({})\n", response.composition_id(),
                     response.program().metadata().name(), mmss(response.planned_duration_ms()));
  for (const auto& s : response.segments()) {
    out << fmt::format("  {:<9} {} of {} ({})\n",
                       s.kind() == chair::v1::WARM_UP     ? "warm-up"
                       : s.kind() == chair::v1::COOL_DOWN ? "cool-down"
                                                          : "main",
                       s.phase(), s.program_id(), mmss(s.duration_ms()));
  }
  out << "why:\n";
  for (const auto& line : response.explanations()) out << "  " << line << '\n';
  // The sitter's answers go with the composition; their feedback comes with their user id.
  out << fmt::format("start it with: chairctl start --composition {}{}\n",
                     response.composition_id(),
                     request.user_id().empty() ? "" : " --user " + request.user_id());
  return kExitOk;
}

int preview_session(ControlClient& client, const chair::v1::StartSessionRequest& request,
                    std::ostream& out, std::ostream& err) {
  chair::v1::PreviewSessionResponse response;
  auto status = client.control().PreviewSession(
      client.call_context(std::chrono::seconds(120)).get(), request, &response);
  if (!status.ok()) return report(status, err);
  switch (response.outcome()) {
    case chair::v1::PreviewSessionResponse::RUNS_AS_WRITTEN:
      out << fmt::format("runs as written ({})\n", mmss(response.planned_duration_ms()));
      break;
    case chair::v1::PreviewSessionResponse::SOFTENED:
      out << fmt::format("runs softened ({})\n", mmss(response.planned_duration_ms()));
      for (const auto& a : response.adaptations()) out << "  governor: " << a << '\n';
      break;
    default:
      out << "refused: " << response.refusal() << '\n';
      break;
  }
  if (response.chair_state() != chair::v1::IDLE && response.chair_state() != chair::v1::COMPLETED &&
      response.chair_state() != chair::v1::STOPPED) {
    out << fmt::format("(the chair is {} now: a start waits until it is free)\n",
                       chair::v1::SessionState_Name(response.chair_state()));
  }
  return response.outcome() == chair::v1::PreviewSessionResponse::REFUSED ? kExitRefused : kExitOk;
}

}  // namespace chairctl
