#include "unix_listener.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace chaird::api {
namespace {

constexpr int kAcceptRetryMs = 100;

// The peer's supplementary groups, from its process (empty when it is already gone).
std::vector<gid_t> groups_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Groups:", 0) != 0) continue;
    std::istringstream in(line.substr(7));
    std::vector<gid_t> out;
    gid_t g = 0;
    while (in >> g) out.push_back(g);
    return out;
  }
  return {};
}

}  // namespace

bool peer_may_connect(const PeerCredentials& peer, const SocketAccessPolicy& policy) {
  if (peer.uid == 0 || peer.uid == policy.own_uid) return true;
  if (!policy.group) return false;
  return peer.gid == *policy.group ||
         std::find(peer.groups.begin(), peer.groups.end(), *policy.group) != peer.groups.end();
}

Expected<std::unique_ptr<UnixListener>, std::string> UnixListener::open(const std::string& path,
                                                                        SocketAccessPolicy policy) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Unexpected{
        fmt::format("socket path {} is longer than {} bytes", path, sizeof(addr.sun_path) - 1)};
  }
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unexpected{fmt::format("cannot make a socket: {}", std::strerror(errno))};
  // Owner and group only, from the moment the socket exists (not after a chmod).
  const mode_t previous_umask = ::umask(0117);
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const int bind_errno = errno;
  ::umask(previous_umask);
  if (bound != 0) {
    ::close(fd);
    return Unexpected{fmt::format("cannot listen on {}: {}", path, std::strerror(bind_errno))};
  }
  if (policy.group && ::chown(path.c_str(), static_cast<uid_t>(-1), *policy.group) != 0) {
    const int chown_errno = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return Unexpected{fmt::format("cannot give {} to group {}: {}", path, *policy.group,
                                  std::strerror(chown_errno))};
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (::listen(fd, 64) != 0 || wake < 0) {
    const int listen_errno = errno;
    ::close(fd);
    if (wake >= 0) ::close(wake);
    ::unlink(path.c_str());
    return Unexpected{fmt::format("cannot listen on {}: {}", path, std::strerror(listen_errno))};
  }
  return std::unique_ptr<UnixListener>(new UnixListener(fd, wake, path, policy));
}

UnixListener::UnixListener(int listen_fd, int wake_fd, std::string path, SocketAccessPolicy policy)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), path_(std::move(path)), policy_(policy) {}

UnixListener::~UnixListener() {
  close();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

void UnixListener::serve(grpc::Server& server) {
  thread_ = std::thread([this, &server] { run(server); });
}

void UnixListener::close() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  thread_.join();
}

void UnixListener::run(grpc::Server& server) {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("the socket {} stopped accepting: {}", path_, std::strerror(errno));
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) != 0 && !accept_one(server)) {
      // Out of file descriptors (or memory): the connection stays queued and poll would wake
      // at once, for ever. Wait a little for some to be freed, or for the end.
      pollfd wake{wake_fd_, POLLIN, 0};
      if (::poll(&wake, 1, kAcceptRetryMs) > 0) return;
    }
  }
}

bool UnixListener::accept_one(grpc::Server& server) {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error != EMFILE && error != ENFILE && error != ENOBUFS && error != ENOMEM) {
      return true;  // the peer gave up already, or a transient error: keep listening
    }
    if (!starved_) {
      spdlog::error("cannot accept a connection on {}: {}; retrying every {} ms", path_,
                    std::strerror(error), kAcceptRetryMs);
    }
    starved_ = true;
    return false;
  }
  if (starved_) spdlog::info("accepting connections on {} again", path_);
  starved_ = false;
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    ::close(fd);
    return true;
  }
  PeerCredentials peer{cred.pid, cred.uid, cred.gid, groups_of(cred.pid)};
  if (!peer_may_connect(peer, policy_)) {
    ::close(fd);
    spdlog::warn(
        "refused a connection on {} from uid {} gid {} (pid {}): only chaird's user, "
        "root{} may use it",
        path_, peer.uid, peer.gid, peer.pid,
        policy_.group ? fmt::format(" and group {}", *policy_.group) : std::string());
    return true;
  }
  {
    MutexLock lock(peers_mutex_);
    peers_[fd] = peer;
  }
  grpc::AddInsecureChannelFromFd(&server, fd);
  return true;
}

std::string UnixListener::describe_peer(const std::string& peer) const {
  if (peer.rfind("fd:", 0) != 0) return peer;
  int fd = -1;
  try {
    fd = std::stoi(peer.substr(3));
  } catch (const std::exception&) {
    return peer;
  }
  MutexLock lock(peers_mutex_);
  const auto it = peers_.find(fd);
  if (it == peers_.end()) return peer;
  return fmt::format("uid {} gid {} pid {}", it->second.uid, it->second.gid, it->second.pid);
}

}  // namespace chaird::api
