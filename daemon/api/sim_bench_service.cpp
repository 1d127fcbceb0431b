#include "sim_bench_service.hpp"

#include <boost/asio/post.hpp>

namespace chaird::api {

namespace {
constexpr std::int64_t kMaxAdvanceMs = 24LL * 3600 * 1000;
}

SimBenchService::SimBenchService(boost::asio::io_context& dispatch, VirtualScheduler* manual_clock)
    : dispatch_(dispatch), manual_clock_(manual_clock) {}

grpc::ServerUnaryReactor* SimBenchService::AdvanceClock(
    grpc::CallbackServerContext* context, const chair::v1::AdvanceClockRequest* request,
    chair::v1::AdvanceClockResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (manual_clock_ == nullptr) {
    reactor->Finish({grpc::StatusCode::FAILED_PRECONDITION,
                     "the clock is not manual; start chaird with --clock manual to step it"});
    return reactor;
  }
  if (request->duration_ms() <= 0 || request->duration_ms() > kMaxAdvanceMs) {
    reactor->Finish(
        {grpc::StatusCode::INVALID_ARGUMENT, "duration_ms must be between 1 ms and 24 h"});
    return reactor;
  }
  const std::int64_t by = request->duration_ms();
  boost::asio::post(dispatch_, [this, reactor, response, by] {
    manual_clock_->advance(std::chrono::milliseconds(by));
    response->set_chair_time_ms(to_ms(manual_clock_->now()));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace chaird::api
