// What a kiosk reads from a refused call's status: chair.v1.ErrorStatus in the status details
// (the invalid fields by path, what blocks the call, the message for the sitter).
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chair/v1/errors.pb.h"

namespace chaird::test {

struct Details {
  chair::v1::ErrorStatus status;
  std::map<std::string, chair::v1::BadRequest::FieldViolation> fields;  // by path
  std::vector<chair::v1::PreconditionFailure::Violation> blocking;
  std::string sitter_message;
};

// What a kiosk reads from a refused call's status.
inline Details details_of(const grpc::Status& status) {
  Details out;
  EXPECT_FALSE(status.error_details().empty()) << "no details: " << status.error_message();
  EXPECT_TRUE(out.status.ParseFromString(status.error_details()));
  EXPECT_EQ(out.status.code(), static_cast<int>(status.error_code()));
  EXPECT_EQ(out.status.message(), status.error_message());
  for (const auto& any : out.status.details()) {
    chair::v1::BadRequest bad;
    chair::v1::PreconditionFailure blocked;
    chair::v1::LocalizedMessage sitter;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) out.fields[v.field()] = v;
    } else if (any.UnpackTo(&blocked)) {
      out.blocking.assign(blocked.violations().begin(), blocked.violations().end());
    } else if (any.UnpackTo(&sitter)) {
      EXPECT_EQ(sitter.locale(), "en");
      out.sitter_message = sitter.message();
    } else {
      ADD_FAILURE() << "unexpected detail " << any.type_url();
    }
  }
  EXPECT_FALSE(out.sitter_message.empty()) << "every refusal has words for the sitter";
  return out;
}

}  // namespace chaird::test
