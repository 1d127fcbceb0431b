#include "roles.hpp"

namespace chaird::access {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kKiosk:
      return "kiosk";
    case Role::kEngineer:
      return "engineer";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : {Role::kKiosk, Role::kEngineer, Role::kAdmin})
    if (role_name(r) == name) return r;
  return std::nullopt;
}

}  // namespace chaird::access
