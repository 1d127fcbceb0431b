// chaird's own database (SQLite, WAL) in the configured state directory: custom programs, the
// count of daemon starts that makes session ids unique across restarts, session history. The
// schema is versioned (PRAGMA user_version) and migrated forward at start-up; a database that
// is unreadable, corrupt or from a newer chaird is refused with its path and never replaced.
// One connection, used by any thread but the dispatch thread, one call at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "common/expected.hpp"
#include "common/thread_annotations.hpp"
#include "store/sqlite_connection.hpp"

namespace chaird::store {

struct StateDatabaseOptions {
  // Tests: called inside every commit, before it completes (SQLite's commit hook).
  std::function<void()> before_commit;
  // How long a call waits for a lock another process holds (sqlite3 on the command line, a
  // backup) before it fails as busy. Tests shorten it.
  int busy_timeout_ms = 2000;
};

class StateDatabase {
 public:
  static constexpr const char* kFileName = "chaird.db";

  // Creates the directory (mode 0700) and the database when missing.
  static Expected<std::unique_ptr<StateDatabase>, std::string> open(
      const std::string& state_dir, StateDatabaseOptions options = {});
  // The same with a given list of migrations (tests: an older chaird's schema).
  static Expected<std::unique_ptr<StateDatabase>, std::string> open_with(
      const std::string& state_dir, std::span<const char* const> migrations,
      StateDatabaseOptions options = {});
  // Every schema step chaird knows, oldest first: step i takes user_version i to i + 1.
  static std::span<const char* const> migrations();

  // Counts this start of chaird and returns its number (1, 2, ...).
  Expected<std::int64_t, std::string> record_daemon_start(std::int64_t now_unix_ms);
  int schema_version() const { return schema_version_; }
  const std::string& path() const { return db_->path(); }
  int busy_timeout_ms() const { return options_.busy_timeout_ms; }

  // One call at a time: lock the mutex (MutexLock), then use the connection.
  Mutex& mutex() CHAIRD_RETURN_CAPABILITY(mutex_) { return mutex_; }
  SqliteConnection& connection() CHAIRD_REQUIRES(mutex_) { return *db_; }

 private:
  StateDatabase(std::unique_ptr<SqliteConnection> db, StateDatabaseOptions options)
      : db_(std::move(db)), options_(std::move(options)) {}
  Expected<bool, std::string> prepare(std::span<const char* const> migrations);

  Mutex mutex_;
  std::unique_ptr<SqliteConnection> db_;
  StateDatabaseOptions options_;
  int schema_version_ = 0;
};

}  // namespace chaird::store
