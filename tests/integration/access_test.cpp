// Who may reach the chair: on the Unix socket chaird checks each peer's user and group itself
// (SO_PEERCRED) instead of trusting the socket file's mode alone. Tokens, roles and TLS are
// auth_test.cpp's.
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;

std::string fixture_programs() {
  return source_dir() + "/tests/integration/programs";
}

// Connects to the socket as uid/gid and says whether chaird served the connection: it sends its
// HTTP/2 settings at once to a peer it serves, and closes on one it refuses. Runs in a forked
// child (only system calls there), so that the test process keeps its own identity.
enum class Served { kYes, kNo, kError };
// The child enters the socket's directory while still root and connects by a relative name, so
// that only the socket's own directory and file decide whether it gets there: the directories
// above it (a 0700 temporary directory, a build machine's chroot whose root is 0700) are not
// what these tests are about.
Served connect_as(const std::string& socket_path, uid_t uid, gid_t gid) {
  const std::filesystem::path path(socket_path);
  const std::string dir = path.parent_path().string();
  const std::string name = path.filename().string();
  const pid_t child = fork();
  if (child == 0) {
    if (chdir(dir.c_str()) != 0) _exit(2);
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(2);
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (name.size() >= sizeof(addr.sun_path)) _exit(2);
    for (std::size_t i = 0; i < name.size(); ++i) addr.sun_path[i] = name[i];
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) _exit(2);
    // The HTTP/2 client preface, so that a served connection answers.
    const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if (send(fd, preface, sizeof(preface) - 1, MSG_NOSIGNAL) < 0) _exit(1);  // refused, closed
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20000) != 1) _exit(2);
    char byte = 0;
    const ssize_t n = read(fd, &byte, 1);
    _exit(n > 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status)) return Served::kError;
  switch (WEXITSTATUS(status)) {
    case 0:
      return Served::kYes;
    case 1:
      return Served::kNo;
    default:
      return Served::kError;
  }
}

// A second chaird on the same socket refuses to start, and leaves the first one's socket alone.
TEST(Access, ASecondChairdOnTheSameSocketLeavesTheFirstOnesSocketAlone) {
  DaemonProcess first(with_programs({fixture_programs()}));
  ASSERT_TRUE(first.ready()) << first.log();
  DaemonOptions options = with_programs({fixture_programs()});
  options.socket = first.socket();
  DaemonProcess second(options);  // (its readiness check reaches the first one: not used here)
  EXPECT_EQ(second.wait_for_exit(), 1);
  EXPECT_THAT(second.log(), HasSubstr("is in use: another chaird is running"));
  EXPECT_TRUE(std::filesystem::exists(first.socket()));
  // A new client still reaches the first chaird.
  auto channel =
      grpc::CreateChannel("unix:" + first.socket(), grpc::experimental::LocalCredentials(UDS));
  auto control = chair::v1::ChairControl::NewStub(channel);
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  chair::v1::ListProgramsResponse r;
  EXPECT_TRUE(control->ListPrograms(&c, {}, &r).ok());
}

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

// The socket's mode stops strangers at the file; chaird must stop them itself too (a socket
// made world-writable by mistake, a directory with loose permissions).
TEST(Access, OnTheUnixSocketChairdChecksThePeersUserAndGroupItself) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to connect as another user";
  DaemonProcess daemon(with_programs({fixture_programs()}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  // Open the way at the file system, as a mistake would.
  ASSERT_EQ(chmod(daemon.dir().c_str(), 0755), 0);
  ASSERT_EQ(chmod(daemon.socket().c_str(), 0666), 0);

  EXPECT_EQ(connect_as(daemon.socket(), kNobody, kNogroup), Served::kNo);
  EXPECT_EQ(connect_as(daemon.socket(), 0, 0), Served::kYes);  // chaird's own user
  // And the chair still answers its own kind.
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE);
  EXPECT_EQ(daemon.terminate(), 0);
  EXPECT_THAT(daemon.log(), HasSubstr("refused a connection"));
  EXPECT_THAT(daemon.log(), HasSubstr("uid 65534"));
}

// Out of file descriptors, the socket's accepting thread waits instead of spinning on a
// connection it cannot take, says so once, and serves again once descriptors are free.
// The descriptor number a process would get next (the lowest free one): a limit of it leaves the
// process without one more.
rlim_t next_fd(pid_t pid) {
  std::set<rlim_t> used;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    used.insert(std::stoul(e.path().filename().string()));
  rlim_t fd = 0;
  while (used.count(fd) != 0) ++fd;
  return fd;
}

TEST(Access, RunningOutOfFileDescriptorsIsReportedAndRecoveredFrom) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to connect from a forked child";
  DaemonOptions options = with_programs({fixture_programs()});
  options.log_to_pipe = true;
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready());
  daemon.drain_log_pipe();
  rlimit before{};
  ASSERT_EQ(prlimit(daemon.pid(), RLIMIT_NOFILE, nullptr, &before), 0);
  // Not one descriptor more: the next connection cannot be accepted.
  const rlimit none{next_fd(daemon.pid()), before.rlim_max};
  ASSERT_EQ(prlimit(daemon.pid(), RLIMIT_NOFILE, &none, nullptr), 0) << errno;
  Served served = Served::kError;
  std::thread client([&] { served = connect_as(daemon.socket(), geteuid(), getegid()); });
  EXPECT_TRUE(daemon.wait_for_log("cannot accept a connection"));
  ASSERT_EQ(prlimit(daemon.pid(), RLIMIT_NOFILE, &before, nullptr), 0);  // descriptors again
  client.join();
  EXPECT_EQ(served, Served::kYes);  // the waiting connection is served once it can be
  EXPECT_TRUE(daemon.wait_for_log("accepting connections on"));
  EXPECT_EQ(daemon.terminate(), 0);
}

TEST(Access, MembersOfTheConfiguredGroupMayUseTheSocket) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to connect as another user";
  const group* nogroup = getgrgid(kNogroup);
  if (nogroup == nullptr) GTEST_SKIP() << "no group " << kNogroup << " on this machine";
  DaemonOptions options = with_programs({fixture_programs()});
  options.extra_args = {"--socket-group", nogroup->gr_name};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  ASSERT_EQ(chmod(daemon.dir().c_str(), 0755), 0);
  // The socket belongs to the group, mode 0660: its members reach it through the file system.
  struct stat st {};
  ASSERT_EQ(stat(daemon.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, kNogroup);
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  EXPECT_EQ(connect_as(daemon.socket(), kNobody, kNogroup), Served::kYes);
  ASSERT_EQ(chmod(daemon.socket().c_str(), 0666), 0);
  EXPECT_EQ(connect_as(daemon.socket(), 12345, 12345), Served::kNo);  // neither user nor group
  EXPECT_EQ(daemon.terminate(), 0);
}

}  // namespace
}  // namespace chaird::test
