// library/capability_claims: what a capability may say, whether a chair has it, and whether a
// program's claims match what its steps use.
#include "library/capability_claims.hpp"

#include <gtest/gtest.h>

#include <string>

#include "library/program_checker.hpp"
#include "test_support.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::ErrorAt;
using unit::HasError;
using unit::line_of;
using unit::program_text;
using unit::replace_once;
using unit::step_item;

Capability parsed(std::string_view text) {
  std::string reason;
  auto c = parse_capability(text, reason);
  EXPECT_TRUE(c) << text << ": " << reason;
  return c.value_or(Capability{});
}

std::string refused(std::string_view text) {
  std::string reason;
  auto c = parse_capability(text, reason);
  EXPECT_FALSE(c) << text;
  return reason;
}

TEST(CapabilityClaims, ParsesAnActuatorAFamilyAndAZone) {
  EXPECT_EQ(parsed("roller.knead").actuator, "roller.knead");
  EXPECT_FALSE(parsed("roller.knead").family);
  EXPECT_TRUE(parsed("airbag.*").family);
  EXPECT_EQ(parsed("airbag.*").actuator, "airbag");
  const Capability zoned = parsed("airbag.*@lumbar");
  EXPECT_TRUE(zoned.family);
  EXPECT_EQ(zoned.zone, "lumbar");
  EXPECT_EQ(parsed("roller.position@glutes").zone, "glutes");

  EXPECT_EQ(refused("roller.position@glutez"),
            "'glutez' is not a body zone; did you mean 'glutes'?");
  EXPECT_NE(refused("@lumbar").find("write an actuator id"), std::string::npos);
  EXPECT_NE(refused("*").find("write an actuator id"), std::string::npos);
}

// The reference chair with an S-track: the rollers stop at the seat.
std::shared_ptr<const ChairModel> s_track_chair() {
  return unit::chair_variant({{"length_mm: 1350", "length_mm: 765"},
                              {"max: 1350", "max: 765"},
                              {"name: \"glutes\"\n  roller: true", "name: \"glutes\""},
                              {"name: \"thighs\"\n  roller: true", "name: \"thighs\""},
                              {"name: \"legs\"\n  roller: true", "name: \"legs\""}});
}

TEST(CapabilityClaims, AChairHasAZonedCapabilityWhenThatZoneIsServed) {
  const auto reference = test::reference_chair();
  const auto body = BodyModel::resolve(*reference, {});
  ASSERT_TRUE(body);
  const auto has = [&](const ChairModel& chair, const BodyModel& b, std::string_view text) {
    return chair_has(chair, b, parsed(text));
  };
  EXPECT_TRUE(has(*reference, *body, "roller.position@glutes"));
  EXPECT_TRUE(has(*reference, *body, "airbag.*@lumbar"));
  EXPECT_TRUE(has(*reference, *body, "heat.lumbar@sacrum"));
  EXPECT_FALSE(has(*reference, *body, "airbag.arm@lumbar"));
  EXPECT_FALSE(has(*reference, *body, "heat.*@neck"));
  EXPECT_FALSE(has(*reference, *body, "roller.position@calves"));
  EXPECT_FALSE(has(*reference, *body, "water.jet"));

  const auto s_track = s_track_chair();
  ASSERT_NE(s_track, nullptr);
  const auto s_body = BodyModel::resolve(*s_track, {});
  ASSERT_TRUE(s_body);
  EXPECT_TRUE(has(*s_track, *s_body, "roller.position@lumbar"));
  EXPECT_FALSE(has(*s_track, *s_body, "roller.position@glutes"));
  EXPECT_TRUE(has(*s_track, *s_body, "airbag.*@glutes"));
}

TEST(CapabilityClaims, AChairWithoutAZonedClaimRefusesTheProgramAtTheClaim) {
  const auto s_track = s_track_chair();
  ASSERT_NE(s_track, nullptr);
  const std::string text =
      replace_once(program_text({step_item("s", "lumbar", 20000)}), "name: \"test\" }",
                   "name: \"test\"\n  required_capabilities: \"roller.position@glutes\"\n"
                   "  required_capabilities: \"roller.position@glutez\" }");
  auto program = parse_program_text(text, "test.textproto");
  ASSERT_TRUE(program) << program.error().to_string();
  const Diagnostics d = check_metadata(**program, *s_track);
  EXPECT_TRUE(ErrorAt(d, "chair 'generic_4d_sl' lacks required capability 'roller.position@glutes'",
                      "test.textproto", 2, 3));
  EXPECT_TRUE(ErrorAt(d,
                      "required capability 'roller.position@glutez': 'glutez' is not a body zone; "
                      "did you mean 'glutes'?",
                      "test.textproto", 3, 3));
  EXPECT_TRUE(check_metadata(**program, *test::reference_chair()).error_count() == 1u);
}

TEST(CapabilityClaims, AMegabyteClaimIsToldInAFewWords) {
  for (const std::string& claim :
       {std::string(1'000'000, 'x'), "roller.position@" + std::string(1'000'000, 'z')}) {
    const std::string text =
        replace_once(program_text({step_item("s", "lumbar", 20000)}), "name: \"test\" }",
                     "name: \"test\" required_capabilities: \"" + claim + "\" }");
    auto program = parse_program_text(text, "test.textproto");
    ASSERT_TRUE(program) << program.error().to_string();
    const Diagnostics d = check_metadata(**program, *test::reference_chair());
    ASSERT_EQ(d.error_count(), 1u);
    EXPECT_LT(d.items()[0].message.size(), 400u);
  }
}

