#include "store/custom_program_store.hpp"

namespace chaird::store {

Expected<std::vector<StoredProgram>, std::string> CustomProgramStore::all() {
  MutexLock guard(db_.mutex());
  auto stmt = db_.connection().prepare(
      "SELECT id, text, saved_at_unix_ms FROM custom_programs ORDER BY id");
  if (!stmt) return Unexpected{stmt.error()};
  std::vector<StoredProgram> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return Unexpected{row.error()};
    if (!*row) break;
    out.push_back({stmt->text(0), stmt->text(1), stmt->integer(2)});
  }
  return out;
}

Expected<bool, std::string> CustomProgramStore::put(const StoredProgram& program) {
  MutexLock guard(db_.mutex());
  auto& db = db_.connection();
  auto tx = Transaction::begin(db);
  if (!tx) return Unexpected{tx.error()};
  auto stmt = db.prepare(
      "INSERT INTO custom_programs (id, text, saved_at_unix_ms) VALUES (?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET text = excluded.text, "
      "saved_at_unix_ms = excluded.saved_at_unix_ms");
  if (!stmt) return Unexpected{stmt.error()};
  if (auto done =
          stmt->bind(1, program.id).bind(2, program.text).bind(3, program.saved_at_unix_ms).run();
      !done) {
    return done;
  }
  return tx->commit();
}

Expected<bool, std::string> CustomProgramStore::exists(const std::string& id) {
  MutexLock guard(db_.mutex());
  auto stmt = db_.connection().prepare("SELECT 1 FROM custom_programs WHERE id = ?");
  if (!stmt) return Unexpected{stmt.error()};
  stmt->bind(1, id);
  return stmt->step();
}

Expected<std::int64_t, std::string> CustomProgramStore::count() {
  MutexLock guard(db_.mutex());
  auto n = db_.connection().query_text("SELECT count(*) FROM custom_programs");
  if (!n) return Unexpected{n.error()};
  return static_cast<std::int64_t>(std::stoll(*n));
}

Expected<bool, std::string> CustomProgramStore::remove(const std::string& id) {
  MutexLock guard(db_.mutex());
  auto& db = db_.connection();
  auto tx = Transaction::begin(db);
  if (!tx) return Unexpected{tx.error()};
  auto stmt = db.prepare("DELETE FROM custom_programs WHERE id = ?");
  if (!stmt) return Unexpected{stmt.error()};
  if (auto done = stmt->bind(1, id).run(); !done) return done;
  const bool removed = db.changes() > 0;
  if (auto done = tx->commit(); !done) return done;
  return removed;
}

}  // namespace chaird::store
