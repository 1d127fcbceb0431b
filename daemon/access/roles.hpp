// Who a caller is, once chaird has checked their bearer token: a name (for the log) and a role.
// Roles are what a chair maker hands out: a kiosk runs sessions for sitters and keeps their
// profiles; an engineer (staff) writes programs, resets faults and drives the bench; an admin
// may do everything. docs/security.md has the table of calls per role.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chaird::access {

enum class Role { kKiosk, kEngineer, kAdmin };

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);

struct Caller {
  std::string name;  // the token's name in the tokens file, or "local user" on the socket
  Role role = Role::kKiosk;
};

}  // namespace chaird::access
