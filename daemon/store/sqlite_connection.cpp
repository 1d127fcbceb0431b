#include "store/sqlite_connection.hpp"

#include <fmt/format.h>

namespace chaird::store {

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Expected<bool, std::string> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return Unexpected{db_->failed(bind_rc_)};
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Unexpected{db_->failed(rc)};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Expected<bool, std::string> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row;
    if (!*row) return true;
  }
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}
bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Expected<std::unique_ptr<SqliteConnection>, std::string> SqliteConnection::open(
    const std::string& path, bool create, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW |
                    (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unexpected{fmt::format("{}: {}", path, why)};
  }
  sqlite3_extended_result_codes(db, 1);
  // Another process (sqlite3 on the command line, a backup) may hold a lock for a moment.
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db, path));
}

SqliteConnection::~SqliteConnection() {
  sqlite3_close(db_);
}

Expected<Statement, std::string> SqliteConnection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Unexpected{failed(rc)};
  }
  return Statement(*this, stmt);
}

Expected<bool, std::string> SqliteConnection::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    last_failed_rc_ = rc;
    std::string why =
        fmt::format("{}: {}", path_, message != nullptr ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return Unexpected{std::move(why)};
  }
  return true;
}

Expected<std::string, std::string> SqliteConnection::query_text(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt) return Unexpected{stmt.error()};
  auto row = stmt->step();
  if (!row) return Unexpected{row.error()};
  if (!*row) return std::string();
  return stmt->text(0);
}

std::string SqliteConnection::error_text(int rc) const {
  const char* message = sqlite3_errmsg(db_);
  return fmt::format("{}: {}", path_,
                     message != nullptr && *message != '\0' ? message : sqlite3_errstr(rc));
}

std::string SqliteConnection::failed(int rc) {
  last_failed_rc_ = rc;
  return error_text(rc);
}

bool SqliteConnection::last_failure_was_busy() const {
  // Extended result codes are on: SQLITE_BUSY_SNAPSHOT and the like keep the primary code low.
  // Not SQLITE_LOCKED: a conflict inside this connection, which trying again would not end.
  return (last_failed_rc_ & 0xff) == SQLITE_BUSY;
}

Expected<Transaction, std::string> Transaction::begin(SqliteConnection& db) {
  // IMMEDIATE: take the write lock now, so that the transaction cannot fail halfway for it.
  auto begun = db.exec("BEGIN IMMEDIATE");
  if (!begun) return Unexpected{begun.error()};
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Expected<bool, std::string> Transaction::commit() {
  auto done = db_->exec("COMMIT");
  if (done) db_ = nullptr;
  return done;
}

}  // namespace chaird::store
