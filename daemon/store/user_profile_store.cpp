#include "store/user_profile_store.hpp"

namespace chaird::store {

Expected<std::optional<std::string>, std::string> UserProfileStore::get(
    const std::string& user_id) {
  MutexLock guard(db_.mutex());
  auto stmt = db_.connection().prepare("SELECT profile FROM user_profiles WHERE user_id = ?");
  if (!stmt) return Unexpected{stmt.error()};
  stmt->bind(1, user_id);
  auto row = stmt->step();
  if (!row) return Unexpected{row.error()};
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->blob(0));
}

Expected<bool, std::string> UserProfileStore::put(const std::string& user_id,
                                                  const std::string& profile,
                                                  std::int64_t now_unix_ms) {
  MutexLock guard(db_.mutex());
  auto stmt = db_.connection().prepare(
      "INSERT INTO user_profiles (user_id, profile, updated_at_unix_ms) VALUES (?, ?, ?) "
      "ON CONFLICT (user_id) DO UPDATE SET profile = excluded.profile, "
      "updated_at_unix_ms = excluded.updated_at_unix_ms");
  if (!stmt) return Unexpected{stmt.error()};
  return stmt->bind(1, user_id).bind_blob(2, profile).bind(3, now_unix_ms).run();
}

Expected<std::int64_t, std::string> UserProfileStore::count() {
  MutexLock guard(db_.mutex());
  auto n = db_.connection().query_text("SELECT count(*) FROM user_profiles");
  if (!n) return Unexpected{n.error()};
  return static_cast<std::int64_t>(std::stoll(*n));
}

Expected<ForgetResult, std::string> UserProfileStore::remove(const std::string& user_id,
                                                             bool forget_history) {
  MutexLock guard(db_.mutex());
  auto& db = db_.connection();
  auto tx = Transaction::begin(db);
  if (!tx) return Unexpected{tx.error()};
  ForgetResult result;
  {
    auto stmt = db.prepare("DELETE FROM user_profiles WHERE user_id = ?");
    if (!stmt) return Unexpected{stmt.error()};
    if (auto done = stmt->bind(1, user_id).run(); !done) return Unexpected{done.error()};
    result.profile_deleted = db.changes() > 0;
  }
  if (forget_history) {
    // Their sessions' adjustments first: nothing of the sitter's sessions is left behind.
    auto adjustments = db.prepare(
        "DELETE FROM session_adjustments WHERE session_id IN "
        "(SELECT session_id FROM sessions WHERE user_id = ?)");
    if (!adjustments) return Unexpected{adjustments.error()};
    if (auto done = adjustments->bind(1, user_id).run(); !done) return Unexpected{done.error()};
    auto stmt = db.prepare("DELETE FROM sessions WHERE user_id = ?");
    if (!stmt) return Unexpected{stmt.error()};
    if (auto done = stmt->bind(1, user_id).run(); !done) return Unexpected{done.error()};
    result.sessions_forgotten = db.changes();
  }
  if (auto done = tx->commit(); !done) return Unexpected{done.error()};
  return result;
}

}  // namespace chaird::store
