// Every method chaird serves has an access rule, and every rule names a method chaird serves:
// a new call added without one is served to nobody, and this test says which.
#include "api/access_control.hpp"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "chair/v1/control.pb.h"

namespace chaird::api {
namespace {

std::set<std::string> served_methods() {
  std::set<std::string> out;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* service : {"chair.v1.ChairControl", "chair.v1.SimBench"}) {
    const auto* s = pool->FindServiceByName(service);
    EXPECT_NE(s, nullptr) << service;
    if (s == nullptr) continue;
    for (int i = 0; i < s->method_count(); ++i)
      out.insert("/" + std::string(service) + "/" + s->method(i)->name());
  }
  return out;
}

TEST(AccessRules, EveryServedMethodHasExactlyOneRule) {
  const auto methods = served_methods();
  ASSERT_GT(methods.size(), 30u);
  for (const auto& m : methods) EXPECT_NE(rule_for(m), nullptr) << m << " has no access rule";
  std::set<std::string> ruled;
  for (const auto& r : method_rules()) {
    EXPECT_TRUE(ruled.insert(std::string(r.method)).second) << r.method << " has two rules";
    EXPECT_EQ(methods.count(std::string(r.method)), 1u) << r.method << " is not a method";
  }
}

TEST(AccessRules, OnlyTheEmergencyStopIsServedToAnyone) {
  for (const auto& r : method_rules()) {
    EXPECT_EQ(r.anyone, r.method == "/chair.v1.ChairControl/EmergencyStop") << r.method;
    EXPECT_FALSE(r.roles.empty()) << r.method;
  }
}

bool allows(std::string_view method, access::Role role) {
  const auto* r = rule_for(method);
  return r != nullptr && std::find(r->roles.begin(), r->roles.end(), role) != r->roles.end();
}

TEST(AccessRules, KiosksRunSessionsAndStaffResetFaults) {
  using access::Role;
  EXPECT_TRUE(allows("/chair.v1.ChairControl/StartSession", Role::kKiosk));
  EXPECT_FALSE(allows("/chair.v1.ChairControl/StartSession", Role::kEngineer));
  EXPECT_TRUE(allows("/chair.v1.ChairControl/SaveUserProfile", Role::kKiosk));
  EXPECT_FALSE(allows("/chair.v1.ChairControl/ResetFault", Role::kKiosk));
  EXPECT_TRUE(allows("/chair.v1.ChairControl/ResetFault", Role::kEngineer));
  EXPECT_FALSE(allows("/chair.v1.ChairControl/SaveProgram", Role::kKiosk));
  EXPECT_TRUE(allows("/chair.v1.ChairControl/SaveProgram", Role::kEngineer));
  EXPECT_FALSE(allows("/chair.v1.SimBench/AdvanceClock", Role::kKiosk));
  EXPECT_TRUE(allows("/chair.v1.ChairControl/StopSession", Role::kEngineer));
  for (const auto& r : method_rules()) EXPECT_TRUE(allows(r.method, Role::kAdmin)) << r.method;
}

}  // namespace
}  // namespace chaird::api
