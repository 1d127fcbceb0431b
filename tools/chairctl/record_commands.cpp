#include "record_commands.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <string_view>

#include "progress_printer.hpp"

namespace chairctl {
namespace {

std::string local_time(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

}  // namespace

int save_program(ControlClient& client, const std::string& path, bool replace, std::ostream& out,
                 std::ostream& err) {
  const auto text = read_program_text(path, err);
  if (!text) return kExitRefused;
  chair::v1::SaveProgramRequest request;
  request.set_text(*text);
  request.set_file_name(std::filesystem::path(path).filename().string());
  request.set_replace(replace);
  chair::v1::SaveProgramResponse response;
  auto status = client.control().SaveProgram(client.call_context(std::chrono::seconds(120)).get(),
                                             request, &response);
  if (!status.ok()) return report(status, err);
  for (const auto& w : response.warnings()) {
    out << fmt::format("{}:{}:{}: warning: {}\n", w.file(), w.line(), w.column(), w.message());
  }
  const auto& s = response.summary();
  out << fmt::format("{} {} ({}, {} steps); it is offered from now on\n", s.metadata().id(),
                     response.replaced() ? "replaced" : "saved", mmss(s.planned_duration_ms()),
                     s.step_count());
  return kExitOk;
}

int delete_program(ControlClient& client, const std::string& program_id, std::ostream& out,
                   std::ostream& err) {
  chair::v1::DeleteProgramRequest request;
  request.set_program_id(program_id);
  chair::v1::DeleteProgramResponse response;
  auto status = client.control().DeleteProgram(client.call_context().get(), request, &response);
  if (!status.ok()) return report(status, err);
  out << program_id << " deleted\n";
  return kExitOk;
}

int show_profile(ControlClient& client, const std::string& user_id, std::ostream& out,
                 std::ostream& err) {
  chair::v1::GetUserProfileRequest request;
  request.set_user_id(user_id);
  chair::v1::UserProfile p;
  auto status = client.control().GetUserProfile(client.call_context().get(), request, &p);
  if (!status.ok()) return report(status, err);
  out << fmt::format("{} ({})\n", p.user_id(), p.display_name().empty() ? "-" : p.display_name());
  if (p.has_preferred_intensity_scale())
    out << fmt::format("  intensity        {:.2f}\n", p.preferred_intensity_scale());
  if (p.has_preferred_speed_scale())
    out << fmt::format("  speed            {:.2f}\n", p.preferred_speed_scale());
  if (p.has_shoulder_offset_mm())
    out << fmt::format("  shoulder offset  {:+.0f} mm\n", p.shoulder_offset_mm());
  if (p.favourite_programs_size() > 0)
    out << fmt::format("  favourites       {}\n", fmt::join(p.favourite_programs(), ", "));
  if (p.remembered_conditions_size() > 0)
    out << fmt::format("  conditions       {}\n", fmt::join(p.remembered_conditions(), ", "));
  out << fmt::format("  updated          {}\n", local_time(p.updated_at_unix_ms()));
  return kExitOk;
}

int save_profile(ControlClient& client, const chair::v1::UserProfile& profile, std::ostream& out,
                 std::ostream& err) {
  chair::v1::UserProfile saved;
  auto status = client.control().SaveUserProfile(client.call_context().get(), profile, &saved);
  if (!status.ok()) return report(status, err);
  out << saved.user_id() << " saved\n";
  return kExitOk;
}

int forget_user(ControlClient& client, const std::string& user_id, bool with_history,
                std::ostream& out, std::ostream& err) {
  chair::v1::DeleteUserProfileRequest request;
  request.set_user_id(user_id);
  request.set_forget_history(with_history);
  chair::v1::DeleteUserProfileResponse response;
  auto status = client.control().DeleteUserProfile(client.call_context().get(), request, &response);
  if (!status.ok()) return report(status, err);
  out << fmt::format("{}: profile {}, {} sessions forgotten\n", user_id,
                     response.profile_deleted() ? "deleted" : "(none)",
                     response.sessions_forgotten());
  return kExitOk;
}

int show_history(ControlClient& client, const std::string& user_id, std::uint32_t limit, bool csv,
                 std::ostream& out, std::ostream& err) {
  // chaird answers in pages (a page ends at its limit or at about 3 MB): ask until `limit`
  // sessions are shown or none are left.
  const std::uint32_t wanted = limit == 0 ? 50 : limit;
  std::uint32_t shown = 0;
  std::string page_token;
  std::string note;
  do {
    chair::v1::ListSessionHistoryRequest request;
    request.set_user_id(user_id);
    request.set_limit(wanted - shown);
    request.set_page_token(page_token);
    if (csv) {
      chair::v1::ExportSessionHistoryResponse response;
      auto status =
          client.control().ExportSessionHistory(client.call_context().get(), request, &response);
      if (!status.ok()) return report(status, err);
      std::string_view text = response.csv();
      // Every page starts with the header line; the file has it once.
      if (shown > 0) text.remove_prefix(std::min(text.size(), text.find('\n') + 1));
      out << text;
      shown += response.session_count();
      page_token = response.next_page_token();
      if (!response.history_note().empty()) note = response.history_note();
      if (response.session_count() == 0) break;
      continue;
    }
    chair::v1::ListSessionHistoryResponse response;
    auto status =
        client.control().ListSessionHistory(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status, err);
    for (const auto& s : response.sessions()) {
      std::string feedback;
      const auto& f = s.feedback();
      if (f.has_discomfort_before() || f.has_discomfort_after()) {
        feedback =
            fmt::format("discomfort {}→{}",
                        f.has_discomfort_before() ? std::to_string(f.discomfort_before()) : "?",
                        f.has_discomfort_after() ? std::to_string(f.discomfort_after()) : "?");
      }
      if (f.too_strong_zones_size() > 0)
        feedback += fmt::format(" too strong: {}", fmt::join(f.too_strong_zones(), ","));
      out << fmt::format("{:<16} {:<20} {:<24} {:>5}/{:<5} {:<17} {}\n",
                         local_time(s.started_at_unix_ms()), s.session_id(), s.program_id(),
                         mmss(s.elapsed_ms()), mmss(s.planned_duration_ms()),
                         s.how_it_ended().empty() ? "(no end noted)" : s.how_it_ended(), feedback);
      for (const auto& a : s.adjustments())
        out << fmt::format("{:<16} at {}: {}\n", "", mmss(a.at_program_ms()), a.change());
    }
    shown += static_cast<std::uint32_t>(response.sessions_size());
    page_token = response.next_page_token();
    if (!response.history_note().empty()) note = response.history_note();
    if (response.sessions_size() == 0) break;
  } while (!page_token.empty() && shown < wanted);
  if (!csv && shown == 0) out << "no sessions for " << user_id << '\n';
  // Apart from a CSV, which a spreadsheet reads.
  if (!note.empty()) (csv ? err : out) << "note: " << note << '\n';
  return kExitOk;
}

int record_feedback(ControlClient& client, const chair::v1::RecordSessionFeedbackRequest& request,
                    std::ostream& out, std::ostream& err) {
  chair::v1::RecordSessionFeedbackResponse response;
  auto status =
      client.control().RecordSessionFeedback(client.call_context().get(), request, &response);
  if (!status.ok()) return report(status, err);
  out << "feedback kept for " << request.session_id() << '\n';
  return kExitOk;
}

}  // namespace chairctl
