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
// Diagnostics as an answer lists them: sorted, at most 100 (errors first), then one that counts
// the rest, so that a file with a problem in each of thousands of steps does not answer with
// megabytes (past the 4 MB a gRPC client takes by default, it would get no answer at all).
void add_listed(Diagnostics found,
                google::protobuf::RepeatedPtrField<chair::v1::ProgramDiagnostic>& out);

}  // namespace chaird::api
