// How chaird's gRPC services read a request: as protobuf does, except that text that is not
// valid UTF-8, or bytes that are not the message at all, do not fail the call before chaird
// sees it. gRPC's callback API answers a request it cannot parse with UNIMPLEMENTED and no
// message; a kiosk needs INVALID_ARGUMENT with the field's path. So such a request is read with
// the unreadable text left empty, each unreadable field noted (unreadable_fields()), and the
// service refuses it with the paths before doing anything else.
//
// The specializations below must be seen wherever gRPC's serialization of these messages is
// instantiated: the generated control.grpc.pb.cc includes this header first (protos/
// CMakeLists.txt), and no other file instantiates them (the generated stubs and services are the
// only code that serializes requests).
#pragma once

#include <grpcpp/impl/codegen/proto_utils.h>

#include <string>
#include <vector>

#include "chair/v1/control.pb.h"
#include "chair/v1/sitter.pb.h"

namespace chair::wire {

// The field number under which a request carries what could not be read (in its unknown
// fields). chaird's own: a request that carries it is refused as not a message at all.
inline constexpr int kUnreadableFieldNumber = 536'870'000;

// Reads bytes into message. Strings of invalid UTF-8 (at any depth) are left empty and the
// first 20 of their paths ("manual.technique", "health_conditions[2]") noted; bytes that are not
// a message of this type (or that carry kUnreadableFieldNumber) leave it empty with the path ""
// noted. Never fails for either.
void read_request(const std::string& bytes, google::protobuf::Message& message);
// Empties message and notes it unreadable as a whole (the path "").
void mark_unreadable(google::protobuf::Message& message);

// What read_request could not read, in the order met; empty for a request read whole.
std::vector<std::string> unreadable_fields(const google::protobuf::Message& message);

template <class T>
class RequestTraits {
 public:
  static grpc::Status Serialize(const grpc::protobuf::MessageLite& msg, grpc::ByteBuffer* bb,
                                bool* own_buffer) {
    return grpc::GenericSerialize<grpc::ProtoBufferWriter, T>(msg, bb, own_buffer);
  }
  static grpc::Status Deserialize(grpc::ByteBuffer* buffer, grpc::protobuf::MessageLite* msg) {
    if (buffer == nullptr) return {grpc::StatusCode::INTERNAL, "No payload"};
    std::vector<grpc::Slice> slices;
    const bool dumped = buffer->Dump(&slices).ok();
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    buffer->Clear();
    if (dumped) {
      read_request(bytes, *static_cast<T*>(msg));
    } else {
      mark_unreadable(*static_cast<T*>(msg));
    }
    return grpc::Status::OK;
  }
};

}  // namespace chair::wire

// Every request message of chair.v1.ChairControl and chair.v1.SimBench (a test checks the list
// against the services' descriptors).
#define CHAIR_REQUEST_TYPES(X)    \
  X(GetChairRequest)              \
  X(ListProgramsRequest)          \
  X(GetProgramRequest)            \
  X(ListTechniquesRequest)        \
  X(ListHealthConditionsRequest)  \
  X(ValidateProgramRequest)       \
  X(SaveProgramRequest)           \
  X(DeleteProgramRequest)         \
  X(StartSessionRequest)          \
  X(ComposeSessionRequest)        \
  X(StopSessionRequest)           \
  X(PauseSessionRequest)          \
  X(AdjustSessionRequest)         \
  X(ResumeSessionRequest)         \
  X(KeepAliveRequest)             \
  X(TakeOverSessionRequest)       \
  X(EmergencyStopRequest)         \
  X(ResetFaultRequest)            \
  X(ResetSafetyRequest)           \
  X(WatchSessionRequest)          \
  X(WatchTelemetryRequest)        \
  X(GetUserProfileRequest)        \
  X(UserProfile)                  \
  X(DeleteUserProfileRequest)     \
  X(ListSessionHistoryRequest)    \
  X(RecordSessionFeedbackRequest) \
  X(AdvanceClockRequest)          \
  X(HoldStartsRequest)            \
  X(AwaitHeldStartRequest)        \
  X(ReleaseStartsRequest)         \
  X(InjectFaultRequest)

#define CHAIR_READ_REQUEST(T)                         \
  template <>                                         \
  class grpc::SerializationTraits<chair::v1::T, void> \
      : public chair::wire::RequestTraits<chair::v1::T> {};
CHAIR_REQUEST_TYPES(CHAIR_READ_REQUEST)
#undef CHAIR_READ_REQUEST

namespace chair::wire {

// The full names of the messages read with read_request ("chair.v1.StartSessionRequest").
inline std::vector<std::string> requests_read_tolerantly() {
#define CHAIR_REQUEST_NAME(T) "chair.v1." #T,
  return {CHAIR_REQUEST_TYPES(CHAIR_REQUEST_NAME)};
#undef CHAIR_REQUEST_NAME
}

}  // namespace chair::wire
