// chairctl's calls on what chaird keeps: custom programs, sitters' profiles, session history
// and feedback. Each prints for people and returns chairctl's exit code.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "control_client.hpp"

namespace chairctl {

int save_program(ControlClient& client, const std::string& path, bool replace, std::ostream& out,
                 std::ostream& err);
int delete_program(ControlClient& client, const std::string& program_id, std::ostream& out,
                   std::ostream& err);

int show_profile(ControlClient& client, const std::string& user_id, std::ostream& out,
                 std::ostream& err);
int save_profile(ControlClient& client, const chair::v1::UserProfile& profile, std::ostream& out,
                 std::ostream& err);
int forget_user(ControlClient& client, const std::string& user_id, bool with_history,
                std::ostream& out, std::ostream& err);

// A table, or with csv the CSV chaird exports.
int show_history(ControlClient& client, const std::string& user_id, std::uint32_t limit, bool csv,
                 std::ostream& out, std::ostream& err);
int record_feedback(ControlClient& client, const chair::v1::RecordSessionFeedbackRequest& request,
                    std::ostream& out, std::ostream& err);

}  // namespace chairctl
