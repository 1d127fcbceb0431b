// The engineer's replay bench over gRPC: served only when chaird drives the simulated chair.
#pragma once

#include <boost/asio/io_context.hpp>

#include "chair/v1/control.grpc.pb.h"
#include "clock/virtual_scheduler.hpp"

namespace chaird::api {

class SimBenchService final : public chair::v1::SimBench::CallbackService {
 public:
  // manual_clock is null unless the clock mode is MANUAL.
  SimBenchService(boost::asio::io_context& dispatch, VirtualScheduler* manual_clock);

  grpc::ServerUnaryReactor* AdvanceClock(grpc::CallbackServerContext* context,
                                         const chair::v1::AdvanceClockRequest* request,
                                         chair::v1::AdvanceClockResponse* response) override;

 private:
  boost::asio::io_context& dispatch_;
  VirtualScheduler* manual_clock_;
};

}  // namespace chaird::api
