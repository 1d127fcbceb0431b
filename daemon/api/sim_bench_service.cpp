#include "sim_bench_service.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <memory>

#include "clock/sliced_advance.hpp"
#include "unreadable_request.hpp"
#include "wire/bench_limits.hpp"

namespace chaird::api {

namespace {
// The most chair time the dispatch thread steps through before it takes what was posted
// meanwhile: an emergency stop pressed during a long advance acts within this much chair time.
constexpr auto kAdvanceSlice = std::chrono::milliseconds(100);

// AwaitHeldStart: answers when a start reaches the hold, or ends when the client gives up
// (its deadline), whichever comes first; it finishes exactly once either way.
class AwaitHeldReactor final : public grpc::ServerUnaryReactor {
 public:
  AwaitHeldReactor(StartHold& hold, bool until_call_cancelled)
      : done_(std::make_shared<std::atomic<bool>>(false)) {
    // The hold may call back after this reactor is gone: the flag, not the reactor, decides.
    auto then = [this, done = done_] {
      if (!done->exchange(true)) Finish(grpc::Status::OK);
    };
    if (until_call_cancelled) {
      hold.when_waiting_call_cancelled(std::move(then));
    } else {
      hold.when_waiting(std::move(then));
    }
  }
  void OnCancel() override {
    if (!done_->exchange(true)) Finish(grpc::Status::CANCELLED);
  }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<std::atomic<bool>> done_;
};

}  // namespace

SimBenchService::SimBenchService(SimBenchDependencies deps) : deps_(deps) {}

grpc::ServerUnaryReactor* SimBenchService::refuse(grpc::CallbackServerContext* context,
                                                  grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

std::optional<grpc::Status> SimBenchService::why_refuse(
    grpc::CallbackServerContext* context, std::string_view call,
    const google::protobuf::Message& request) const {
  // The bench moves the chair's time and holds its starts: staff only.
  if (auto refused = deps_.access.refuse(*context, std::string("/chair.v1.SimBench/").append(call)))
    return refused;
  if (auto unreadable = unreadable_request(request)) return unreadable;
  if (deps_.manual_clock == nullptr || deps_.start_hold == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the clock is not manual; start chaird with --clock manual to use the "
                        "bench");
  }
  return std::nullopt;
}

grpc::ServerUnaryReactor* SimBenchService::AdvanceClock(
    grpc::CallbackServerContext* context, const chair::v1::AdvanceClockRequest* request,
    chair::v1::AdvanceClockResponse* response) {
  if (auto why = why_refuse(context, "AdvanceClock", *request)) return refuse(context, *why);
  auto* reactor = context->DefaultReactor();
  if (request->duration_ms() <= 0 || request->duration_ms() > wire::kMostAdvanceClockMs) {
    reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT,
                     "duration_ms must be between 1 ms and 5 minutes (300000 ms); advance again "
                     "for more"});
    return reactor;
  }
  // The context outlives the advance: the call is not finished until done() finishes it.
  advance_in_slices(
      *deps_.manual_clock,
      {std::chrono::milliseconds(request->duration_ms()), kAdvanceSlice,
       // A client that gave up (its deadline, or gone) stops the clock where it is.
       [context] { return !context->IsCancelled(); },
       [this, reactor, response](bool whole) {
         response->set_chair_time_ms(to_ms(deps_.manual_clock->now()));
         reactor->Finish(whole ? grpc::Status::OK
                               : grpc::Status(grpc::StatusCode::CANCELLED,
                                              "the advance stopped when the call was cancelled"));
       }});
  return reactor;
}

grpc::ServerUnaryReactor* SimBenchService::HoldStarts(grpc::CallbackServerContext* context,
                                                      const chair::v1::HoldStartsRequest* request,
                                                      chair::v1::HoldStartsResponse*) {
  if (auto why = why_refuse(context, "HoldStarts", *request)) return refuse(context, *why);
  deps_.start_hold->hold();
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* SimBenchService::AwaitHeldStart(
    grpc::CallbackServerContext* context, const chair::v1::AwaitHeldStartRequest* request,
    chair::v1::AwaitHeldStartResponse*) {
  if (auto why = why_refuse(context, "AwaitHeldStart", *request)) return refuse(context, *why);
  return new AwaitHeldReactor(*deps_.start_hold, request->until_call_cancelled());
}

grpc::ServerUnaryReactor* SimBenchService::ReleaseStarts(
    grpc::CallbackServerContext* context, const chair::v1::ReleaseStartsRequest* request,
    chair::v1::ReleaseStartsResponse*) {
  if (auto why = why_refuse(context, "ReleaseStarts", *request)) return refuse(context, *why);
  deps_.start_hold->release();
  // A released start hands its plan to the dispatch thread before the planning thread takes its
  // next task; once a task behind it has gone through both, every released start has begun or
  // been refused.
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.planning, [this, reactor] {
    boost::asio::post(deps_.dispatch, [reactor] { reactor->Finish(grpc::Status::OK); });
  });
  return reactor;
}

grpc::ServerUnaryReactor* SimBenchService::InjectFault(grpc::CallbackServerContext* context,
                                                       const chair::v1::InjectFaultRequest* request,
                                                       chair::v1::InjectFaultResponse* response) {
  if (auto refused = deps_.access.refuse(*context, "/chair.v1.SimBench/InjectFault"))
    return refuse(context, *refused);
  if (auto unreadable = unreadable_request(*request)) return refuse(context, *unreadable);
  const bool to_board = deps_.chair == nullptr;
  if (to_board && (!deps_.send_fault_to_board || deps_.model == nullptr)) {
    return refuse(context, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                        "this chaird has no simulated chair or board to take "
                                        "injected faults"));
  }
  const ChairModel& model = to_board ? *deps_.model : deps_.chair->chair();
  auto fault = sim::resolve_fault(request->fault(), model);
  if (!fault) {
    return refuse(context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        fault.error().field + ": " + fault.error().message));
  }
  auto* reactor = context->DefaultReactor();
  // The chair, and the link's sending side, belong to the dispatch thread.
  boost::asio::post(deps_.dispatch, [this, reactor, response, to_board, &model, f = *fault] {
    if (to_board) {
      deps_.send_fault_to_board(f);
      response->set_description(sim::describe_fault(f, model) + " (sent to the board)");
    } else if (!deps_.chair->schedule_fault(f)) {
      reactor->Finish(
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, sim::too_many_injected_faults()));
      return;
    } else {
      response->set_description(sim::describe_fault(f, model));
    }
    response->set_chair_time_ms(to_ms(f.at));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace chaird::api
