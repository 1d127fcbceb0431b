// Between the core's types and the API's messages.
#pragma once

#include <grpcpp/grpcpp.h>

#include "chair/v1/control.pb.h"
#include "chair/v1/technique.pb.h"
#include "error_status.hpp"
#include "library/program_library.hpp"
#include "plugin_host/plugin_library.hpp"

namespace chaird::api {

chair::v1::TechniqueDescription to_proto(const LoadedTechnique& technique);
chair::v1::ProgramSummary to_proto(const LibraryEntry& entry);

}  // namespace chaird::api
