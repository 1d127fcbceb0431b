#include "store/state_database.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>

namespace chaird::store {

namespace fs = std::filesystem;

namespace {

// Never edit a step once released: add a new one. Each runs in its own transaction together
// with the user_version it reaches.
constexpr std::array<const char*, 5> kMigrations = {
    // 1: daemon starts and custom programs.
    R"sql(
      CREATE TABLE daemon_starts (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at_unix_ms INTEGER NOT NULL);
      CREATE TABLE custom_programs (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        saved_at_unix_ms INTEGER NOT NULL);
    )sql",
    // 2: session history, with the sitter's feedback.
    R"sql(
      CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL DEFAULT '',
        program_id TEXT NOT NULL DEFAULT '',
        program_name TEXT NOT NULL DEFAULT '',
        client TEXT NOT NULL DEFAULT '',
        started_at_unix_ms INTEGER NOT NULL DEFAULT 0,
        planned_duration_ms INTEGER NOT NULL DEFAULT 0,
        intensity_scale REAL NOT NULL DEFAULT 1.0,
        speed_scale REAL NOT NULL DEFAULT 1.0,
        ended_at_unix_ms INTEGER,
        end_state TEXT NOT NULL DEFAULT '',
        end_reason TEXT NOT NULL DEFAULT '',
        elapsed_ms INTEGER NOT NULL DEFAULT 0,
        discomfort_before INTEGER,
        discomfort_after INTEGER,
        too_strong_zones TEXT NOT NULL DEFAULT '',
        feedback_note TEXT NOT NULL DEFAULT '');
      CREATE INDEX sessions_by_user ON sessions (user_id, started_at_unix_ms);
    )sql",
    // 3: sitters' profiles (a chair.v1.UserProfile, serialized, so that a field added later
    // needs no step here).
    R"sql(
      CREATE TABLE user_profiles (
        user_id TEXT PRIMARY KEY,
        profile BLOB NOT NULL,
        updated_at_unix_ms INTEGER NOT NULL);
    )sql",
    // 4: what was adjusted during each session, in order.
    R"sql(
      CREATE TABLE session_adjustments (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        at_program_ms INTEGER NOT NULL,
        change TEXT NOT NULL);
      CREATE INDEX session_adjustments_by_session ON session_adjustments (session_id, number);
    )sql",
    // 5: the heat each heater gave over the last day, so that a restart does not forget it; in
    // wall-clock time and in time since the machine booted (chaird/heat_dose.hpp).
    R"sql(
      CREATE TABLE heat_spans (
        actuator TEXT NOT NULL,
        began_unix_ms INTEGER NOT NULL,
        ended_unix_ms INTEGER NOT NULL,
        boot_id TEXT NOT NULL,
        began_boot_ms INTEGER NOT NULL,
        ended_boot_ms INTEGER NOT NULL);
    )sql",
};

}  // namespace

std::span<const char* const> StateDatabase::migrations() {
  return kMigrations;
}

Expected<std::unique_ptr<StateDatabase>, std::string> StateDatabase::open(
    const std::string& state_dir, StateDatabaseOptions options) {
  return open_with(state_dir, kMigrations, std::move(options));
}

Expected<std::unique_ptr<StateDatabase>, std::string> StateDatabase::open_with(
    const std::string& state_dir, std::span<const char* const> migrations,
    StateDatabaseOptions options) {
  if (state_dir.empty()) return Unexpected{std::string("no state directory configured")};
  std::error_code ec;
  if (!fs::exists(state_dir, ec)) {
    fs::create_directories(state_dir, ec);
    if (ec) return Unexpected{fmt::format("{}: cannot create: {}", state_dir, ec.message())};
    // The history holds what sitters told about their health: chaird's user only.
    ::chmod(state_dir.c_str(), 0700);
  }
  struct stat dir {};
  if (::stat(state_dir.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode))
    return Unexpected{fmt::format("{}: not a directory", state_dir)};
  if ((dir.st_mode & (S_IWOTH | S_IWGRP)) != 0) {
    return Unexpected{fmt::format(
        "{}: writable by others than its owner, so they could replace chaird's database; "
        "chmod go-w it",
        state_dir)};
  }
  if (dir.st_uid != ::geteuid()) {
    return Unexpected{
        fmt::format("{}: belongs to uid {}, not to chaird's user (uid {}); it must be chaird's own",
                    state_dir, dir.st_uid, ::geteuid())};
  }
  const std::string path = (fs::path(state_dir) / kFileName).string();
  struct stat file {};
  if (::lstat(path.c_str(), &file) == 0 && file.st_uid != ::geteuid()) {
    return Unexpected{fmt::format("{}: belongs to uid {}, not to chaird's user (uid {})", path,
                                  file.st_uid, ::geteuid())};
  }
  // Created private: the history holds what sitters said about their health.
  const mode_t previous_umask = ::umask(077);
  auto connection = SqliteConnection::open(path, true, options.busy_timeout_ms);
  ::umask(previous_umask);
  if (!connection) return Unexpected{connection.error()};
  std::unique_ptr<StateDatabase> db(new StateDatabase(std::move(*connection), std::move(options)));
  if (auto ready = db->prepare(migrations); !ready) return Unexpected{ready.error()};
  ::chmod(path.c_str(), 0600);  // kept private, whoever loosened it
  return db;
}

