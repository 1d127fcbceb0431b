// chair.v1's gRPC services (ChairControl, SimBench) together with the way chaird reads their
// requests (wire/request_reading.hpp). gRPC instantiates a request's reading wherever a service
// or a stub is used, so every file must see both: include this, never chair/v1/control.grpc.pb.h
// itself (scripts/check_layers.py refuses that).
#pragma once

// The specializations first, then the services that use them.
// clang-format off
#include "wire/request_reading.hpp"
#include "chair/v1/control.grpc.pb.h"
// clang-format on
