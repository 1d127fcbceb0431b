// Small pieces every unary handler of ChairControl uses.
#pragma once

#include <grpcpp/grpcpp.h>

#include "session/start_hold.hpp"

namespace chaird::api {

// Answers the call at once, from the gRPC thread it arrived on.
inline grpc::ServerUnaryReactor* finish_now(grpc::CallbackServerContext* context,
                                            grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

// The reactor of calls that pass the bench's hold (StartSession, ResumeSession, AdjustSession):
// as gRPC's default one, and it tells the hold when the client cancels, so that a test can wait
// for chaird to have seen it.
class HeldCallReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit HeldCallReactor(StartHold* hold) : hold_(hold) {}
  void OnCancel() override {
    if (hold_ != nullptr) hold_->note_call_cancelled();
  }
  void OnDone() override { delete this; }

 private:
  StartHold* hold_;
};

}  // namespace chaird::api
