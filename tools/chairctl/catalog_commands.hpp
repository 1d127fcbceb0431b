// chairctl's questions before a session: the chair, one program, a program text's check, and
// a start's preview. Each prints for people and returns chairctl's exit code.
#pragma once

#include <ostream>
#include <string>

#include "control_client.hpp"

namespace chairctl {

int show_chair(ControlClient& client, std::ostream& out, std::ostream& err);
int show_program(ControlClient& client, const std::string& program_id, std::ostream& out,
                 std::ostream& err);
// Sends the file's text; prints every diagnostic as file:line:column. Exit 1 when invalid.
int validate_program(ControlClient& client, const std::string& path, std::ostream& out,
                     std::ostream& err);
// ComposeSession: the segments, every explanation, and the id `start --composition` takes.
int compose_session(ControlClient& client, const chair::v1::ComposeSessionRequest& request,
                    std::ostream& out, std::ostream& err);
// Exit 0 when the start would run (as written or softened), 1 when it would be refused.
int preview_session(ControlClient& client, const chair::v1::StartSessionRequest& request,
                    std::ostream& out, std::ostream& err);

}  // namespace chairctl
