// session/resume_gate: a pause cancels every resume that arrived before it (not those after),
// and says whether one was still waiting.
#include "session/resume_gate.hpp"

#include <gtest/gtest.h>

namespace chaird {
namespace {

TEST(ResumeGate, APauseCancelsTheResumesThatArrivedBeforeItOnly) {
  ResumeGate gate;
  auto before = gate.enter();
  EXPECT_FALSE(gate.cancelled(*before));
  EXPECT_TRUE(gate.cancel_all());
  EXPECT_TRUE(gate.cancelled(*before));
  auto after = gate.enter();
  EXPECT_FALSE(gate.cancelled(*after)) << "a resume pressed after the pause goes on";
}

TEST(ResumeGate, ACancelSaysWhetherAResumeWasStillWaiting) {
  ResumeGate gate;
  EXPECT_FALSE(gate.cancel_all()) << "nothing to catch";
  gate.enter().reset();  // that resume ran (or was refused) before the pause
  EXPECT_FALSE(gate.cancel_all());
  auto waiting = gate.enter();
  EXPECT_TRUE(gate.cancel_all());
  EXPECT_FALSE(gate.cancel_all()) << "the first pause caught it";
  waiting.reset();
  auto next = gate.enter();
  EXPECT_TRUE(gate.cancel_all());
}

TEST(ResumeGate, ATicketOutlivingItsGateIsSafeToLetGo) {
  ResumeGate::TicketPtr kept;
  {
    ResumeGate gate;
    kept = gate.enter();
  }
  kept.reset();  // a resume's lambda destroyed after the daemon's gate: no use after free
}

}  // namespace
}  // namespace chaird
