// A thin owner of one SQLite connection and its prepared statements: every call checks its
// result and turns a failure into text that names the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace chaird::store {

class SqliteConnection;

// One prepared statement; bind by 1-based index, step, read columns of the current row.
class Statement {
 public:
  Statement(SqliteConnection& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  // true: a row is ready; false: done. An error is returned as text.
  Expected<bool, std::string> step();
  // Runs to completion (an INSERT, an UPDATE).
  Expected<bool, std::string> run();
  // Ready to bind and step again (the same query for another row).
  void reset();

  std::string text(int column) const;
  std::string blob(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  SqliteConnection* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // the first failed bind, reported by step()
};

class SqliteConnection {
 public:
  // Opens (creating when create is set) the database file. Nothing is read yet: a file that is
  // not a database shows at the first statement.
  // A lock another process holds is waited for up to busy_timeout_ms before a call fails.
  static Expected<std::unique_ptr<SqliteConnection>, std::string> open(const std::string& path,
                                                                       bool create,
                                                                       int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Expected<Statement, std::string> prepare(std::string_view sql);
  // Runs one or more statements that return no rows.
  Expected<bool, std::string> exec(const std::string& sql);
  // The first column of the first row of a query, as text (PRAGMA answers).
  Expected<std::string, std::string> query_text(const std::string& sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  // How long the following calls wait for a lock another process holds.
  void set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }
  // "<path>: <sqlite's message>".
  std::string error_text(int rc) const;
  // The same, remembering rc for last_failure_was_busy().
  std::string failed(int rc);
  // Whether the last failed call failed because another connection held a lock past the busy
  // timeout: the same call may succeed later. Read it under the same lock as the call.
  bool last_failure_was_busy() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  int last_failed_rc_ = SQLITE_OK;
};

// Runs a transaction: BEGIN IMMEDIATE now, ROLLBACK unless commit() succeeded.
class Transaction {
 public:
  static Expected<Transaction, std::string> begin(SqliteConnection& db);
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  Expected<bool, std::string> commit();

 private:
  explicit Transaction(SqliteConnection& db) : db_(&db) {}
  SqliteConnection* db_;
};

}  // namespace chaird::store
