// chaird's Unix socket, accepted by chaird itself so that it can check each peer's credentials
// (SO_PEERCRED) before gRPC reads a byte: the socket file's mode keeps strangers out, and this
// keeps them out too when the mode or a directory is looser than it should be. Served: chaird's
// own user, root, and members of the configured group; anyone else is closed on at once and
// logged. Accepted connections are handed to the gRPC server as channels of their own.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/expected.hpp"
#include "common/thread_annotations.hpp"

namespace chaird::api {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary
};

struct SocketAccessPolicy {
  uid_t own_uid = 0;
  std::optional<gid_t> group;  // the configured group, if any
};

bool peer_may_connect(const PeerCredentials& peer, const SocketAccessPolicy& policy);

class UnixListener {
 public:
  // Creates the socket file (mode 0660, owned by the group when one is given) and listens.
  static Expected<std::unique_ptr<UnixListener>, std::string> open(const std::string& path,
                                                                   SocketAccessPolicy policy);
  ~UnixListener();
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  // Starts accepting on a thread of its own; connections go to server.
  void serve(grpc::Server& server);
  // Stops accepting (connections already handed over stay the server's); idempotent.
  void close();
  // Who is behind gRPC's peer string "fd:N" of a connection this listener accepted ("uid 1000
  // gid 1000 pid 4242"); the peer string itself for any other.
  std::string describe_peer(const std::string& peer) const;

 private:
  UnixListener(int listen_fd, int wake_fd, std::string path, SocketAccessPolicy policy);
  void run(grpc::Server& server);
  // False when the process is out of file descriptors (or memory) and must wait to accept.
  bool accept_one(grpc::Server& server);

  int listen_fd_;
  int wake_fd_;  // an eventfd that ends the accepting thread
  std::string path_;
  SocketAccessPolicy policy_;
  std::thread thread_;
  bool starved_ = false;  // accepting thread only
  // The credentials of each connection handed to gRPC, by descriptor (a descriptor reused by
  // a later connection is overwritten when that one is accepted).
  mutable Mutex peers_mutex_;
  std::unordered_map<int, PeerCredentials> peers_ CHAIRD_GUARDED_BY(peers_mutex_);
};

}  // namespace chaird::api
