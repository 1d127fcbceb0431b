// Refusals as gRPC statuses: the code, a message for staff, and the structured details a kiosk
// acts on (chair.v1.ErrorStatus in the status's binary details; docs/api.md, "Errors").
#pragma once

#include <grpcpp/grpcpp.h>

#include "chair/v1/errors.pb.h"
#include "common/refusal.hpp"

namespace chaird::api {

// The structured form of a refusal, bounded so that it fits a response trailer.
chair::v1::ErrorStatus error_status(const Refusal& refusal);
// "INVALID_ARGUMENT", for logs.
const char* status_code_name(grpc::StatusCode code);
// The status a refused call finishes with, its details holding error_status(refusal).
grpc::Status to_status(const Refusal& refusal);

}  // namespace chaird::api
