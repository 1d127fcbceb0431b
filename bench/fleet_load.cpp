#include "fleet_load.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "wire/chair_services.hpp"

namespace chaird::bench {

using Clock = std::chrono::steady_clock;

void run_fleet_load(const std::string& socket, int seconds, int streams, int rps,
                    FleetLoadCounts& counts) {
  auto& [statuses, ok, failed, streams_open] = counts;
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::experimental::LocalCredentials(UDS));
  auto stub = chair::v1::ChairControl::NewStub(channel);
  const auto until = Clock::now() + std::chrono::seconds(seconds);

  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::thread> watchers;
  for (int i = 0; i < streams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    watchers.emplace_back([&, c = contexts.back().get()] {
      auto reader = stub->WatchSession(c, {});
      chair::v1::SessionStatus s;
      bool counted = false;
      while (reader->Read(&s)) {
        if (!counted) {
          streams_open.fetch_add(1);
          counted = true;
        }
        statuses.fetch_add(1);
      }
      (void)reader->Finish();
    });
  }
  // Unary calls, paced: four callers, each its share of the rate.
  constexpr int kCallers = 4;
  std::vector<std::thread> callers;
  for (int k = 0; k < kCallers && rps > 0; ++k) {
    callers.emplace_back([&, k] {
      const auto every = std::chrono::microseconds(1'000'000 * kCallers / rps);
      auto next = Clock::now() + every * k / kCallers;
      for (long n = k; Clock::now() < until; ++n) {
        std::this_thread::sleep_until(next);
        next += every;
        grpc::ClientContext c;
        c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::Status status;
        switch (n % 4) {
          case 0: {
            chair::v1::GetChairResponse r;
            status = stub->GetChair(&c, {}, &r);
            break;
          }
          case 1: {
            chair::v1::ListProgramsResponse r;
            status = stub->ListPrograms(&c, {}, &r);
            break;
          }
          case 2: {
            chair::v1::GetProgramRequest q;
            q.set_program_id("shiatsu_classic");
            chair::v1::GetProgramResponse r;
            status = stub->GetProgram(&c, q, &r);
            break;
          }
          default: {
            chair::v1::ListHealthConditionsResponse r;
            status = stub->ListHealthConditions(&c, {}, &r);
          }
        }
        (status.ok() ? ok : failed).fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  std::this_thread::sleep_until(until);
  for (auto& c : contexts) c->TryCancel();
  for (auto& t : watchers) t.join();
}

}  // namespace chaird::bench
