#include "wire/request_reading.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>

#include <map>

namespace chair::wire {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

// Deeper than any chair.v1 request nests; protobuf's own limit is 100.
constexpr int kMaxDepth = 32;
// Paths noted, at most: a request of a million bad strings must not cost a million notes.
constexpr std::size_t kMaxNoted = 20;

// Copies one message's fields from in to out, emptying each string that is not valid UTF-8
// (protobuf's own test, so that what passes here parses) and noting its path. False when the
// bytes are not a message.
bool copy_readable(CodedInputStream& in, const Descriptor& type, const std::string& prefix,
                   int depth, CodedOutputStream& out, std::vector<std::string>& unreadable) {
  std::map<int, int> seen;  // a repeated field's index, by field number
  while (const std::uint32_t tag = in.ReadTag()) {
    // The number chaird notes under is its own: a request that carries it is not read at all.
    if (depth == 0 && WireFormatLite::GetTagFieldNumber(tag) == kUnreadableFieldNumber)
      return false;
    const FieldDescriptor* field = type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    const bool delimited =
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    const bool text = field != nullptr && field->type() == FieldDescriptor::TYPE_STRING;
    const bool nested = field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE;
    if (!delimited || !(text || nested)) {
      if (!WireFormatLite::SkipField(&in, tag, &out)) return false;
      continue;
    }
    std::string path = prefix + field->name();
    if (field->is_repeated()) path += "[" + std::to_string(seen[field->number()]++) + "]";
    std::string value;
    std::uint32_t size = 0;
    if (!in.ReadVarint32(&size) || !in.ReadString(&value, static_cast<int>(size))) return false;
    if (text) {
      if (!google::protobuf::internal::IsStructurallyValidUTF8(value.data(),
                                                               static_cast<int>(value.size()))) {
        if (unreadable.size() < kMaxNoted) unreadable.push_back(path);
        value.clear();
      }
    } else {
      if (depth >= kMaxDepth) return false;
      std::string inner;
      {
        CodedInputStream nested_in(reinterpret_cast<const std::uint8_t*>(value.data()),
                                   static_cast<int>(value.size()));
        google::protobuf::io::StringOutputStream sink(&inner);
        CodedOutputStream nested_out(&sink);
        if (!copy_readable(nested_in, *field->message_type(), path + ".", depth + 1, nested_out,
                           unreadable) ||
            !nested_in.ConsumedEntireMessage()) {
          return false;
        }
      }
      value = std::move(inner);
    }
    out.WriteTag(tag);
    out.WriteVarint32(static_cast<std::uint32_t>(value.size()));
    out.WriteString(value);
  }
  return true;
}

}  // namespace

void mark_unreadable(google::protobuf::Message& message) {
  message.Clear();
  message.GetReflection()->MutableUnknownFields(&message)->AddLengthDelimited(
      kUnreadableFieldNumber, "");
}

void read_request(const std::string& bytes, google::protobuf::Message& message) {
  message.Clear();
  std::vector<std::string> unreadable;
  std::string readable;
  bool whole = false;
  {
    CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    google::protobuf::io::StringOutputStream sink(&readable);
    CodedOutputStream out(&sink);
    whole = copy_readable(in, *message.GetDescriptor(), "", 0, out, unreadable) &&
            in.ConsumedEntireMessage();
  }
  if (!whole || !message.ParseFromString(unreadable.empty() ? bytes : readable)) {
    mark_unreadable(message);
    return;
  }
  auto* unknown = message.GetReflection()->MutableUnknownFields(&message);
  for (const auto& path : unreadable) unknown->AddLengthDelimited(kUnreadableFieldNumber, path);
}

std::vector<std::string> unreadable_fields(const google::protobuf::Message& message) {
  std::vector<std::string> out;
  const auto& unknown = message.GetReflection()->GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& f = unknown.field(i);
    if (f.number() == kUnreadableFieldNumber &&
        f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}

}  // namespace chair::wire
