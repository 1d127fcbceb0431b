#include "control_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cmath>

#include "common/utf8_text.hpp"
#include "profile/limits_tightening.hpp"
#include "proto_conversions.hpp"
#include "safety/health_conditions.hpp"
#include "transport_access.hpp"
#include "watch_reactor.hpp"

namespace chaird::api {
namespace {

grpc::ServerUnaryReactor* finish_now(grpc::CallbackServerContext* context, grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

constexpr std::size_t kMaxRefusalBytes = 600;

// StartSession's and ResumeSession's reactor: as gRPC's default one, and it tells the bench's
// hold when the client cancels, so that a test can wait for chaird to have seen it.
class HeldCallReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit HeldCallReactor(StartHold* hold) : hold_(hold) {}
  void OnCancel() override {
    if (hold_ != nullptr) hold_->note_call_cancelled();
  }
  void OnDone() override { delete this; }

 private:
  StartHold* hold_;
};

bool in_range(double v, double lo, double hi) {
  return std::isfinite(v) && v >= lo && v <= hi;
}

}  // namespace

std::optional<Refusal> check_start_request(const chair::v1::StartSessionRequest& r) {
  auto invalid = [](std::string m) {
    return Refusal{Refusal::Kind::kInvalidArgument, std::move(m)};
  };
  if (r.program_id().empty())
    return invalid("program_id is empty: choose a program from ListPrograms");
  // A field that is present is checked, 0 included: only an unset field takes the default.
  if (r.has_intensity_scale() && !in_range(r.intensity_scale(), 0.2, 1.5))
    return invalid("intensity_scale must be between 0.2 and 1.5 (leave it unset for 1.0)");
  if (r.has_speed_scale() && !in_range(r.speed_scale(), 0.5, 1.5))
    return invalid("speed_scale must be between 0.5 and 1.5 (leave it unset for 1.0)");
  if (r.has_shoulder_offset_mm() && !in_range(r.shoulder_offset_mm(), -100.0, 100.0))
    return invalid("shoulder_offset_mm must be between -100 and 100 mm");
  if (r.body_scan().has_shoulder_mm() &&
      !(std::isfinite(r.body_scan().shoulder_mm()) && r.body_scan().shoulder_mm() > 0.0)) {
    return invalid(
        "body_scan.shoulder_mm must be a positive distance from the top of the track "
        "(leave it unset for the default body)");
  }
  if (r.body_scan().has_height_cm() &&
      !(std::isfinite(r.body_scan().height_cm()) && r.body_scan().height_cm() > 0.0)) {
    return invalid(
        "body_scan.height_cm must be a positive height (leave it unset for the "
        "default body)");
  }
  for (const auto& c : r.health_conditions()) {
    if (!is_known_condition(c)) {
      std::string known;
      for (const auto& k : health_conditions())
        known += (known.empty() ? "" : ", ") + std::string(k.name);
      return invalid(fmt::format("unknown health condition {} (known: {})", excerpt(c), known));
    }
  }
  return std::nullopt;
}

ControlService::ControlService(ControlDependencies deps) : deps_(std::move(deps)) {}

grpc::ServerUnaryReactor* ControlService::ListPrograms(grpc::CallbackServerContext* context,
                                                       const chair::v1::ListProgramsRequest*,
                                                       chair::v1::ListProgramsResponse* response) {
  for (const auto& entry : deps_.library->entries()) *response->add_programs() = to_proto(entry);
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::ListTechniques(
    grpc::CallbackServerContext* context, const chair::v1::ListTechniquesRequest*,
    chair::v1::ListTechniquesResponse* response) {
  for (const auto& t : deps_.check.catalog->all()) *response->add_techniques() = to_proto(t);
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::ListHealthConditions(
    grpc::CallbackServerContext* context, const chair::v1::ListHealthConditionsRequest*,
    chair::v1::ListHealthConditionsResponse* response) {
  for (const auto& c : health_conditions()) {
    auto* q = response->add_questions();
    q->set_condition(c.name);
    q->set_question(c.question);
  }
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::StartSession(
    grpc::CallbackServerContext* context, const chair::v1::StartSessionRequest* request,
    chair::v1::StartSessionResponse* response) {
  if (auto refused = refuse_over_tcp(*context, "StartSession"))
    return finish_now(context, *refused);
  if (auto refusal = check_start_request(*request)) return finish_now(context, to_status(*refusal));
  const LibraryEntry* entry = deps_.library->find(request->program_id());
  if (entry == nullptr) {
    return finish_now(context,
                      {grpc::StatusCode::NOT_FOUND,
                       fmt::format("no program {} on this chair; ListPrograms shows what it offers",
                                   excerpt(request->program_id()))});
  }
  // One start at a time; the claim is held until this start has begun or been refused, and
  // any stop that arrives meanwhile cancels it.
  auto claimed = deps_.sessions.claim_start();
  if (!claimed) return finish_now(context, to_status(claimed.error()));
  StartGate::ClaimPtr claim = std::move(*claimed);
  // Refuse early what would be refused anyway, before spending time on a plan.
  if (auto refusal = deps_.sessions.start_refusal())
    return finish_now(context, to_status(*refusal));
  std::vector<std::string> conditions(request->health_conditions().begin(),
                                      request->health_conditions().end());
  const auto& meta = entry->program->program.metadata();
  std::vector<std::string> contraindications(meta.contraindications().begin(),
                                             meta.contraindications().end());
  if (auto unsuitable = screen(contraindications, conditions); !unsuitable.empty()) {
    std::string list;
    for (const auto& c : unsuitable) list += (list.empty() ? "" : ", ") + c;
    return finish_now(context,
                      {grpc::StatusCode::FAILED_PRECONDITION,
                       fmt::format("'{}' is not suitable for people with: {}. Please choose "
                                   "another program or ask staff.",
                                   meta.name(), list)});
  }

  PlanOptions options;
  if (request->has_intensity_scale()) options.scaling.intensity_scale = request->intensity_scale();
  if (request->has_speed_scale()) options.scaling.speed_scale = request->speed_scale();
  if (request->body_scan().has_shoulder_mm()) {
    options.body.scanned_shoulder_mm = request->body_scan().shoulder_mm();
  }
  if (request->body_scan().has_height_cm())
    options.body.height_cm = request->body_scan().height_cm();
  if (request->has_shoulder_offset_mm())
    options.body.shoulder_offset_mm = request->shoulder_offset_mm();
  if (auto body = BodyModel::resolve(*deps_.check.chair, options.body); !body) {
    return finish_now(context, {grpc::StatusCode::INVALID_ARGUMENT, body.error()});
  }
  // A session's limits only tighten the chair's; every looser field is named.
  chair::v1::SafetyLimits limits = request->limits();
  if (sets_any_limit(limits)) {
    auto tightened = tighten_limits(*deps_.check.chair, limits, "limits", {});
    if (!tightened) {
      std::string all;
      for (const auto& item : tightened.error().items())
        all += (all.empty() ? "" : "; ") + item.message;
      return finish_now(context,
                        {grpc::StatusCode::INVALID_ARGUMENT, one_line(all, kMaxRefusalBytes)});
    }
  }
  options.initial_values = deps_.sessions.chair_state();
  std::shared_ptr<const EnergyHistory> energy = deps_.sessions.energy_history();

  auto* reactor = new HeldCallReactor(deps_.start_hold);
  ProgramRef program = entry->program;
  const std::string name = meta.name();
  std::string client = request->client_name();
  boost::asio::post(deps_.planning, [this, context, reactor, response, program, name, options,
                                     limits = std::move(limits), client = std::move(client),
                                     energy = std::move(energy),
                                     claim = std::move(claim)]() mutable {
    if (auto gone = why_not_begin(context, *claim)) {
      reactor->Finish(*gone);
      return;
    }
    auto checked = check_program(program, deps_.check, options, *energy, limits);
    if (!checked) {
      spdlog::warn("start '{}' refused:\n{}", program->id(), checked.error().to_string());
      // The reason may quote a plugin (what it threw): one line, valid, short.
      reactor->Finish(to_status(Refusal{
          Refusal::Kind::kFailedPrecondition,
          one_line(fmt::format("'{}' cannot run now: {}", name, checked.error().first_error()),
                   kMaxRefusalBytes)}));
      return;
    }
    if (deps_.start_hold != nullptr) deps_.start_hold->pass();
    PreparedSession prepared{program->id(), name, checked->governed, client};
    boost::asio::post(deps_.dispatch, [this, context, reactor, response, claim = std::move(claim),
                                       prepared = std::move(prepared)]() mutable {
      // The last moment before the chair moves: a stop, a cancelled call or a passed deadline
      // that came first wins.
      if (auto gone = why_not_begin(context, *claim)) {
        reactor->Finish(*gone);
        return;
      }
      const auto governed = prepared.timeline;
      auto started = deps_.sessions.start(*claim, std::move(prepared));
      if (!started) {
        reactor->Finish(to_status(started.error()));
        return;
      }
      response->set_session_id(started->session_id);
      response->set_lease_token(started->lease_token);
      response->set_lease_ms(deps_.sessions.lease_ms());
      response->set_planned_duration_ms(governed->timeline().duration_ms);
      for (const auto& a : governed->adaptations()) response->add_adaptations(a);
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

std::optional<grpc::Status> ControlService::why_not_begin(grpc::CallbackServerContext* context,
                                                          const StartGate::Claim& claim) const {
  if (auto cancelled = deps_.sessions.starts_cancelled(claim)) return to_status(*cancelled);
  return why_call_gone(context, "start", "nothing moved");
}

std::optional<grpc::Status> ControlService::why_call_gone(grpc::CallbackServerContext* context,
                                                          std::string_view call,
                                                          std::string_view outcome) {
  if (context->IsCancelled()) {
    return grpc::Status(
        grpc::StatusCode::CANCELLED,
        fmt::format("the app gave up on the {} before it began; {}", call, outcome));
  }
  if (context->deadline() <= std::chrono::system_clock::now()) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        fmt::format("the {}'s deadline passed before it began; {}", call, outcome));
  }
  return std::nullopt;
}

grpc::ServerUnaryReactor* ControlService::StopSession(grpc::CallbackServerContext* context,
                                                      const chair::v1::StopSessionRequest*,
                                                      chair::v1::StopSessionResponse* response) {
  if (auto refused = refuse_over_tcp(*context, "StopSession")) return finish_now(context, *refused);
  deps_.sessions.cancel_starts("a stop was requested");  // before anything else can begin
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response] {
    response->set_state(deps_.sessions.stop());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::PauseSession(grpc::CallbackServerContext* context,
                                                       const chair::v1::PauseSessionRequest*,
                                                       chair::v1::PauseSessionResponse* response) {
  if (auto refused = refuse_over_tcp(*context, "PauseSession"))
    return finish_now(context, *refused);
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response] {
    auto state = deps_.sessions.pause();
    if (!state) {
      reactor->Finish(to_status(state.error()));
      return;
    }
    response->set_state(*state);
    response->set_max_pause_ms(deps_.sessions.max_pause_ms());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::ResumeSession(
    grpc::CallbackServerContext* context, const chair::v1::ResumeSessionRequest* request,
    chair::v1::ResumeSessionResponse* response) {
  if (auto refused = refuse_over_tcp(*context, "ResumeSession"))
    return finish_now(context, *refused);
  auto* reactor = new HeldCallReactor(deps_.start_hold);
  // Through the planning pool, where the bench's hold meets it like a start's, so that a test
  // can make a cancel or a stop meet a resume there deterministically.
  boost::asio::post(deps_.planning, [this, context, reactor, response,
                                     token = request->lease_token()]() mutable {
    if (deps_.start_hold != nullptr) deps_.start_hold->pass();
    boost::asio::post(deps_.dispatch, [this, context, reactor, response, token = std::move(token)] {
      // The last moment before the chair moves: an app that gave up must not see it move.
      if (auto gone = why_call_gone(context, "resume", "the chair stays paused")) {
        reactor->Finish(*gone);
        return;
      }
      auto resumed = deps_.sessions.resume(token);
      if (!resumed) {
        reactor->Finish(to_status(resumed.error()));
        return;
      }
      response->set_state(deps_.sessions.state());
      response->set_remaining_ms(resumed->remaining_ms);
      response->set_lead_in_ms(resumed->lead_in_ms);
      for (const auto& a : resumed->adaptations) response->add_adaptations(a);
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::KeepAlive(grpc::CallbackServerContext* context,
                                                    const chair::v1::KeepAliveRequest* request,
                                                    chair::v1::KeepAliveResponse* response) {
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response, token = request->lease_token()] {
    auto lease = deps_.sessions.keep_alive(token);
    if (!lease) {
      reactor->Finish(to_status(lease.error()));
      return;
    }
    response->set_state(deps_.sessions.state());
    response->set_lease_ms(*lease);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::TakeOverSession(
    grpc::CallbackServerContext* context, const chair::v1::TakeOverSessionRequest* request,
    chair::v1::TakeOverSessionResponse* response) {
  if (auto refused = refuse_over_tcp(*context, "TakeOverSession"))
    return finish_now(context, *refused);
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response, client = request->client_name()] {
    const std::string previous = deps_.sessions.controller();
    auto token = deps_.sessions.take_over(client);
    if (!token) {
      reactor->Finish(to_status(token.error()));
      return;
    }
    response->set_lease_token(*token);
    response->set_lease_ms(deps_.sessions.lease_ms());
    response->set_previous_client(previous);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::EmergencyStop(
    grpc::CallbackServerContext* context, const chair::v1::EmergencyStopRequest* request,
    chair::v1::EmergencyStopResponse* response) {
  deps_.sessions.cancel_starts("an emergency stop was pressed");
  auto* reactor = context->DefaultReactor();
  // Accepted in every state, with any reason text: shown and logged as one line of valid UTF-8.
  std::string reason = one_line(request->reason(), 200);
  boost::asio::post(deps_.dispatch, [this, reactor, response, reason = std::move(reason)] {
    response->set_state(deps_.sessions.emergency_stop(reason));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::ResetSafety(grpc::CallbackServerContext* context,
                                                      const chair::v1::ResetSafetyRequest*,
                                                      chair::v1::ResetSafetyResponse* response) {
  if (auto refused = refuse_over_tcp(*context, "ResetSafety")) return finish_now(context, *refused);
  deps_.sessions.cancel_starts("a reset was requested");
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response] {
    auto state = deps_.sessions.reset();
    if (!state) {
      reactor->Finish(to_status(state.error()));
      return;
    }
    response->set_state(*state);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<chair::v1::SessionStatus>* ControlService::WatchSession(
    grpc::CallbackServerContext*, const chair::v1::WatchSessionRequest* request) {
  if (!request->session_id().empty() && deps_.hub.latest()->session_id() != request->session_id()) {
    return new RefusedWatch(
        {grpc::StatusCode::NOT_FOUND,
         fmt::format("session {} is not the current session", excerpt(request->session_id()))});
  }
  std::function<void()> on_done;
  if (!request->lease_token().empty()) {
    // The controlling app's stream: it holds the lease while open.
    const std::string token = request->lease_token();
    auto holds = deps_.sessions.watch_opened(token);
    if (!holds) return new RefusedWatch(to_status(holds.error()));
    if (*holds) {
      boost::asio::post(deps_.dispatch, [this] { deps_.sessions.republish(); });
      on_done = [this, token] {
        boost::asio::post(deps_.dispatch, [this, token] { deps_.sessions.watch_closed(token); });
      };
    }
  }
  return new WatchReactor(deps_.hub, request->session_id(), std::move(on_done));
}

}  // namespace chaird::api
