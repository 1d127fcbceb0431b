#include "start_request_ids.hpp"

#include <algorithm>

#include "error_status.hpp"

namespace chaird::api {
namespace {

std::string fingerprint(const chair::v1::StartSessionRequest& request) {
  chair::v1::StartSessionRequest copy = request;
  copy.clear_request_id();
  return copy.SerializeAsString();
}

}  // namespace

StartRequestIds::Entry* StartRequestIds::find(const std::string& id) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.id == id; });
  return it == entries_.end() ? nullptr : &*it;
}

StartRequestIds::Claim StartRequestIds::claim(const chair::v1::StartSessionRequest& request,
                                              Waiter waiter,
                                              chair::v1::StartSessionResponse* answer) {
  const std::string print = fingerprint(request);
  MutexLock lock(mutex_);
  if (Entry* e = find(request.request_id())) {
    if (e->fingerprint != print) return Claim::kConflict;
    if (e->done) {
      *answer = e->response;
      return Claim::kAnswered;
    }
    e->waiters.push_back(waiter);
    return Claim::kWaiting;
  }
  // Forget the oldest finished starts; one still under way is kept, whatever the count.
  while (entries_.size() >= capacity_) {
    auto oldest =
        std::find_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.done; });
    if (oldest == entries_.end()) break;
    entries_.erase(oldest);
  }
  entries_.push_back(Entry{request.request_id(), print, false, {}, {}});
  return Claim::kFirst;
}

void StartRequestIds::finish(const std::string& request_id, const grpc::Status& status,
                             const chair::v1::StartSessionResponse& response) {
  std::vector<Waiter> waiters;
  {
    MutexLock lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return e.id == request_id && !e.done; });
    if (it == entries_.end()) return;
    waiters = std::move(it->waiters);
    if (status.ok()) {
      it->done = true;
      it->response = response;
    } else {
      entries_.erase(it);
    }
  }
  // A retry that waited gets what the first attempt got; if that attempt's own app gave up on
  // it, the retry is told so, and may try again.
  grpc::Status answer = status;
  if (status.error_code() == grpc::StatusCode::CANCELLED ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    answer = to_status(Refusal{Refusal::Kind::kAborted,
                               "the first attempt of this start was given up by its app before "
                               "it began; nothing moved; send the start again",
                               {},
                               {},
                               {}});
  }
  for (const auto& w : waiters) {
    if (answer.ok()) *w.response = response;
    w.reactor->Finish(answer);
  }
}

}  // namespace chaird::api
