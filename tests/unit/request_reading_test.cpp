// protos/wire/request_reading: how chaird's services read a request. Text that is not UTF-8 and
// bytes that are not the message are noted by path instead of failing the call, and every
// request of both services is read this way.
#include "wire/request_reading.hpp"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "chair/v1/control.pb.h"
#include "garbled_text.hpp"

namespace chair::wire {
namespace {

using chaird::test::garbled;
using ::testing::ElementsAre;

TEST(RequestReading, AWholeRequestIsReadAsProtobufReadsIt) {
  v1::StartSessionRequest sent;
  sent.set_program_id("neck_shoulders");
  sent.set_intensity_scale(0.8);
  sent.add_health_conditions("varicose_veins");
  sent.mutable_manual()->set_zone("shoulders");
  v1::StartSessionRequest read;
  read_request(sent.SerializeAsString(), read);
  EXPECT_EQ(read.SerializeAsString(), sent.SerializeAsString());
  EXPECT_TRUE(unreadable_fields(read).empty());
}

TEST(RequestReading, TextThatIsNotUtf8IsEmptiedAndNamedByItsPathAtAnyDepth) {
  v1::StartSessionRequest sent;
  sent.set_program_id("neck_shoulders");
  sent.add_health_conditions("varicose_veins");
  sent.add_health_conditions("@@BAD@@");
  sent.set_client_name("kiosk @@BAD@@");
  sent.mutable_manual()->set_technique("@@BAD@@");
  sent.mutable_manual()->set_zone("shoulders");
  sent.mutable_focus()->add_areas("neck");
  sent.mutable_focus()->add_areas("@@BAD@@");
  v1::StartSessionRequest read;
  read_request(garbled(sent), read);
  EXPECT_THAT(unreadable_fields(read), ElementsAre("health_conditions[1]", "client_name",
                                                   "manual.technique", "focus.areas[1]"));
  // What could be read is kept; what could not is empty.
  EXPECT_EQ(read.program_id(), "neck_shoulders");
  EXPECT_THAT(read.health_conditions(), ElementsAre("varicose_veins", ""));
  EXPECT_EQ(read.client_name(), "");
  EXPECT_EQ(read.manual().technique(), "");
  EXPECT_EQ(read.manual().zone(), "shoulders");
}

TEST(RequestReading, BytesThatAreNotTheMessageLeaveItEmptyAndSaySo) {
  v1::AdjustSessionRequest sent;
  sent.set_lease_token("token");
  sent.set_intensity_scale(0.5);
  const std::string whole = sent.SerializeAsString();
  for (const std::string& bytes :
       {std::string("\xff\xff\xff\xff", 4), whole.substr(0, whole.size() - 3),
        std::string("\x0a\x7f", 2) /* a string longer than what follows */,
        std::string("\x0c", 1) /* an end-group tag with no group */}) {
    v1::AdjustSessionRequest read;
    read_request(bytes, read);
    EXPECT_THAT(unreadable_fields(read), ElementsAre("")) << ::testing::PrintToString(bytes);
    EXPECT_EQ(read.lease_token(), "");
  }
}

TEST(RequestReading, FieldsFromANewerClientPassAndTheReservedNumberIsRefused) {
  v1::KeepAliveRequest sent;
  sent.set_lease_token("token");
  auto* unknown = sent.GetReflection()->MutableUnknownFields(&sent);
  unknown->AddVarint(99, 7);
  unknown->AddLengthDelimited(100, std::string("\xff", 1));  // not a string field here
  v1::KeepAliveRequest read;
  read_request(sent.SerializeAsString(), read);
  EXPECT_TRUE(unreadable_fields(read).empty());
  EXPECT_EQ(read.lease_token(), "token");
  // A client that sends the number chaird notes unreadable fields under (a forged note, or a
  // thousand of them) is not read at all: one note, for the whole message.
  for (int i = 0; i < 1000; ++i) {
    sent.GetReflection()->MutableUnknownFields(&sent)->AddLengthDelimited(kUnreadableFieldNumber,
                                                                          "forged");
  }
  read_request(sent.SerializeAsString(), read);
  EXPECT_THAT(unreadable_fields(read), ElementsAre(""));
  EXPECT_EQ(read.lease_token(), "");
}

TEST(RequestReading, AFloodOfBadStringsCostsTwentyNotes) {
  v1::EmergencyStopRequest sent;
  sent.set_reason("@@BAD@@");
  const std::string one = garbled(sent);
  std::string flood;
  for (int i = 0; i < 100'000; ++i) flood += one;  // the same field, again and again
  v1::EmergencyStopRequest read;
  read_request(flood, read);
  EXPECT_EQ(unreadable_fields(read).size(), 20u);
  EXPECT_EQ(read.reason(), "");
}

TEST(RequestReading, EveryRequestOfBothServicesIsReadThisWay) {
  const auto read = requests_read_tolerantly();
  int methods = 0;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* name : {"chair.v1.ChairControl", "chair.v1.SimBench"}) {
    const auto* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      ++methods;
      const auto& type = service->method(i)->input_type()->full_name();
      EXPECT_NE(std::find(read.begin(), read.end(), type), read.end())
          << service->method(i)->full_name() << " takes " << type
          << ", which protos/wire/request_reading.hpp does not list";
    }
  }
  EXPECT_GT(methods, 30);
}

}  // namespace
}  // namespace chair::wire
