// The programs a chair maker or staff saved through the API (SaveProgram), as the text they
// sent, keyed by program id. Each save and delete is one transaction: after a crash at any
// moment the database holds the old text or the new one, never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "store/state_database.hpp"

namespace chaird::store {

struct StoredProgram {
  std::string id;
  std::string text;
  std::int64_t saved_at_unix_ms = 0;
};

class CustomProgramStore {
 public:
  explicit CustomProgramStore(StateDatabase& db) : db_(db) {}

  // Every stored program, by id.
  Expected<std::vector<StoredProgram>, std::string> all();
  // Inserts, or replaces the text of the program with that id.
  Expected<bool, std::string> put(const StoredProgram& program);
  Expected<bool, std::string> exists(const std::string& id);
  Expected<std::int64_t, std::string> count();
  // false when there was no such program.
  Expected<bool, std::string> remove(const std::string& id);

 private:
  StateDatabase& db_;
};

}  // namespace chaird::store
