// Crash safety of what chaird keeps: chaird is killed with SIGKILL at a random moment while a
// client saves a custom program and a sitter's profile and runs sessions (each leaves a row in
// the history, and the sitter's feedback on it), over and over; then started again on the same
// state directory. Each round checks that:
//   - chaird starts (its database opens);
//   - the program and the profile are each one of the versions sent, whole, and none older
//     than the last one acknowledged;
//   - every session whose start was acknowledged is in the history, with every acknowledged
//     change made to it, and every acknowledged feedback is on its session.
//
//   chaird_crash_bench CHAIRD_BINARY [--rounds 200] [--seed 1]        (bench/crash.sh)
//
// Prints the rounds, how many kills came with a call in flight, and every violation; exits 1
// on any.
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_probe.hpp"
#include "wire/chair_services.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  std::string chaird;
  int rounds = 200;
  unsigned seed = 1;
};

// What the client sent and what chaird acknowledged, across all rounds.
struct Ledger {
  std::mutex mutex;
  long program_sent = 0, program_acked = 0;
  long profile_sent = 0, profile_acked = 0;
  std::set<std::string> sessions_acked;  // "user/session"
  std::set<std::string> adjustments_acked;
  std::set<std::string> feedback_acked;
  // The call under way when chaird was killed (kCalls' index, or -1).
  std::atomic<int> in_flight{-1};
};

constexpr const char* kCalls[] = {"SaveProgram", "SaveUserProfile", "StartSession", "AdjustSession",
                                  "RecordSessionFeedback"};
constexpr int kCallCount = std::size(kCalls);
constexpr double kAdjustedIntensity = 0.6;
constexpr int kSavesPerSession = 4;  // the kills land mostly in saves, the point of the bench

std::string program_text(long version) {
  std::ifstream in(std::string(CHAIRD_SOURCE_DIR) + "/sequences/programs/quick_relief.textproto");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const auto replace = [&s](const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    if (at != std::string::npos) s.replace(at, from.size(), to);
  };
  replace("id: \"quick_relief\"", "id: \"crash_custom\"");
  replace("name: \"Quick relief\"", "name: \"version " + std::to_string(version) + "\"");
  return s;
}

