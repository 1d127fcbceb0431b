// The engineer's replay bench over gRPC: served only when chaird drives the simulated chair.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <optional>
#include <string_view>

#include "access_control.hpp"
#include "clock/virtual_scheduler.hpp"
#include "model/simulated_chair.hpp"
#include "session/start_hold.hpp"
#include "wire/chair_services.hpp"

namespace chaird::api {

struct SimBenchDependencies {
  const AccessControl& access;  // the bench is for staff (access_control.hpp)
  boost::asio::io_context& dispatch;
  boost::asio::thread_pool& planning;
  // Null unless the clock mode is MANUAL: the bench steps time and holds starts only then.
  VirtualScheduler* manual_clock = nullptr;
  StartHold* start_hold = nullptr;
  // The in-process chair, which suffers injected faults itself; null when chaird drives a
  // board over the link...
  sim::SimulatedChair* chair = nullptr;
  // ...to which injected faults are sent instead (a simulated board suffers them; a real one
  // refuses, and chaird faults). Called on the dispatch thread.
  std::function<void(const sim::InjectedFault&)> send_fault_to_board;
  const ChairModel* model = nullptr;  // the chair a fault is checked against
};

class SimBenchService final : public chair::v1::SimBench::CallbackService {
 public:
  explicit SimBenchService(SimBenchDependencies deps);

  grpc::ServerUnaryReactor* AdvanceClock(grpc::CallbackServerContext* context,
                                         const chair::v1::AdvanceClockRequest* request,
                                         chair::v1::AdvanceClockResponse* response) override;
  grpc::ServerUnaryReactor* HoldStarts(grpc::CallbackServerContext* context,
                                       const chair::v1::HoldStartsRequest* request,
                                       chair::v1::HoldStartsResponse* response) override;
  grpc::ServerUnaryReactor* AwaitHeldStart(grpc::CallbackServerContext* context,
                                           const chair::v1::AwaitHeldStartRequest* request,
                                           chair::v1::AwaitHeldStartResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseStarts(grpc::CallbackServerContext* context,
                                          const chair::v1::ReleaseStartsRequest* request,
                                          chair::v1::ReleaseStartsResponse* response) override;
  grpc::ServerUnaryReactor* InjectFault(grpc::CallbackServerContext* context,
                                        const chair::v1::InjectFaultRequest* request,
                                        chair::v1::InjectFaultResponse* response) override;

 private:
  // Why the bench refuses this call (the caller's role; the clock is not manual; a request
  // that could not be read whole), or nothing.
  std::optional<grpc::Status> why_refuse(grpc::CallbackServerContext* context,
                                         std::string_view call,
                                         const google::protobuf::Message& request) const;
  static grpc::ServerUnaryReactor* refuse(grpc::CallbackServerContext* context,
                                          grpc::Status status);

  SimBenchDependencies deps_;
};

}  // namespace chaird::api
