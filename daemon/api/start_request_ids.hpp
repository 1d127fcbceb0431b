// StartSession's client request ids. A kiosk whose start timed out cannot know whether the
// chair started; it retries with the same request_id and gets the first attempt's answer (the
// same session and lease) instead of a second session or a refusal. A retry that arrives while
// the first attempt is still being prepared waits for its answer.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "chair/v1/control.pb.h"
#include "common/thread_annotations.hpp"

namespace chaird::api {

class StartRequestIds {
 public:
  // How many successful starts are remembered (a retry comes within seconds).
  explicit StartRequestIds(std::size_t capacity = 64) : capacity_(capacity) {}

  struct Waiter {
    grpc::ServerUnaryReactor* reactor = nullptr;
    chair::v1::StartSessionResponse* response = nullptr;
  };
  enum class Claim {
    kFirst,     // no attempt with this id: run the start, then call finish()
    kWaiting,   // the first attempt is under way: the waiter is answered with it
    kAnswered,  // the first attempt started the session: *answer holds its response
    kConflict,  // the id was used for another request
  };
  // request is the start request (its request_id included); answer receives a remembered one.
  Claim claim(const chair::v1::StartSessionRequest& request, Waiter waiter,
              chair::v1::StartSessionResponse* answer);
  // The first attempt's outcome, on a thread that may wait (not the dispatch thread): every
  // waiter is answered with it. A success is remembered for later retries; a failure is
  // forgotten, so that a retry tries again (a start that was cancelled, say).
  void finish(const std::string& request_id, const grpc::Status& status,
              const chair::v1::StartSessionResponse& response);

 private:
  struct Entry {
    std::string id;
    std::string fingerprint;  // the request without its id
    bool done = false;
    chair::v1::StartSessionResponse response;
    std::vector<Waiter> waiters;
  };
  Entry* find(const std::string& id) CHAIRD_REQUIRES(mutex_);

  Mutex mutex_;
  std::deque<Entry> entries_ CHAIRD_GUARDED_BY(mutex_);  // oldest first
  std::size_t capacity_;
};

}  // namespace chaird::api
