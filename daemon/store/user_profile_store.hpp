// Sitters' profiles, stored as serialized chair.v1.UserProfile messages by user id. Forgetting
// a sitter can take their session history with it, in the same transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/expected.hpp"
#include "store/state_database.hpp"

namespace chaird::store {

struct ForgetResult {
  bool profile_deleted = false;
  std::int64_t sessions_forgotten = 0;
};

class UserProfileStore {
 public:
  explicit UserProfileStore(StateDatabase& db) : db_(db) {}

  // The serialized profile, or nothing for an unknown user.
  Expected<std::optional<std::string>, std::string> get(const std::string& user_id);
  Expected<bool, std::string> put(const std::string& user_id, const std::string& profile,
                                  std::int64_t now_unix_ms);
  Expected<std::int64_t, std::string> count();
  Expected<ForgetResult, std::string> remove(const std::string& user_id, bool forget_history);

 private:
  StateDatabase& db_;
};

}  // namespace chaird::store
