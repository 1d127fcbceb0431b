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
// A diagnostic as a client may show it: valid UTF-8, one line, at most 600 bytes of message.
chair::v1::ProgramDiagnostic to_proto(const Diagnostic& d);

}  // namespace chaird::api