// Plans text on the reference chair and checks its claims against its steps.
Diagnostics claims_warnings(const std::string& text) {
  auto program = parse_program_text(text, "test.textproto");
  EXPECT_TRUE(program) << program.error().to_string();
  if (!program) return {};
  auto plan = unit::plan_on(test::reference_chair(), text);
  EXPECT_TRUE(plan) << plan.error().to_string();
  if (!plan) return {};
  return check_claims_against_steps(**program, **plan);
}

std::string with_claims(const std::string& text, const std::vector<std::string>& claims) {
  std::string lines;
  for (const auto& c : claims) lines += "\n  required_capabilities: \"" + c + "\"";
  return replace_once(text, "name: \"test\" }", "name: \"test\"" + lines + " }");
}

bool warned(const Diagnostics& d, std::string_view text, int line) {
  for (const auto& item : d.items()) {
    if (item.severity == Severity::kWarning && item.where.line == line &&
        item.message.find(text) != std::string::npos)
      return true;
  }
  return false;
}

TEST(CapabilityClaims, ANeedTheClaimsLeaveOutIsNamedOnceWithItsFirstStep) {
  const std::string text =
      with_claims(program_text({step_item("knead", "lumbar", 30000, "", "kneading") +
                                step_item("again", "back", 30000, "", "kneading")}),
                  {"roller.position"});
  const Diagnostics d = claims_warnings(text);
  EXPECT_TRUE(warned(d,
                     "step 'knead' and 1 more needs roller.knead (technique 'kneading'), and "
                     "required_capabilities does not say so: on a chair without it the program "
                     "is refused only when it is planned; list 'roller.knead', or mark the step "
                     "skip_if_chair_lacks",
                     2))
      << d.to_string();
  EXPECT_EQ(d.items().size(), 1u) << d.to_string();
  // Listed, nothing is left to say.
  EXPECT_TRUE(claims_warnings(
                  with_claims(program_text({step_item("knead", "lumbar", 30000, "", "kneading")}),
                              {"roller.position", "roller.knead"}))
                  .empty());
}

TEST(CapabilityClaims, AClaimNoStepUsesIsNamedAtTheClaim) {
  const std::string text =
      with_claims(program_text({step_item("presses", "lumbar", 30000)}),
                  {"roller.position", "roller.depth", "foot_roller", "airbag.*@lumbar"});
  const Diagnostics d = claims_warnings(text);
  // shiatsu may use roller.depth (it presses by width without it): the claim is used.
  EXPECT_FALSE(warned(d, "'roller.depth'", 3)) << d.to_string();
  EXPECT_TRUE(warned(d,
                     "no step uses 'foot_roller': the claim only keeps the program off chairs "
                     "without it; remove it",
                     4))
      << d.to_string();
  EXPECT_TRUE(warned(d, "no step uses 'airbag.*@lumbar'", 5)) << d.to_string();
  EXPECT_EQ(d.items().size(), 2u) << d.to_string();
}

TEST(CapabilityClaims, AnActuatorNamedLikeAFamilyIsThatFamily) {
  // foot_reflexology requires foot_roller.*; the reference chair's foot roller is foot_roller.
  const std::string text = with_claims(
      program_text({step_item("soles", "feet", 30000, "", "foot_reflexology")}), {"foot_roller"});
  EXPECT_TRUE(claims_warnings(text).empty()) << claims_warnings(text).to_string();
}

TEST(CapabilityClaims, AZonedClaimIsUsedByAStepOnAZoneOverlappingItButCoversOnlyItsOwn) {
  // The glutes claim keeps the program off chairs that cannot reach part of the hips...
  const std::string text =
      with_claims(program_text({step_item("knead", "hips", 30000, "", "kneading")}),
                  {"roller.position", "roller.position@glutes", "roller.knead"});
  EXPECT_TRUE(claims_warnings(text).empty()) << claims_warnings(text).to_string();
  // ...but a claim on the hips does not say the rollers reach the glutes: an S-track chair
  // reaches the one and not the other.
  const std::string other_zone =
      with_claims(program_text({step_item("knead", "glutes", 30000, "", "kneading")}),
                  {"roller.position@hips", "roller.knead"});
  EXPECT_TRUE(
      warned(claims_warnings(other_zone), "needs roller.position (technique 'kneading')", 2))
      << claims_warnings(other_zone).to_string();
}

TEST(CapabilityClaims, AFamilyClaimIsMetByAnActuatorNamedLikeTheFamily) {
  // What lint advises for foot_reflexology ("list 'foot_roller.*'") holds on the chairs that
  // call their foot roller foot_roller.
  const auto reference = test::reference_chair();
  const auto body = BodyModel::resolve(*reference, {});
  ASSERT_TRUE(body);
  EXPECT_TRUE(chair_has(*reference, *body, parsed("foot_roller.*")));
  EXPECT_TRUE(chair_has(*reference, *body, parsed("foot_roller.*@feet")));
  EXPECT_FALSE(chair_has(*reference, *body, parsed("foot_roller.*@calves")));
}

TEST(CapabilityClaims, AStepMarkedSkipIfChairLacksNeedsNoClaim) {
  const std::string text = with_claims(
      program_text({step_item("presses", "lumbar", 60000),
                    step_item("warmth", "lumbar", 60000, "skip_if_chair_lacks: true", "heat")}),
      {"roller.position"});
  EXPECT_TRUE(claims_warnings(text).empty()) << claims_warnings(text).to_string();
}

}  // namespace
}  // namespace chaird
