// safety/health_conditions: the health questions and screening a program against the answers.
#include "safety/health_conditions.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace chaird {
namespace {

TEST(HealthConditions, KnownConditionsHaveUniqueNamesAndAQuestion) {
  const auto& all = health_conditions();
  EXPECT_GE(all.size(), 14u);
  std::set<std::string> names;
  for (const auto& c : all) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_TRUE(std::string(c.question).find('?') != std::string::npos) << c.name;
    EXPECT_TRUE(is_known_condition(c.name));
  }
  for (const char* expected : {"thrombosis", "osteoporosis", "pregnancy", "implanted_device",
                               "heat_insensitivity", "anticoagulants", "fracture"}) {
    EXPECT_TRUE(is_known_condition(expected)) << expected;
  }
  EXPECT_FALSE(is_known_condition(""));
  EXPECT_FALSE(is_known_condition("Pregnancy"));
  EXPECT_FALSE(is_known_condition("flu"));
  EXPECT_FALSE(is_known_condition("pregnancy "));
}

TEST(HealthConditions, ScreenNamesEveryConditionThatRulesTheProgramOut) {
  const std::vector<std::string> program = {"pregnancy", "thrombosis", "fracture"};
  EXPECT_TRUE(screen(program, {}).empty());
  EXPECT_TRUE(screen(program, {"osteoporosis", "fever"}).empty());
  EXPECT_TRUE(screen({}, {"pregnancy"}).empty());
  EXPECT_EQ(screen(program, {"thrombosis"}), (std::vector<std::string>{"thrombosis"}));
  EXPECT_EQ(screen(program, {"fever", "fracture", "pregnancy"}),
            (std::vector<std::string>{"fracture", "pregnancy"}));  // in the sitter's order
}

}  // namespace
}  // namespace chaird
