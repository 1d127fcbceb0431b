#include "control_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>

#include "common/utf8_text.hpp"
#include "feedback_softening.hpp"
#include "profile/limits_tightening.hpp"
#include "proto_conversions.hpp"
#include "request_checks.hpp"
#include "safety/health_conditions.hpp"
#include "start_request_ids.hpp"
#include "unary_calls.hpp"
#include "unreadable_request.hpp"
#include "watch_reactor.hpp"
#include "wire/request_reading.hpp"

namespace chaird::api {
namespace {

constexpr std::size_t kMaxRefusalBytes = 600;

// The sitter's conditions for which the program must not run.
std::vector<std::string> ruled_out_by(const chair::v1::ProgramMetadata& meta,
                                      const std::vector<std::string>& conditions) {
  return screen({meta.contraindications().begin(), meta.contraindications().end()}, conditions);
}

// The refusal when chaird has no valid contraindication rules: no session without them.
Refusal no_rules(const LoadedRules& rules) {
  const std::string message = one_line(
      fmt::format("chaird has no valid contraindication rules, so no session can start: {}",
                  rules.error),
      kMaxRefusalBytes);
  return Refusal{Refusal::Kind::kFailedPrecondition,
                 message,
                 {},
                 {{"CONTRAINDICATION_RULES", rules.path, message}},
                 "The chair cannot start a session now. Please ask staff."};
}

// The refusal of a program the sitter's answers rule out: which conditions, for the kiosk;
// rules: the contraindication rules that refuse it, with their reasons.
Refusal unsuitable(const chair::v1::ProgramMetadata& meta, std::vector<std::string> why,
                   const std::vector<const ConditionRule*>& rules = {}) {
  for (const ConditionRule* r : rules) why.push_back(r->condition);
  // Each condition once, however often the sitter's answers name it.
  std::vector<std::string> distinct;
  for (auto& c : why) {
    if (std::find(distinct.begin(), distinct.end(), c) == distinct.end())
      distinct.push_back(std::move(c));
  }
  why = std::move(distinct);
  std::string list;
  for (const auto& c : why) list += (list.empty() ? "" : ", ") + c;
  std::string reasons;
  for (const ConditionRule* rule : rules) reasons += " " + rule->reason;
  Refusal r{Refusal::Kind::kFailedPrecondition,
            one_line(fmt::format("'{}' is not suitable for people with: {}.{} Please choose "
                                 "another program or ask staff.",
                                 meta.name(), list, reasons),
                     kMaxRefusalBytes)};
  for (const auto& c : why) {
    const auto by_rule = std::find_if(rules.begin(), rules.end(), [&](const ConditionRule* rule) {
      return rule->condition == c;
    });
    r.blocking.push_back(
        {"CONTRAINDICATION", c,
         by_rule != rules.end()
             ? fmt::format("'{}' must not run for people with {}: {}", meta.name(), c,
                           (*by_rule)->reason)
             : fmt::format("'{}' must not run for people with {}", meta.name(), c)});
  }
  // The first rule's reason is the sitter's to read: it says what to do (see a doctor first).
  r.sitter_message = rules.empty()
                         ? "This program is not suitable for you. Please choose another one or ask "
                           "staff."
                         : rules.front()->reason;
  return r;
}

// The refusal of a plan the planner or the governor would not run.
Refusal program_check_failed(const std::string& id, const std::string& name,
                             const Diagnostics& why) {
  // The reason may quote a plugin (what it threw): one line, valid, short.
  const std::string message =
      one_line(fmt::format("'{}' cannot run now: {}", name, why.first_error()), kMaxRefusalBytes);
  return Refusal{Refusal::Kind::kFailedPrecondition,
                 message,
                 {},
                 {{"PROGRAM_CHECK", id, message}},
                 "This program cannot run with these settings. Please choose another one or "
                 "ask staff."};
}

Refusal no_such_program(const std::string& id, const char* field) {
  const std::string message =
      fmt::format("no program {} on this chair; ListPrograms shows what it offers", excerpt(id));
  return Refusal{
      Refusal::Kind::kNotFound, message, {{field, message, "UNKNOWN_VALUE", {}, {}, {}}}, {}, {}};
}

}  // namespace

ControlService::ControlService(ControlDependencies deps) : deps_(std::move(deps)) {}

std::optional<grpc::Status> ControlService::refuse_caller(
    const grpc::CallbackServerContext& context, std::string_view call,
    const google::protobuf::Message& request) const {
  if (auto refused =
          deps_.access.refuse(context, std::string("/chair.v1.ChairControl/").append(call)))
    return refused;
  if (call == "EmergencyStop" || call == "StopSession") return std::nullopt;
  return unreadable_request(request);
}

grpc::ServerUnaryReactor* ControlService::ListPrograms(
    grpc::CallbackServerContext* context, const chair::v1::ListProgramsRequest* request,
    chair::v1::ListProgramsResponse* response) {
  if (auto refused = refuse_caller(*context, "ListPrograms", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_list_programs_request(*request))
    return finish_now(context, to_status(*refusal));
  const std::vector<std::string> conditions(request->health_conditions().begin(),
                                            request->health_conditions().end());
  // Without valid rules no list can say what is suitable for anyone's answers.
  if (!conditions.empty() && !deps_.rules->ok())
    return finish_now(context, to_status(no_rules(*deps_.rules)));
  const auto library = deps_.library.current();
  for (const auto& entry : library->entries()) {
    const auto& meta = entry.program->program.metadata();
    if (request->focus_areas_size() > 0 &&
        std::none_of(meta.focus_areas().begin(), meta.focus_areas().end(), [&](const auto& a) {
          return std::find(request->focus_areas().begin(), request->focus_areas().end(), a) !=
                 request->focus_areas().end();
        })) {
      continue;
    }
    if (request->intensity_classes_size() > 0 &&
        std::find(request->intensity_classes().begin(), request->intensity_classes().end(),
                  meta.intensity_class()) == request->intensity_classes().end()) {
      continue;
    }
    if (request->has_min_duration_ms() && entry.planned_duration_ms < request->min_duration_ms())
      continue;
    if (request->has_max_duration_ms() && entry.planned_duration_ms > request->max_duration_ms())
      continue;
    if (!ruled_out_by(meta, conditions).empty()) {
      response->set_unsuitable_count(response->unsuitable_count() + 1);
      continue;
    }
    SitterVerdict verdict;
    if (const auto sitter = sitter_rules(conditions, entry.program)) {
      verdict = judge_for_sitter(entry.program, deps_.check.resolver, *sitter, *deps_.check.chair);
      if (!verdict.refusals.empty() || verdict.nothing_left) {
        response->set_unsuitable_count(response->unsuitable_count() + 1);
        continue;
      }
    }
    auto* summary = response->add_programs();
    *summary = to_proto(entry);
    for (const auto& change : verdict.changes) summary->add_adaptations(change);
  }
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::ListTechniques(
    grpc::CallbackServerContext* context, const chair::v1::ListTechniquesRequest* request,
    chair::v1::ListTechniquesResponse* response) {
  if (auto refused = refuse_caller(*context, "ListTechniques", *request))
    return finish_now(context, *refused);
  for (const auto& t : deps_.check.catalog->all()) *response->add_techniques() = to_proto(t);
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::ListHealthConditions(
    grpc::CallbackServerContext* context, const chair::v1::ListHealthConditionsRequest* request,
    chair::v1::ListHealthConditionsResponse* response) {
  if (auto refused = refuse_caller(*context, "ListHealthConditions", *request))
    return finish_now(context, *refused);
  for (const auto& c : health_conditions()) {
    auto* q = response->add_questions();
    q->set_condition(c.name);
    q->set_question(c.question);
  }
  return finish_now(context, grpc::Status::OK);
}

Refusal ControlService::rules_missing() const {
  return no_rules(*deps_.rules);
}

SitterRulesRef ControlService::sitter_rules(const std::vector<std::string>& conditions,
                                            const ProgramRef& program) const {
  if (conditions.empty()) return nullptr;
  return std::make_shared<const SitterRules>(deps_.rules->rules, conditions,
                                             program_ids(program, deps_.check.resolver),
                                             *deps_.check.chair);
}

Expected<ControlService::StartInputs, Refusal> ControlService::start_inputs(
    const chair::v1::StartSessionRequest& request) const {
  if (auto refusal = check_start_request(request, *deps_.check.chair)) return Unexpected{*refusal};
  if (!deps_.rules->ok()) return Unexpected{no_rules(*deps_.rules)};
  StartInputs in;
  std::vector<std::string> composed_conditions;
  if (request.has_manual()) {
    const auto& m = request.manual();
    ManualSettings manual{m.technique(), m.zone(), kManualDefaultMs, std::nullopt, std::nullopt};
    if (m.has_duration_ms()) manual.duration_ms = m.duration_ms();
    if (m.has_intensity()) manual.intensity = m.intensity();
    if (m.has_tempo_cpm()) manual.tempo_cpm = m.tempo_cpm();
    if (auto refusal = check_manual_technique(manual, "manual.")) return Unexpected{*refusal};
    auto program = manual_program(manual);
    if (!program) return Unexpected{program_check_failed("manual", "Manual", program.error())};
    in.entry.program = *program;
    in.entry.planned_duration_ms = manual.duration_ms;
    in.entry.step_count = 1;
    in.manual = std::move(manual);
  } else if (!request.composition_id().empty()) {
    auto composed = composed_.find(request.composition_id());
    if (!composed) {
      const std::string message = fmt::format(
          "no composed session {}: chaird keeps the last {} compositions until it restarts; "
          "compose it again",
          excerpt(request.composition_id()), ComposedSessions::kCapacity);
      return Unexpected{Refusal{Refusal::Kind::kNotFound,
                                message,
                                {{"composition_id", message, "UNKNOWN_VALUE", {}, {}, {}}},
                                {},
                                "This session is no longer available. Please compose it again."}};
    }
    if (composed->library != deps_.library.current()) {
      const std::string message = fmt::format(
          "the program library changed since {} was composed (a program was saved or deleted); "
          "compose it again",
          excerpt(request.composition_id()));
      return Unexpected{Refusal{Refusal::Kind::kFailedPrecondition,
                                message,
                                {},
                                {{"COMPOSITION_STALE", request.composition_id(), message}},
                                "This session is no longer available. Please compose it again."}};
    }
    in.entry = std::move(composed->entry);
    composed_conditions = std::move(composed->conditions);
  } else {
    const auto library = deps_.library.current();
    const LibraryEntry* entry = library->find(request.program_id());
    if (entry == nullptr) return Unexpected{no_such_program(request.program_id(), "program_id")};
    in.entry = *entry;  // keeps the program, whatever happens to the library meanwhile
  }
  options_focus(request.focus(), in.options.scaling);
  in.conditions.assign(request.health_conditions().begin(), request.health_conditions().end());
  // A composed session keeps the answers it was composed for, whatever the start repeats.
  for (auto& c : composed_conditions) {
    if (std::find(in.conditions.begin(), in.conditions.end(), c) == in.conditions.end())
      in.conditions.push_back(std::move(c));
  }
  // Manual mode with conditions is refused (screen_conditions): no rules to apply there.
  if (!in.manual) in.options.scaling.sitter = sitter_rules(in.conditions, in.entry.program);
  PlanOptions& options = in.options;
  if (request.has_intensity_scale()) options.scaling.intensity_scale = request.intensity_scale();
  if (request.has_speed_scale()) options.scaling.speed_scale = request.speed_scale();
  if (request.body_scan().has_shoulder_mm())
    options.body.scanned_shoulder_mm = request.body_scan().shoulder_mm();
  if (request.body_scan().has_height_cm()) options.body.height_cm = request.body_scan().height_cm();
  if (request.has_shoulder_offset_mm())
    options.body.shoulder_offset_mm = request.shoulder_offset_mm();
  in.limits = request.limits();
  return in;
}

std::optional<Refusal> ControlService::check_manual_technique(const ManualSettings& manual,
                                                              const std::string& prefix) const {
  const LoadedTechnique* technique = deps_.check.catalog->find(manual.technique);
  if (technique == nullptr) {
    std::vector<std::string> names;
    for (const auto& t : deps_.check.catalog->all()) names.push_back(t.name);
    const std::string message = fmt::format("no technique {} on this chair (it has: {})",
                                            excerpt(manual.technique), fmt::join(names, ", "));
    return Refusal{Refusal::Kind::kInvalidArgument,
                   message,
                   {{prefix + "technique", message, "UNKNOWN_VALUE", {}, {}, {}}},
                   {},
                   {}};
  }
  const auto& tempo = technique->description.tempo;
  if (manual.tempo_cpm && (tempo.max_cpm == 0.0 || *manual.tempo_cpm < tempo.min_cpm ||
                           *manual.tempo_cpm > tempo.max_cpm)) {
    const std::string message =
        tempo.max_cpm == 0.0
            ? fmt::format("technique '{}' has no rhythm; leave tempo_cpm unset", technique->name)
            : fmt::format("tempo_cpm must be between {:g} and {:g} for technique '{}'",
                          tempo.min_cpm, tempo.max_cpm, technique->name);
    return Refusal{
        Refusal::Kind::kInvalidArgument,
        message,
        {{prefix + "tempo_cpm", message, "OUT_OF_RANGE", tempo.min_cpm, tempo.max_cpm, {}}},
        {},
        {}};
  }
  return std::nullopt;
}

void ControlService::options_focus(const chair::v1::Focus& focus, SessionScaling& scaling) {
  scaling.focus_areas.assign(focus.areas().begin(), focus.areas().end());
  std::sort(scaling.focus_areas.begin(), scaling.focus_areas.end());
  scaling.focus_areas.erase(std::unique(scaling.focus_areas.begin(), scaling.focus_areas.end()),
                            scaling.focus_areas.end());
}

std::optional<Refusal> ControlService::screen_conditions(const StartInputs& in) const {
  if (in.manual && !in.conditions.empty()) {
    // No program author screened what the sitter will choose: manual mode is for sitters who
    // reported nothing.
    Refusal r{Refusal::Kind::kFailedPrecondition,
              "manual mode is not offered to a sitter who reported a health condition; choose a "
              "program suited to them, or ask staff"};
    for (const auto& c : in.conditions) {
      if (std::any_of(r.blocking.begin(), r.blocking.end(),
                      [&](const auto& b) { return b.subject == c; }))
        continue;
      r.blocking.push_back({"CONTRAINDICATION", c, "manual mode is not offered with " + c});
    }
    r.sitter_message =
        "Manual mode is not available for you. Please choose a program or ask staff.";
    return r;
  }
  const auto& meta = in.entry.program->program.metadata();
  auto why = ruled_out_by(meta, in.conditions);
  std::vector<const ConditionRule*> rules;
  if (const auto& sitter = in.options.scaling.sitter) {
    auto verdict =
        judge_for_sitter(in.entry.program, deps_.check.resolver, *sitter, *deps_.check.chair);
    rules = std::move(verdict.refusals);
    // Every step skipped: the program is not for them either (the plan would be refused).
    if (verdict.nothing_left) {
      for (const auto& r : sitter->rules())
        if (r.action == RuleAction::kSkip) rules.push_back(&r);
    }
  }
  if (why.empty() && rules.empty()) return std::nullopt;
  return unsuitable(meta, why, rules);
}

void ControlService::apply_feedback(const std::string& user_id, const ProgramRef& program,
                                    PlanOptions& options) const {
  deps_.history.flush();  // the sitter's last session may have ended a moment ago
  auto rows = deps_.stores.history.list(user_id, kFeedbackSessions);
  if (!rows) {
    // Their feedback only makes a session gentler where they asked: without it the program
    // runs as written, as for a sitter who did not sign in.
    spdlog::warn("the feedback of {} cannot be read: {}", excerpt(user_id), rows.error());
    return;
  }
  const auto softening =
      soften_from_feedback(*rows, *deps_.check.chair, zones_worked(program, deps_.check.resolver));
  for (const auto& z : softening.zones) {
    auto it = std::find_if(options.scaling.zones.begin(), options.scaling.zones.end(),
                           [&](const ZoneScale& s) { return s.zone == z.zone; });
    if (it == options.scaling.zones.end())
      options.scaling.zones.push_back(z);
    else
      it->factor = std::min(it->factor, z.factor);
  }
  options.notes.insert(options.notes.end(), softening.notes.begin(), softening.notes.end());
}

template <typename Job>
void ControlService::post_after_feedback(const std::string& user_id, const ProgramRef& program,
                                         std::shared_ptr<PlanOptions> options, Job job) {
  if (user_id.empty()) {
    boost::asio::post(deps_.planning, std::move(job));
    return;
  }
  // The database is read on its own thread, never a gRPC one; the plan waits for it.
  boost::asio::post(deps_.records, [this, user_id, program, options = std::move(options),
                                    job = std::move(job)]() mutable {
    apply_feedback(user_id, program, *options);
    boost::asio::post(deps_.planning, std::move(job));
  });
}

grpc::ServerUnaryReactor* ControlService::StartSession(
    grpc::CallbackServerContext* context, const chair::v1::StartSessionRequest* request,
    chair::v1::StartSessionResponse* response) {
  if (auto refused = refuse_caller(*context, "StartSession", *request))
    return finish_now(context, *refused);
  auto inputs = start_inputs(*request);
  if (!inputs) return finish_now(context, to_status(inputs.error()));
  auto* reactor = new HeldCallReactor(deps_.start_hold);

  // A retry of a start (the same request_id): the first attempt's answer, not a second start.
  const std::string request_id = request->request_id();
  if (!request_id.empty()) {
    chair::v1::StartSessionResponse remembered;
    switch (start_ids_.claim(*request, {reactor, response}, &remembered)) {
      case StartRequestIds::Claim::kAnswered: {
        // Its session may have ended long ago (a kiosk whose ids began again at the same
        // value): an OK would show a session that does not run, and a new start would be a
        // second one the kiosk did not ask for. It is told, and nothing starts.
        const auto latest = deps_.hub.latest();
        if (latest->session_id() != remembered.session_id() ||
            !session_in_progress(latest->state())) {
          const std::string why = fmt::format(
              "request_id {} started {}, which has ended; a new start needs a new request_id",
              excerpt(request_id), remembered.session_id());
          reactor->Finish(to_status(Refusal{Refusal::Kind::kFailedPrecondition,
                                            why,
                                            {},
                                            {{"REQUEST_ID_USED", request_id, why}},
                                            {}}));
          return reactor;
        }
        *response = std::move(remembered);
        if (response->history_note() != SessionHistoryRecorder::kHeldBackNote) {
          reactor->Finish(grpc::Status::OK);
          return reactor;
        }
        // Told afresh: a session that was held back may be in the history by now (or, dropped,
        // not at all).
        boost::asio::post(deps_.records, [this, reactor, response] {
          const bool flushed = deps_.history.flush();
          response->set_history_note(
              deps_.history.history_note(response->session_id(), std::nullopt, flushed));
          reactor->Finish(grpc::Status::OK);
        });
        return reactor;
      }
      case StartRequestIds::Claim::kWaiting:
        spdlog::info("start request {}: a retry waits for the first attempt", excerpt(request_id));
        return reactor;  // answered with the first attempt
      case StartRequestIds::Claim::kConflict: {
        const std::string why = fmt::format(
            "request_id {} was used for a different start request; a retry must send "
            "the same request, and a new start a new id",
            excerpt(request_id));
        reactor->Finish(to_status(Refusal{Refusal::Kind::kInvalidArgument,
                                          why,
                                          {{"request_id", why, "REUSED", {}, {}, {}}},
                                          {},
                                          {}}));
        return reactor;
      }
      case StartRequestIds::Claim::kFirst:
        break;
    }
  }
  // Every outcome of this attempt goes through here, so that its retries get it too. The
  // attempt's own answer is not held up; the dispatch thread must not take the ids' lock, so
  // the record (and the answer to any retry waiting) is made on the planning pool, from a copy.
  auto done = [this, reactor, response, request_id](grpc::Status status) {
    if (!request_id.empty()) {
      boost::asio::post(deps_.planning, [this, request_id, status, answer = *response] {
        start_ids_.finish(request_id, status, answer);
      });
    }
    reactor->Finish(std::move(status));
  };

  // One start at a time; the claim is held until this start has begun or been refused, and
  // any stop that arrives meanwhile cancels it.
  auto claimed = deps_.sessions.claim_start();
  if (!claimed) {
    done(to_status(claimed.error()));
    return reactor;
  }
  StartGate::ClaimPtr claim = std::move(*claimed);
  // A refusal lets the gate go before it answers: a kiosk that starts again at once must not
  // meet its own refused start still holding it.
  const auto refuse = [done](StartGate::ClaimPtr& held, grpc::Status status) {
    held.reset();
    done(std::move(status));
  };
  // Refuse early what would be refused anyway, before spending time on a plan.
  if (auto refusal = deps_.sessions.start_refusal()) {
    refuse(claim, to_status(*refusal));
    return reactor;
  }
  if (auto refusal = screen_conditions(*inputs)) {
    refuse(claim, to_status(*refusal));
    return reactor;
  }

  PlanOptions options = inputs->options;
  options.initial_values = deps_.sessions.chair_state();
  std::shared_ptr<const EnergyHistory> energy = deps_.sessions.energy_history();

  ProgramRef program = inputs->entry.program;
  const std::string name = program->program.metadata().name();
  // Text from a client: one line in the history, as in the status's controller.
  std::string client = one_line(request->client_name(), kMaxClientNameBytes);
  // What the history keeps of this start, once it has begun.
  store::SessionStartRecord record{{},
                                   request->user_id(),
                                   program->id(),
                                   name,
                                   client,
                                   0,
                                   0,
                                   options.scaling.intensity_scale,
                                   options.scaling.speed_scale};
  auto planned_options = std::make_shared<PlanOptions>(std::move(options));
  // Manual mode is the sitter's own choice, changed live: their feedback shapes programs.
  const std::string feedback_user = inputs->manual ? std::string() : request->user_id();
  auto plan_and_start = [this, context, done, refuse, response, program, name,
                         options = planned_options, manual = std::move(inputs->manual),
                         limits = std::move(inputs->limits), client = std::move(client),
                         energy = std::move(energy), claim = std::move(claim),
                         record = std::move(record)]() mutable {
    if (auto gone = why_not_begin(context, *claim)) {
      refuse(claim, *gone);
      return;
    }
    auto checked = check_program(program, deps_.check, *options, *energy, limits);
    if (!checked) {
      spdlog::warn("start '{}' refused:\n{}", program->id(), checked.error().to_string());
      refuse(claim, to_status(program_check_failed(program->id(), name, checked.error())));
      return;
    }
    if (deps_.start_hold != nullptr) deps_.start_hold->pass();
    PreparedSession prepared{program->id(), name, checked->governed, client, energy};
    boost::asio::post(
        deps_.dispatch, [this, context, done, refuse, response, claim = std::move(claim),
                         prepared = std::move(prepared), record = std::move(record),
                         plan = checked->plan, manual = std::move(manual)]() mutable {
          // The last moment before the chair moves: a stop, a cancelled call or a passed deadline
          // that came first wins.
          if (auto gone = why_not_begin(context, *claim)) {
            refuse(claim, *gone);
            return;
          }
          const auto governed = prepared.timeline;
          auto started = deps_.sessions.start(*claim, std::move(prepared));
          if (!started) {
            refuse(claim, to_status(started.error()));
            return;
          }
          // The intensity the session runs at: a program may have held the sitter's request lower.
          record.intensity_scale = plan->options.scaling.intensity_scale;
          // What a live adjustment re-plans from.
          session_plan_.store(std::make_shared<const SessionPlan>(
              SessionPlan{started->session_id, std::move(plan), std::move(manual)}));
          record.session_id = started->session_id;
          record.started_at_unix_ms = deps_.history.now_unix_ms();
          record.planned_duration_ms = governed->timeline().duration_ms;
          const auto line = deps_.history.session_started(std::move(record));  // queued only
          response->set_session_id(started->session_id);
          response->set_lease_token(started->lease_token);
          response->set_lease_ms(deps_.sessions.lease_ms());
          response->set_planned_duration_ms(governed->timeline().duration_ms);
          for (const auto& a : governed->adaptations()) response->add_adaptations(a);
          // Answered once the history holds the session, so that chaird killed just after the
          // answer keeps every session a kiosk was told had started (bench/crash.sh); or, while
          // another process holds the database, once that is found: the line stays queued
          // (docs/persistence.md). The wait is on the records thread, never the dispatch thread.
          boost::asio::post(deps_.records, [this, done, response, line] {
            const bool flushed = deps_.history.flush();
            response->set_history_note(
                deps_.history.history_note(response->session_id(), line, flushed));
            done(grpc::Status::OK);
          });
        });
  };
  post_after_feedback(feedback_user, program, std::move(planned_options),
                      std::move(plan_and_start));
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::PreviewSession(
    grpc::CallbackServerContext* context, const chair::v1::StartSessionRequest* request,
    chair::v1::PreviewSessionResponse* response) {
  // It runs the techniques' plugins, as a start does: not for anyone on the network.
  if (auto refused = refuse_caller(*context, "PreviewSession", *request))
    return finish_now(context, *refused);
  auto inputs = start_inputs(*request);
  if (!inputs) return finish_now(context, to_status(inputs.error()));
  response->set_chair_state(deps_.sessions.state());
  auto refused = [response](const Refusal& why) {
    response->set_outcome(chair::v1::PreviewSessionResponse::REFUSED);
    response->set_refusal(cut_utf8(why.message, kMaxRefusalBytes));
    *response->mutable_error_status() = error_status(why);
  };
  if (auto why = screen_conditions(*inputs)) {
    refused(*why);
    return finish_now(context, grpc::Status::OK);
  }
  auto options = std::make_shared<PlanOptions>(inputs->options);
  options->initial_values = deps_.sessions.chair_state();
  auto* reactor = context->DefaultReactor();
  const std::string feedback_user = inputs->manual ? std::string() : request->user_id();
  post_after_feedback(
      feedback_user, inputs->entry.program, options,
      [this, reactor, response, refused, options, program = inputs->entry.program,
       limits = std::move(inputs->limits), energy = deps_.sessions.energy_history()] {
        auto checked = check_program(program, deps_.check, *options, *energy, limits);
        if (!checked) {
          refused(program_check_failed(program->id(), program->program.metadata().name(),
                                       checked.error()));
        } else {
          const auto& governed = *checked->governed;
          response->set_planned_duration_ms(governed.timeline().duration_ms);
          for (const auto& a : governed.adaptations()) response->add_adaptations(a);
          response->set_outcome(governed.adaptations().empty()
                                    ? chair::v1::PreviewSessionResponse::RUNS_AS_WRITTEN
                                    : chair::v1::PreviewSessionResponse::SOFTENED);
        }
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::GetChair(grpc::CallbackServerContext* context,
                                                   const chair::v1::GetChairRequest* request,
                                                   chair::v1::GetChairResponse* response) {
  if (auto refused = refuse_caller(*context, "GetChair", *request))
    return finish_now(context, *refused);
  *response->mutable_profile() = deps_.check.chair->profile();
  response->set_state(deps_.sessions.state());
  const auto latest = deps_.hub.latest();
  response->set_session_id(latest->session_id());
  response->set_program_id(latest->program_id());
  *response->mutable_faults() = latest->faults();
  response->set_more_faults(latest->more_faults());
  *response->mutable_sensors() = latest->sensors();
  for (const auto& t : deps_.check.catalog->all())
    response->add_techniques(valid_utf8(t.description.name));
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::GetProgram(grpc::CallbackServerContext* context,
                                                     const chair::v1::GetProgramRequest* request,
                                                     chair::v1::GetProgramResponse* response) {
  if (auto refused = refuse_caller(*context, "GetProgram", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_program_id(request->program_id(), "program_id"))
    return finish_now(context, to_status(*refusal));
  const auto library = deps_.library.current();
  const LibraryEntry* entry = library->find(request->program_id());
  if (entry == nullptr)
    return finish_now(context, to_status(no_such_program(request->program_id(), "program_id")));
  *response->mutable_summary() = to_proto(*entry);
  *response->mutable_program() = entry->program->program;
  return finish_now(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ControlService::ValidateProgram(
    grpc::CallbackServerContext* context, const chair::v1::ValidateProgramRequest* request,
    chair::v1::ValidateProgramResponse* response) {
  // It runs the techniques' plugins on text from the caller: not for anyone on the network.
  if (auto refused = refuse_caller(*context, "ValidateProgram", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_validate_request(*request))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.planning, [this, reactor, request, response] {
    const std::string file =
        request->file_name().empty() ? std::string("upload.textproto") : request->file_name();
    Diagnostics found;
    auto parsed = parse_program_text(request->text(), file);
    if (!parsed) {
      found = parsed.error();
    } else {
      response->set_program_id(valid_utf8((*parsed)->id()));
      auto checked = check_program(*parsed, deps_.check);
      if (!checked) {
        found = checked.error();
      } else {
        found = checked->warnings;
        response->set_planned_duration_ms(checked->governed->timeline().duration_ms);
        response->set_step_count(static_cast<std::uint32_t>(checked->plan->steps.size()));
      }
    }
    response->set_valid(!found.has_errors());
    add_listed(std::move(found), *response->mutable_diagnostics());
    reactor->Finish(grpc::Status::OK);
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
                                                      const chair::v1::StopSessionRequest* request,
                                                      chair::v1::StopSessionResponse* response) {
  if (auto refused = refuse_caller(*context, "StopSession", *request))
    return finish_now(context, *refused);
  deps_.sessions.cancel_starts("a stop was requested");  // before anything else can begin
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response] {
    response->set_state(deps_.sessions.stop());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::PauseSession(
    grpc::CallbackServerContext* context, const chair::v1::PauseSessionRequest* request,
    chair::v1::PauseSessionResponse* response) {
  if (auto refused = refuse_caller(*context, "PauseSession", *request))
    return finish_now(context, *refused);
  // Before anything else can begin: a start being prepared or a resume waiting to run would
  // otherwise move the chair after the sitter asked it to hold.
  const bool caught = deps_.sessions.cancel_for_pause();
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, response, caught] {
    auto state = deps_.sessions.pause();
    // A pause that only kept a start or a resume from moving the chair did what was asked.
    if (!state && !caught) {
      reactor->Finish(to_status(state.error()));
      return;
    }
    response->set_state(state ? *state : deps_.sessions.state());
    response->set_max_pause_ms(deps_.sessions.max_pause_ms());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::ResumeSession(
    grpc::CallbackServerContext* context, const chair::v1::ResumeSessionRequest* request,
    chair::v1::ResumeSessionResponse* response) {
  if (auto refused = refuse_caller(*context, "ResumeSession", *request))
    return finish_now(context, *refused);
  // Taken now: a pause that arrives after this call, while it waits, wins over it.
  auto ticket = deps_.sessions.wait_to_resume();
  auto* reactor = new HeldCallReactor(deps_.start_hold);
  // Through the planning pool, where the bench's hold meets it like a start's, so that a test
  // can make a cancel, a stop or a pause meet a resume there deterministically.
  boost::asio::post(deps_.planning, [this, context, reactor, response, ticket,
                                     token = request->lease_token()]() mutable {
    if (deps_.start_hold != nullptr) deps_.start_hold->pass();
    boost::asio::post(deps_.dispatch, [this, context, reactor, response, ticket = std::move(ticket),
                                       token = std::move(token)] {
      // The last moment before the chair moves: an app that gave up must not see it move.
      if (auto gone = why_call_gone(context, "resume", "the chair stays paused")) {
        reactor->Finish(*gone);
        return;
      }
      auto resumed = deps_.sessions.resume(*ticket, token);
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
  if (auto refused = refuse_caller(*context, "KeepAlive", *request))
    return finish_now(context, *refused);
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
  if (auto refused = refuse_caller(*context, "TakeOverSession", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_take_over_request(*request))
    return finish_now(context, to_status(*refusal));
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
  if (auto refused = refuse_caller(*context, "EmergencyStop", *request))
    return finish_now(context, *refused);
  deps_.sessions.cancel_starts("an emergency stop was pressed");
  auto* reactor = context->DefaultReactor();
  // Accepted in every state, with any reason text: shown and logged as one line of valid UTF-8.
  // A reason that was not text at all stops the chair all the same.
  std::string reason = chair::wire::unreadable_fields(*request).empty()
                           ? one_line(request->reason(), 200)
                           : std::string("(the reason sent was not readable text)");
  boost::asio::post(deps_.dispatch, [this, reactor, response, reason = std::move(reason)] {
    response->set_state(deps_.sessions.emergency_stop(reason));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::ResetFault(grpc::CallbackServerContext* context,
                                                     const chair::v1::ResetFaultRequest* request,
                                                     chair::v1::ResetFaultResponse* response) {
  return reset(context, "ResetFault", *request,
               [response](SessionState s) { response->set_state(s); });
}

grpc::ServerUnaryReactor* ControlService::ResetSafety(grpc::CallbackServerContext* context,
                                                      const chair::v1::ResetSafetyRequest* request,
                                                      chair::v1::ResetSafetyResponse* response) {
  return reset(context, "ResetSafety", *request,
               [response](SessionState s) { response->set_state(s); });
}

grpc::ServerUnaryReactor* ControlService::reset(grpc::CallbackServerContext* context,
                                                std::string_view call,
                                                const google::protobuf::Message& request,
                                                std::function<void(SessionState)> answer) {
  if (auto refused = refuse_caller(*context, call, request)) return finish_now(context, *refused);
  deps_.sessions.cancel_starts("a reset was requested");
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.dispatch, [this, reactor, answer = std::move(answer)]() mutable {
    // Over a board link, answered once the board has answered its ClearFaults.
    deps_.sessions.reset([reactor, answer = std::move(answer)](auto state) {
      if (!state) {
        reactor->Finish(to_status(state.error()));
        return;
      }
      answer(*state);
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

grpc::ServerWriteReactor<chair::v1::SessionStatus>* ControlService::WatchSession(
    grpc::CallbackServerContext* context, const chair::v1::WatchSessionRequest* request) {
  if (auto refused = refuse_caller(*context, "WatchSession", *request))
    return new RefusedWatch(*refused);
  // A stream with a lease token keeps the session running, as KeepAlive does: a kiosk's.
  if (!request->lease_token().empty()) {
    if (auto refused = deps_.access.refuse(*context, "/chair.v1.ChairControl/KeepAlive",
                                           "WatchSession with a lease token"))
      return new RefusedWatch(*refused);
  }
  if (auto refusal = check_watch_request(*request)) return new RefusedWatch(to_status(*refusal));
  if (!request->session_id().empty() && deps_.hub.latest()->session_id() != request->session_id()) {
    return new RefusedWatch(to_status(Refusal{
        Refusal::Kind::kNotFound,
        fmt::format("session {} is not the current session", excerpt(request->session_id())),
        {{"session_id", "not the current session", "UNKNOWN_VALUE", {}, {}, {}}},
        {},
        {}}));
  }
  WatchOptions options;
  options.min_interval_ms = request->min_interval_ms();
  for (const auto& name : request->fields())
    options.fields.push_back(chair::v1::SessionStatus::descriptor()->FindFieldByName(name));

  std::function<void()> on_done;
  bool holds_lease = false;
  if (!request->lease_token().empty()) {
    // The controlling app's stream: it holds the lease while open.
    const std::string token = request->lease_token();
    // A few streams per controlling app (a kiosk that reconnects before its old stream has
    // closed): not an unbounded number for whoever holds the token.
    if (open_lease_watches_.fetch_add(1) >= kMaxLeaseWatches) {
      open_lease_watches_.fetch_sub(1);
      return new RefusedWatch(to_status(
          Refusal{Refusal::Kind::kResourceExhausted,
                  fmt::format("the controlling app has {} status streams open already; close one",
                              kMaxLeaseWatches),
                  {},
                  {},
                  {}}));
    }
    auto holds = deps_.sessions.watch_opened(token);
    if (!holds || !*holds) open_lease_watches_.fetch_sub(1);
    if (!holds) return new RefusedWatch(to_status(holds.error()));
    if (*holds) {
      holds_lease = true;
      boost::asio::post(deps_.dispatch, [this] { deps_.sessions.republish(); });
      on_done = [this, token] {
        open_lease_watches_.fetch_sub(1);
        boost::asio::post(deps_.dispatch, [this, token] { deps_.sessions.watch_closed(token); });
      };
    }
  }
  // Every other stream counts against the bound: the controlling app's is always served, so
  // that a crowd of screens cannot cost a sitter their session.
  if (!holds_lease) return bounded_watch(request->session_id(), std::move(options));
  return new WatchReactor(deps_.hub, request->session_id(), std::move(options), std::move(on_done));
}

grpc::ServerWriteReactor<chair::v1::SessionStatus>* ControlService::bounded_watch(
    std::string session_id, WatchOptions options) {
  if (open_watches_.fetch_add(1) >= deps_.max_watch_streams) {
    open_watches_.fetch_sub(1);
    return new RefusedWatch(to_status(Refusal{
        Refusal::Kind::kResourceExhausted,
        fmt::format("chaird serves at most {} status streams at once; close one, or watch "
                    "with the session's lease token (the controlling app's stream is always "
                    "served)",
                    deps_.max_watch_streams),
        {},
        {},
        "The chair's screens are busy. Please try again in a moment."}));
  }
  return new WatchReactor(deps_.hub, std::move(session_id), std::move(options),
                          [this] { open_watches_.fetch_sub(1); });
}

grpc::ServerWriteReactor<chair::v1::SessionStatus>* ControlService::WatchTelemetry(
    grpc::CallbackServerContext* context, const chair::v1::WatchTelemetryRequest* request) {
  if (auto refused = refuse_caller(*context, "WatchTelemetry", *request))
    return new RefusedWatch(*refused);
  if (auto refusal = check_telemetry_request(*request, *deps_.check.chair))
    return new RefusedWatch(to_status(*refusal));
  WatchOptions options;
  options.min_interval_ms = request->interval_ms();
  const auto* descriptor = chair::v1::SessionStatus::descriptor();
  options.fields = {descriptor->FindFieldByName("actuators"),
                    descriptor->FindFieldByName("sensors")};
  options.actuators.assign(request->actuators().begin(), request->actuators().end());
  return bounded_watch({}, std::move(options));
}

}  // namespace chaird::api
