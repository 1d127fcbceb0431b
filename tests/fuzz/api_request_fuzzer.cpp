// Every request of the control API (ChairControl and SimBench), sent as bytes to the real
// chaird, running in this process on the simulated chair with the manual clock, over a real
// Unix socket: the server decodes each request as it decodes any client's and hands it to the
// service. The input names the method on its first line; then 't' and the request in text
// format (a well-formed message, to reach deep into the service), or any other byte and the
// request's bytes as they go on the wire (whatever a hostile client sends).
//
// A finding: a crash or sanitizer report, a call that outlives its deadline, or chaird no
// longer answering GetChair after an input.
//
// Left out: SimBench.HoldStarts and AwaitHeldStart, the tests' hooks that hold a start until
// the test lets it go (a held start would only make every later input wait for its deadline).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/utf8_text.hpp"
#include "config/daemon_config.hpp"
#include "daemon.hpp"
#include "fuzz_support.hpp"

namespace chaird::fuzz {
namespace {

namespace pb = google::protobuf;
constexpr auto kCallDeadline = std::chrono::seconds(5);
// AdvanceClock is the one call whose work grows with what it asks: up to five minutes of
// chair time stepped through, which takes seconds under the sanitizers when the chair cannot
// come to rest (an hour of it took 37 s, when the bound was an hour). Still under libFuzzer's
// own -timeout of 10 s, so that the finding says which call.
constexpr auto kAdvanceDeadline = std::chrono::seconds(8);

struct Method {
  std::string path;  // "/chair.v1.ChairControl/StartSession"
  std::string name;
  const pb::Descriptor* request = nullptr;
  const pb::Descriptor* response = nullptr;
  bool streams = false;
};

std::vector<Method> api_methods() {
  std::vector<Method> methods;
  for (const char* service_name : {"chair.v1.ChairControl", "chair.v1.SimBench"}) {
    const auto* service = pb::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    if (service == nullptr) finding(std::string("no service ") + service_name);
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* m = service->method(i);
      if (m->name() == "HoldStarts" || m->name() == "AwaitHeldStart") continue;
      methods.push_back({"/" + service->full_name() + "/" + m->name(), m->name(), m->input_type(),
                         m->output_type(), m->server_streaming()});
    }
  }
  return methods;
}

class ChairdUnderTest {
 public:
  ChairdUnderTest() {
    // In memory: chaird's database commits each session's history, and on a disk each commit
    // waits for the disk.
    dir_ = scratch_dir() / "chaird";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    chair::v1::DaemonConfig config = default_config(CHAIRD_BINARY_DIR);
    config.set_listen_unix((dir_ / "chaird.sock").string());
    config.set_state_dir((dir_ / "state").string());
    config.mutable_clock()->set_mode(chair::v1::MANUAL);
    config.set_log_level("error");
    spdlog::set_level(
        spdlog::level::off);  // chaird's log of every refusal would drown the fuzzer's
    if (!daemon_.start(config)) finding("chaird does not start");
    channel_ =
        grpc::CreateChannel("unix:" + config.listen_unix(), grpc::InsecureChannelCredentials());
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }
  ~ChairdUnderTest() {
    daemon_.stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static void check_response(const Method& m, const grpc::ByteBuffer& buffer) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (!buffer.Dump(&slices).ok()) return;
    for (const auto& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    std::unique_ptr<pb::Message> parsed(
        pb::MessageFactory::generated_factory()->GetPrototype(m.response)->New());
    if (!parsed->ParseFromString(bytes)) {
      finding(m.name + "'s answer does not parse as " + m.response->full_name() +
              " (a string that is not valid UTF-8?)");
    }
  }

  grpc::Status call(const Method& m, const std::string& bytes) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         (m.name == "AdvanceClock" ? kAdvanceDeadline : kCallDeadline));
    grpc::Slice s(bytes.data(), bytes.size());
    grpc::ByteBuffer request(&s, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    grpc::CompletionQueue cq;
    void* tag = nullptr;
    bool ok = false;
    if (!m.streams) {
      auto reader = stub_->PrepareUnaryCall(&context, m.path, request, &cq);
      reader->StartCall();
      reader->Finish(&response, &status, &context);
      cq.Next(&tag, &ok);
    } else {
      // A watch: the request, the first answer, then the client goes away.
      auto stream = stub_->PrepareCall(&context, m.path, &cq);
      stream->StartCall(&context);
      cq.Next(&tag, &ok);
      if (ok) {
        stream->Write(request, &context);
        cq.Next(&tag, &ok);
      }
      if (ok) {
        stream->WritesDone(&context);
        cq.Next(&tag, &ok);
      }
      if (ok) {
        stream->Read(&response, &context);
        cq.Next(&tag, &ok);
      }
      context.TryCancel();
      stream->Finish(&status, &context);
      cq.Next(&tag, &ok);
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      finding(m.name + " outlived its deadline");
    }
    // What a kiosk reads must read: the answer parses as the method's response (a string field
    // with invalid UTF-8 does not), and the error message is UTF-8 text.
    if (status.ok() || (m.streams && response.Length() > 0)) check_response(m, response);
    if (first_invalid_utf8(status.error_message()) != std::string::npos) {
      finding(m.name + " answered with an error message that is not valid UTF-8");
    }
    return status;
  }

 private:
  std::filesystem::path dir_;
  Daemon daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

struct Fuzzing {
  std::vector<Method> methods = api_methods();
  std::unique_ptr<ChairdUnderTest> chaird = std::make_unique<ChairdUnderTest>();
  const Method* get_chair = nullptr;
  Fuzzing() {
    for (const auto& m : methods) {
      if (m.name == "GetChair") get_chair = &m;
    }
  }
};

Fuzzing& fuzzing() {
  static Fuzzing* f = new Fuzzing();  // lives until the process ends, as chaird would
  return *f;
}

const Method& method_named(std::string_view line, const std::vector<Method>& methods) {
  for (const auto& m : methods) {
    if (m.name == line) return m;
  }
  std::size_t h = 0;
  for (char c : line) h = h * 31 + static_cast<unsigned char>(c);
  return methods[h % methods.size()];
}

}  // namespace
}  // namespace chaird::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaird::fuzz;
  auto& f = fuzzing();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view first_line = input.substr(0, newline);
  std::string_view rest =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  const Method& m = method_named(first_line, f.methods);
  std::string bytes;
  if (!rest.empty() && rest.front() == 't') {
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(m.request)->New());
    pb::TextFormat::Parser parser;
    if (!parser.ParseFromString(std::string(rest.substr(1)), request.get())) return -1;
    bytes = request->SerializeAsString();
  } else if (!rest.empty()) {
    bytes = std::string(rest.substr(1));
  }
  (void)f.chaird->call(m, bytes);
  // chaird still answers.
  const auto alive = f.chaird->call(*f.get_chair, {});
  if (!alive.ok()) finding("chaird stopped answering GetChair: " + alive.error_message());
  return 0;
}
