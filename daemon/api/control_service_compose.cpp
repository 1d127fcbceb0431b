// ComposeSession: a session made for one sitter from the library's segments. The sitter's
// history is read on the database thread, the composition made and planned on the planning
// pool; the result is kept for StartSession and PreviewSession (composition_id).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "common/utf8_text.hpp"
#include "control_service.hpp"
#include "error_status.hpp"
#include "feedback_softening.hpp"
#include "request_checks.hpp"
#include "unary_calls.hpp"

namespace chaird::api {
namespace {

constexpr std::size_t kMaxReasonBytes = 600;

// why: for staff and the kiosk; for_sitter: what the sitter reads (no file names, no codes).
Refusal cannot_compose(const std::string& why, const std::string& for_sitter) {
  const std::string message = one_line("no session can be composed: " + why, kMaxReasonBytes);
  return Refusal{Refusal::Kind::kFailedPrecondition,
                 message,
                 {},
                 {{"COMPOSE", "", message}},
                 one_line(for_sitter, kMaxReasonBytes)};
}

}  // namespace

grpc::ServerUnaryReactor* ControlService::ComposeSession(
    grpc::CallbackServerContext* context, const chair::v1::ComposeSessionRequest* request,
    chair::v1::ComposeSessionResponse* response) {
  // It reads the sitter's history and runs the techniques' plugins: a kiosk's call.
  if (auto refused = refuse_caller(*context, "ComposeSession", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_compose_request(*request))
    return finish_now(context, to_status(*refusal));
  // No session is composed without the rules that screen it.
  if (!deps_.rules->ok()) return finish_now(context, to_status(rules_missing()));

  ComposeAsk ask;
  ask.focus_areas.assign(request->focus_areas().begin(), request->focus_areas().end());
  std::sort(ask.focus_areas.begin(), ask.focus_areas.end());
  ask.focus_areas.erase(std::unique(ask.focus_areas.begin(), ask.focus_areas.end()),
                        ask.focus_areas.end());
  ask.available_ms = request->available_ms();
  ask.conditions.assign(request->health_conditions().begin(), request->health_conditions().end());
  std::vector<std::string> first_lines;
  if (request->preferred_intensity() != chair::v1::INTENSITY_CLASS_UNSPECIFIED) {
    ask.preferred = request->preferred_intensity();
  } else if (!ask.conditions.empty()) {
    // Start gentle: with a health condition, strength is the sitter's to ask for.
    ask.preferred = chair::v1::GENTLE;
    first_lines.push_back("Gentle work preferred: you reported a health condition");
  }

  if (composing_.exchange(true)) {
    const std::string message =
        "another session is being composed on this chair; ask again in a moment";
    return finish_now(context, to_status(Refusal{Refusal::Kind::kResourceExhausted,
                                                 message,
                                                 {},
                                                 {{"COMPOSING", "", message}},
                                                 "Please wait a moment and try again."}));
  }
  // Every answer from here on ends this composition, and lets the next one in.
  auto* reactor = new HeldCallReactor(deps_.start_hold);
  auto finish = [this, reactor](grpc::Status status) {
    composing_.store(false);
    reactor->Finish(std::move(status));
  };
  auto compose = [this, context, finish, response, ask = std::move(ask),
                  first_lines = std::move(first_lines)](std::vector<store::HistoryRow> rows,
                                                        std::string history_problem) mutable {
    // The kiosk gave up (or its deadline passed): nothing to plan for.
    if (context->IsCancelled()) {
      finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the app gave up on the ComposeSession before it was composed"));
      return;
    }
    const ChairModel& chair = *deps_.check.chair;
    const SitterPast past = past_from_history(rows, chair);
    const auto library = deps_.library.current();
    ComposeSources sources{
        library, &chair, &deps_.rules->rules, deps_.check.catalog.get(),
        deps_.check.governor != nullptr ? deps_.check.governor->max_session_ms() : 0};
    auto composed = compose_session(ask, past, sources);
    if (!composed) {
      finish(to_status(cannot_compose(composed.error(), "No session fits: " + composed.error())));
      return;
    }
    // Planned as StartSession will plan it for this sitter: their rules and their feedback.
    PlanOptions options;
    options.scaling.sitter = sitter_rules(ask.conditions, composed->program);
    const auto softening =
        soften_from_feedback(rows, chair, zones_worked(composed->program, deps_.check.resolver));
    options.scaling.zones = softening.zones;
    options.notes = softening.notes;
    auto checked = check_program(composed->program, deps_.check, options);
    if (!checked) {
      spdlog::warn("composed session refused by its check:\n{}", checked.error().to_string());
      finish(to_status(cannot_compose(
          "the composed session would not pass the chair's checks (" +
              one_line(checked.error().first_error(), 300) + "); please choose a program",
          "No session could be composed for you now. Please choose a program or ask staff.")));
      return;
    }
    // The bench's hold (tests): a composition waits here, ready, so that another call can meet it.
    if (deps_.start_hold != nullptr) deps_.start_hold->pass();
    if (context->IsCancelled()) {
      finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the app gave up on the ComposeSession; nothing was kept"));
      return;
    }
    const auto& governed = *checked->governed;
    LibraryEntry entry;
    entry.program = composed->program;
    entry.planned_duration_ms = governed.timeline().duration_ms;
    entry.step_count = static_cast<std::uint32_t>(checked->plan->timeline.steps.size());
    composed_.keep({entry, ask.conditions, library});

    response->set_composition_id(composed->program->id());
    *response->mutable_program() = composed->program->program;
    response->set_text(composed->text);
    for (const auto& part : composed->parts) {
      auto* s = response->add_segments();
      s->set_kind(part.kind);
      s->set_program_id(part.program_id);
      s->set_program_name(valid_utf8(part.program_name));
      s->set_phase(valid_utf8(part.phase));
      s->set_duration_ms(part.duration_ms);
      for (const auto& z : part.zones) s->add_zones(z);
      s->set_why(valid_utf8(part.why));
    }
    for (const auto& line : first_lines) response->add_explanations(line);
    for (const auto& line : composed->explanations) response->add_explanations(valid_utf8(line));
    if (!history_problem.empty()) response->add_explanations(history_problem);
    // What the sitter's conditions and feedback change when it runs ends the list.
    for (const auto& a : governed.adaptations()) {
      response->add_explanations(a);
      response->add_adaptations(a);
    }
    response->set_planned_duration_ms(governed.timeline().duration_ms);
    finish(grpc::Status::OK);
  };

  const std::string user_id = request->user_id();
  if (user_id.empty()) {
    boost::asio::post(deps_.planning,
                      [compose = std::move(compose)]() mutable { compose({}, {}); });
    return reactor;
  }
  // The database is read on its own thread, never a gRPC one.
  boost::asio::post(deps_.records, [this, user_id, compose = std::move(compose)]() mutable {
    deps_.history.flush();  // the sitter's last session may have ended a moment ago
    auto rows = deps_.stores.history.list(user_id, kFeedbackSessions);
    std::vector<store::HistoryRow> read;
    std::string problem;
    if (rows) {
      read = std::move(*rows);
    } else {
      // Composed as for a sitter who did not sign in; the kiosk is told.
      spdlog::warn("the history of {} cannot be read: {}", excerpt(user_id), rows.error());
      problem = "Your past sessions could not be read: composed without them";
    }
    boost::asio::post(deps_.planning, [compose = std::move(compose), read = std::move(read),
                                       problem = std::move(problem)]() mutable {
      compose(std::move(read), std::move(problem));
    });
  });
  return reactor;
}

}  // namespace chaird::api
