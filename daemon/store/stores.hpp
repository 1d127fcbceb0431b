// chaird's database and the stores over it, opened once at start-up.
#pragma once

#include <memory>

#include "store/custom_program_store.hpp"
#include "store/heat_dose_store.hpp"
#include "store/session_history_store.hpp"
#include "store/state_database.hpp"
#include "store/user_profile_store.hpp"

namespace chaird::store {

struct Stores {
  explicit Stores(std::unique_ptr<StateDatabase> database)
      : db(std::move(database)), programs(*db), history(*db), profiles(*db), heat(*db) {}
  Stores(const Stores&) = delete;
  Stores& operator=(const Stores&) = delete;

  std::unique_ptr<StateDatabase> db;
  CustomProgramStore programs;
  SessionHistoryStore history;
  UserProfileStore profiles;
  HeatDoseStore heat;
};

}  // namespace chaird::store
