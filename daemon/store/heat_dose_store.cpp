#include "store/heat_dose_store.hpp"

namespace chaird::store {

Expected<bool, std::string> HeatDoseStore::replace(const std::vector<HeatSpan>& spans) {
  MutexLock guard(db_.mutex());
  auto& db = db_.connection();
  auto tx = Transaction::begin(db);
  if (!tx) return Unexpected{tx.error()};
  if (auto done = db.exec("DELETE FROM heat_spans"); !done) return Unexpected{done.error()};
  auto stmt = db.prepare(
      "INSERT INTO heat_spans (actuator, began_unix_ms, ended_unix_ms, boot_id, began_boot_ms, "
      "ended_boot_ms) VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt) return Unexpected{stmt.error()};
  for (const auto& s : spans) {
    stmt->reset();
    stmt->bind(1, s.actuator).bind(2, s.began_unix_ms).bind(3, s.ended_unix_ms);
    stmt->bind(4, s.boot_id).bind(5, s.began_boot_ms).bind(6, s.ended_boot_ms);
    if (auto done = stmt->run(); !done) return Unexpected{done.error()};
  }
  if (auto done = tx->commit(); !done) return Unexpected{done.error()};
  return true;
}

Expected<std::vector<HeatSpan>, std::string> HeatDoseStore::all() {
  MutexLock guard(db_.mutex());
  auto stmt = db_.connection().prepare(
      "SELECT actuator, began_unix_ms, ended_unix_ms, boot_id, began_boot_ms, ended_boot_ms "
      "FROM heat_spans ORDER BY ended_unix_ms DESC LIMIT ?");
  if (!stmt) return Unexpected{stmt.error()};
  stmt->bind(1, static_cast<std::int64_t>(kMaxHeatSpans));
  std::vector<HeatSpan> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return Unexpected{row.error()};
    if (!*row) break;
    out.push_back({stmt->text(0), stmt->integer(1), stmt->integer(2), stmt->text(3),
                   stmt->integer(4), stmt->integer(5)});
  }
  return out;
}

}  // namespace chaird::store