Expected<bool, std::string> StateDatabase::prepare(std::span<const char* const> migrations) {
  SqliteConnection& db = *db_;
  // The first read: a file that is not a database, or is damaged, fails here or in the check.
  auto check = db.query_text("PRAGMA quick_check");
  if (!check) {
    return Unexpected{check.error() +
                      " (chaird does not replace it: move it aside to start afresh, or "
                      "recover it with sqlite3's .recover)"};
  }
  if (*check != "ok") {
    return Unexpected{fmt::format(
        "{}: the database is damaged ({}); chaird does not replace it: move it aside to "
        "start afresh, or recover it with sqlite3's .recover",
        db.path(), *check)};
  }
  // The version first: a newer chaird's database is left exactly as it is (not even switched
  // to write-ahead logging).
  auto version = db.query_text("PRAGMA user_version");
  if (!version) return Unexpected{version.error()};
  schema_version_ = std::stoi(*version);
  const int known = static_cast<int>(migrations.size());
  // Another program may have set any version: below zero is no chaird's, and there is no
  // migration to start from.
  if (schema_version_ < 0) {
    return Unexpected{fmt::format(
        "{}: its schema version {} is not one any chaird writes (another program changed it); "
        "it is left as it is: move it aside to start afresh",
        db.path(), schema_version_)};
  }
  if (schema_version_ > known) {
    return Unexpected{fmt::format(
        "{}: written by a newer chaird (schema version {}; this chaird knows up to {}); "
        "it is left as it is",
        db.path(), schema_version_, known)};
  }
  auto mode = db.query_text("PRAGMA journal_mode=WAL");
  if (!mode) return Unexpected{mode.error()};
  if (*mode != "wal") {
    return Unexpected{
        fmt::format("{}: cannot use write-ahead logging (journal mode {})", db.path(), *mode)};
  }
  // A commit is on disk when it returns: a saved program survives a power cut too. What is
  // deleted (a forgotten sitter) is overwritten, not left in free pages.
  if (auto done =
          db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON");
      !done)
    return done;
  for (int step = schema_version_; step < known; ++step) {
    auto tx = Transaction::begin(db);
    if (!tx) return Unexpected{tx.error()};
    if (auto done = db.exec(migrations[static_cast<std::size_t>(step)]); !done) {
      return Unexpected{fmt::format("migrating to schema version {}: {}", step + 1, done.error())};
    }
    if (auto done = db.exec(fmt::format("PRAGMA user_version = {}", step + 1)); !done) return done;
    if (auto done = tx->commit(); !done) return done;
    schema_version_ = step + 1;
  }
  if (options_.before_commit) {
    sqlite3_commit_hook(
        db.handle(),
        [](void* self) {
          static_cast<StateDatabase*>(self)->options_.before_commit();
          return 0;
        },
        this);
  }
  return true;
}

Expected<std::int64_t, std::string> StateDatabase::record_daemon_start(std::int64_t now_unix_ms) {
  MutexLock guard(mutex_);
  auto stmt = db_->prepare("INSERT INTO daemon_starts (started_at_unix_ms) VALUES (?)");
  if (!stmt) return Unexpected{stmt.error()};
  if (auto done = stmt->bind(1, now_unix_ms).run(); !done) return Unexpected{done.error()};
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_->handle()));
}

}  // namespace chaird::store
