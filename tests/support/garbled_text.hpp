// Requests with text that is not UTF-8, for the tests of how chaird reads them: a message is
// built with a placeholder where the bad text goes, serialized, and the placeholder replaced
// with bytes that are not UTF-8 (a client library would refuse to send them itself).
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

namespace chaird::test {

// Seven bytes, the length of the placeholder they replace, so that no length changes.
inline constexpr std::string_view kGarbledPlaceholder = "@@BAD@@";
inline const std::string kNotUtf8("\xff\xfe\xfd\xc0\xaf\xed\xa0", 7);

// The message's bytes with every kGarbledPlaceholder made invalid UTF-8.
inline std::string garbled(const google::protobuf::Message& m) {
  std::string bytes = m.SerializeAsString();
  for (auto at = bytes.find(kGarbledPlaceholder); at != std::string::npos;
       at = bytes.find(kGarbledPlaceholder, at))
    bytes.replace(at, kGarbledPlaceholder.size(), kNotUtf8);
  return bytes;
}

}  // namespace chaird::test
