#include "refusal_log.hpp"

#include <grpcpp/server_context.h>
#include <spdlog/spdlog.h>

#include "common/utf8_text.hpp"
#include "error_status.hpp"

namespace chaird::api {
namespace {

constexpr std::size_t kMaxLoggedMessageBytes = 300;

class RefusalLog final : public grpc::experimental::Interceptor {
 public:
  RefusalLog(grpc::experimental::ServerRpcInfo* info, const RefusalLogFactory::Describe& describe)
      : info_(info), describe_(describe) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    // Who asked is worked out as the call arrives, on a gRPC thread: the status may be sent
    // from the dispatch thread, which must not wait for anything but the log's queue.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA) &&
        who_.empty()) {
      who_ = describe_(*info_->server_context());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (is_refusal(status.error_code())) {
        spdlog::warn("{} from {} refused: {}: {}", info_->method(),
                     who_.empty() ? std::string("an unknown peer") : who_,
                     status_code_name(status.error_code()),
                     one_line(status.error_message(), kMaxLoggedMessageBytes));
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const RefusalLogFactory::Describe& describe_;
  std::string who_;
};

}  // namespace

bool is_refusal(grpc::StatusCode code) {
  return code != grpc::StatusCode::OK && code != grpc::StatusCode::CANCELLED &&
         code != grpc::StatusCode::DEADLINE_EXCEEDED;
}

grpc::experimental::Interceptor* RefusalLogFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RefusalLog(info, describe_);
}

}  // namespace chaird::api