pid_t start_chaird(const Options& o, const fs::path& dir) {
  std::fflush(stdout);  // the child would write what is buffered again
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string socket = (dir / "chaird.sock").string();
    const std::string state = (dir / "state").string();
    const std::string log = (dir / "chaird.log").string();
    std::freopen(log.c_str(), "a", stderr);
    std::freopen(log.c_str(), "a", stdout);
    ::execl(o.chaird.c_str(), o.chaird.c_str(), "--socket", socket.c_str(), "--state-dir",
            state.c_str(), "--clock", "manual", "--client-lease-ms", "-1", "--log-level", "warn",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

grpc::ClientContext* with_deadline(grpc::ClientContext& c, int seconds = 10) {
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return &c;
}

// A call the ledger marks as under way, so that a kill during it is counted as such.
template <class Call>
grpc::Status tracked(Ledger& ledger, int call, int deadline_s, Call make) {
  grpc::ClientContext c;
  ledger.in_flight = call;
  const grpc::Status s = make(with_deadline(c, deadline_s));
  ledger.in_flight = -1;
  return s;
}

// The client's work until chaird goes away: saves and sessions, each acknowledgement noted.
void work(chair::v1::ChairControl::Stub& control, chair::v1::SimBench::Stub& bench,
          const std::string& user, Ledger& ledger) {
  for (int n = 0;; ++n) {
    long version = 0;
    {
      std::lock_guard lock(ledger.mutex);
      version = ++ledger.program_sent;
    }
    {
      chair::v1::SaveProgramRequest q;
      q.set_text(program_text(version));
      q.set_file_name("crash_custom.textproto");
      q.set_replace(true);
      chair::v1::SaveProgramResponse r;
      if (!tracked(ledger, 0, 10, [&](auto* c) { return control.SaveProgram(c, q, &r); }).ok())
        return;
      std::lock_guard lock(ledger.mutex);
      ledger.program_acked = std::max(ledger.program_acked, version);
    }
    {
      std::lock_guard lock(ledger.mutex);
      version = ++ledger.profile_sent;
    }
    {
      chair::v1::UserProfile q;
      q.set_user_id("crash-sitter");
      q.set_display_name("version " + std::to_string(version));
      chair::v1::UserProfile r;
      if (!tracked(ledger, 1, 10, [&](auto* c) { return control.SaveUserProfile(c, q, &r); }).ok())
        return;
      std::lock_guard lock(ledger.mutex);
      ledger.profile_acked = std::max(ledger.profile_acked, version);
    }
    if (n % kSavesPerSession != 0) continue;
    std::string session;
    {
      chair::v1::StartSessionRequest q;
      q.set_program_id("quick_relief");
      q.set_user_id(user);
      q.set_client_name("crash bench");
      chair::v1::StartSessionResponse r;
      if (!tracked(ledger, 2, 30, [&](auto* c) { return control.StartSession(c, q, &r); }).ok())
        return;
      session = r.session_id();
      {
        std::lock_guard lock(ledger.mutex);
        ledger.sessions_acked.insert(user + "/" + session);
      }
      chair::v1::AdjustSessionRequest change;
      change.set_lease_token(r.lease_token());
      change.set_intensity_scale(kAdjustedIntensity);
      chair::v1::AdjustSessionResponse changed;
      if (!tracked(ledger, 3, 30, [&](auto* c) {
             return control.AdjustSession(c, change, &changed);
           }).ok())
        return;
      std::lock_guard lock(ledger.mutex);
      ledger.adjustments_acked.insert(user + "/" + session);
    }
    {
      chair::v1::StopSessionResponse r;
      grpc::ClientContext c;
      if (!control.StopSession(with_deadline(c), {}, &r).ok()) return;
      chair::v1::AdvanceClockRequest q;
      q.set_duration_ms(10'000);  // the stop's cool-down
      chair::v1::AdvanceClockResponse a;
      grpc::ClientContext c2;
      if (!bench.AdvanceClock(with_deadline(c2), q, &a).ok()) return;
    }
    {
      chair::v1::RecordSessionFeedbackRequest q;
      q.set_session_id(session);
      q.set_user_id(user);
      q.mutable_feedback()->set_discomfort_before(6);
      q.mutable_feedback()->set_discomfort_after(2);
      q.mutable_feedback()->set_note("round feedback");
      chair::v1::RecordSessionFeedbackResponse r;
      if (!tracked(ledger, 4, 10, [&](auto* c) {
             return control.RecordSessionFeedback(c, q, &r);
           }).ok())
        return;
      std::lock_guard lock(ledger.mutex);
      ledger.feedback_acked.insert(user + "/" + session);
    }
  }
}

long version_of(const std::string& name) {
  if (name.rfind("version ", 0) != 0) return -1;
  return std::atol(name.c_str() + 8);
}

// A record kept as name ("version N"), or refused with status: it must be there once a version
// was acknowledged, and be one that was sent and none older than the last acknowledged.
void check_version(const std::string& what, const grpc::Status& status, const std::string& name,
                   long acked, long sent, std::vector<std::string>& wrong) {
  if (!status.ok()) {
    if (acked > 0) {
      wrong.push_back(what + " acknowledged at version " + std::to_string(acked) +
                      " is gone: " + status.error_message());
    }
    return;
  }
  const long v = version_of(name);
  if (v < acked || v > sent) {
    wrong.push_back(what + " is '" + name + "', acknowledged " + std::to_string(acked) + ", sent " +
                    std::to_string(sent));
  }
}

// What the restarted chaird keeps, against the ledger; every violation, one per line.
std::vector<std::string> check(chair::v1::ChairControl::Stub& control, Ledger& ledger,
                               const std::vector<std::string>& users) {
  std::vector<std::string> wrong;
  std::lock_guard lock(ledger.mutex);
  {
    chair::v1::GetProgramRequest q;
    q.set_program_id("crash_custom");
    chair::v1::GetProgramResponse r;
    grpc::ClientContext c;
    const auto s = control.GetProgram(with_deadline(c), q, &r);
    check_version("the custom program", s, r.program().metadata().name(), ledger.program_acked,
                  ledger.program_sent, wrong);
  }
  {
    chair::v1::GetUserProfileRequest q;
    q.set_user_id("crash-sitter");
    chair::v1::UserProfile r;
    grpc::ClientContext c;
    const auto s = control.GetUserProfile(with_deadline(c), q, &r);
    check_version("the profile", s, r.display_name(), ledger.profile_acked, ledger.profile_sent,
                  wrong);
  }
  for (const auto& user : users) {
    chair::v1::ListSessionHistoryRequest q;
    q.set_user_id(user);
    q.set_limit(1000);
    chair::v1::ListSessionHistoryResponse r;
    grpc::ClientContext c;
    const auto s = control.ListSessionHistory(with_deadline(c), q, &r);
    if (!s.ok()) {
      wrong.push_back("the history of " + user + " cannot be read: " + s.error_message());
      continue;
    }
    std::set<std::string> kept, with_feedback, adjusted;
    for (const auto& record : r.sessions()) {
      kept.insert(user + "/" + record.session_id());
      for (const auto& a : record.adjustments()) {
        if (a.change() == fmt::format("intensity {:g}", kAdjustedIntensity))
          adjusted.insert(user + "/" + record.session_id());
      }
      if (record.feedback().has_discomfort_after())
        with_feedback.insert(user + "/" + record.session_id());
    }
    for (const auto& id : ledger.sessions_acked) {
      if (id.rfind(user + "/", 0) == 0 && !kept.count(id)) {
        wrong.push_back("session " + id + ", whose start was acknowledged, is not in the history");
      }
    }
    for (const auto& id : ledger.adjustments_acked) {
      if (id.rfind(user + "/", 0) == 0 && !adjusted.count(id)) {
        wrong.push_back("the acknowledged change to session " + id + " is not in the history");
      }
    }
    for (const auto& id : ledger.feedback_acked) {
      if (id.rfind(user + "/", 0) == 0 && !with_feedback.count(id)) {
        wrong.push_back("the acknowledged feedback on " + id + " is lost");
      }
    }
  }
  return wrong;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::fprintf(stderr, "usage: chaird_crash_bench CHAIRD [--rounds N] [--seed S]\n");
    return 2;
  }
  o.chaird = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") o.rounds = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--seed") o.seed = static_cast<unsigned>(std::atol(argv[i + 1]));
  }
  const fs::path dir =
      fs::temp_directory_path() / ("chaird-crash-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::mt19937 random(o.seed);
  std::uniform_int_distribution<int> kill_after_ms(20, 400);
  Ledger ledger;
  std::vector<std::string> users;
  int failures = 0;
  int killed_in[kCallCount] = {};
  std::set<std::string> reported;
  for (int round = 1; round <= o.rounds; ++round) {
    const std::string user = "crash-" + std::to_string(round);
    users.push_back(user);
    const pid_t pid = start_chaird(o, dir);
    auto channel = grpc::CreateChannel("unix:" + (dir / "chaird.sock").string(),
                                       grpc::InsecureChannelCredentials());
    if (!chaird::bench::wait_until_serving(channel, std::chrono::seconds(60))) {
      std::printf("round %d: chaird did not start on the state it left (see %s)\n", round,
                  (dir / "chaird.log").c_str());
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ++failures;
      break;
    }
    auto control = chair::v1::ChairControl::NewStub(channel);
    auto bench = chair::v1::SimBench::NewStub(channel);
    // What the last round's kill left, checked now that chaird has started on it.
    for (const auto& wrong : check(*control, ledger, users)) {
      if (!reported.insert(wrong).second) continue;  // a loss stays lost: said once
      std::printf("after round %d: %s\n", round - 1, wrong.c_str());
      ++failures;
    }
    std::thread client([&] { work(*control, *bench, user, ledger); });
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(random)));
    if (const int call = ledger.in_flight; call >= 0) ++killed_in[call];
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    client.join();
  }
  // The last kill, checked by one more start.
  const pid_t pid = start_chaird(o, dir);
  auto channel = grpc::CreateChannel("unix:" + (dir / "chaird.sock").string(),
                                     grpc::InsecureChannelCredentials());
  if (chaird::bench::wait_until_serving(channel, std::chrono::seconds(60))) {
    auto control = chair::v1::ChairControl::NewStub(channel);
    for (const auto& wrong : check(*control, ledger, users)) {
      if (!reported.insert(wrong).second) continue;
      std::printf("after round %d: %s\n", o.rounds, wrong.c_str());
      ++failures;
    }
  } else {
    std::printf("after the last round: chaird did not start\n");
    ++failures;
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  std::string during;
  for (int k = 0; k < kCallCount; ++k)
    during += fmt::format("{}{} {}", k ? ", " : "", killed_in[k], kCalls[k]);
  std::printf(
      "crash safety: %d rounds, chaird killed with SIGKILL in each (during a call: %s); "
      "program saves sent %ld, acknowledged %ld; profile saves sent %ld, acknowledged %ld; "
      "sessions acknowledged %zu, changes acknowledged %zu, feedback acknowledged %zu; "
      "violations %d\n",
      o.rounds, during.c_str(), ledger.program_sent, ledger.program_acked, ledger.profile_sent,
      ledger.profile_acked, ledger.sessions_acked.size(), ledger.adjustments_acked.size(),
      ledger.feedback_acked.size(), failures);
  if (failures == 0) fs::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
