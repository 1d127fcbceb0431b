// AdjustSession: a live change to the running session. Three hops, none of which blocks the
// dispatch thread: on the dispatch thread the session says from when a change may take effect
// (a moment past what the board has been sent); on the planning pool the rest is re-planned with
// the new options (the techniques on a guarded thread) and reviewed by the session's governor,
// in program time and in the time of what plays; back on the dispatch thread it is played, unless
// anything changed what plays meanwhile (a stop, a pause, an emergency stop, another adjustment,
// the end), in which case nothing changes and the app is told so.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "common/utf8_text.hpp"
#include "control_service.hpp"
#include "error_status.hpp"
#include "request_checks.hpp"
#include "timeline/timeline_rest.hpp"
#include "unary_calls.hpp"

namespace chaird::api {
namespace {

// How far past what the board has been sent a change starts, ms of chair time: room for the
// re-plan (a few ms of real time; at 20x a second of chair time is 50 ms).
constexpr std::int64_t kAdjustLeadMs = 1000;
// "Too strong here" softens the zones at work by a fifth each time, down to this.
constexpr double kSoftenStep = 0.8;
constexpr double kMinZoneFactor = 0.3;

Refusal refused_change(const std::string& why) {
  return Refusal{Refusal::Kind::kFailedPrecondition,
                 one_line("the change cannot be made: " + why, 600),
                 {},
                 {{"PROGRAM_CHECK", "adjustment", one_line(why, 300)}},
                 "That change is not possible right now. The session goes on as before."};
}

// What the history keeps of an adjustment, as a person reads it.
std::string adjustment_text(const chair::v1::AdjustSessionRequest& r,
                            const std::vector<std::string>& active_zones) {
  std::vector<std::string> parts;
  if (r.has_intensity_scale()) parts.push_back(fmt::format("intensity {:g}", r.intensity_scale()));
  if (r.has_speed_scale()) parts.push_back(fmt::format("speed {:g}", r.speed_scale()));
  if (r.too_strong_here()) {
    parts.push_back(active_zones.empty()
                        ? std::string("too strong (nothing at work)")
                        : fmt::format("too strong: {}", fmt::join(active_zones, ", ")));
  }
  if (r.has_focus()) {
    parts.push_back(r.focus().areas().empty()
                        ? std::string("focus ended")
                        : fmt::format("focus: {}", fmt::join(r.focus().areas(), ", ")));
  }
  if (r.has_manual()) {
    if (!r.manual().technique().empty()) parts.push_back("technique " + r.manual().technique());
    if (!r.manual().zone().empty()) parts.push_back("zone " + r.manual().zone());
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

Expected<StepReplacement, Refusal> ControlService::manual_change(
    std::optional<ManualSettings>& manual, const chair::v1::ManualChange& change) const {
  if (!manual) {
    return Unexpected{Refusal{Refusal::Kind::kFailedPrecondition,
                              "this session runs a program: its technique and zone can be "
                              "changed only in manual mode",
                              {},
                              {{"SESSION_MODE", "program", "the session runs a program"}},
                              "This program's techniques cannot be changed. The session goes "
                              "on as before."}};
  }
  ManualSettings next = *manual;
  if (!change.technique().empty() && change.technique() != next.technique) {
    next.technique = change.technique();
    next.tempo_cpm.reset();  // the old technique's tempo may not suit the new one
  }
  if (!change.zone().empty()) next.zone = change.zone();
  if (auto refusal = check_manual_technique(next, "manual.")) return Unexpected{*refusal};
  auto program = manual_program(next);
  if (!program) return Unexpected{refused_change(program.error().first_error())};
  Diagnostics d;
  auto expanded = expand_program(
      *program, [](std::string_view) { return ProgramRef{}; }, deps_.check.limits.expansion, d);
  if (d.has_errors() || expanded.steps.size() != 1) {
    return Unexpected{refused_change(d.has_errors() ? d.first_error() : "no step to play")};
  }
  manual = std::move(next);
  return StepReplacement{std::move(expanded.steps.front()), *program};
}

grpc::ServerUnaryReactor* ControlService::AdjustSession(
    grpc::CallbackServerContext* context, const chair::v1::AdjustSessionRequest* request,
    chair::v1::AdjustSessionResponse* response) {
  if (auto refused = refuse_caller(*context, "AdjustSession", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_adjust_request(*request))
    return finish_now(context, to_status(*refusal));
  auto* reactor = new HeldCallReactor(deps_.start_hold);
  boost::asio::post(deps_.dispatch, [this, context, reactor, request, response] {
    auto ticket = deps_.sessions.begin_adjust(request->lease_token(), kAdjustLeadMs);
    if (!ticket) {
      reactor->Finish(to_status(ticket.error()));
      return;
    }
    boost::asio::post(deps_.planning, [this, context, reactor, request, response,
                                       ticket = std::move(*ticket)] {
      const auto current = session_plan_.load();
      if (current == nullptr || current->session_id != ticket.session_id) {
        reactor->Finish(to_status(Refusal{Refusal::Kind::kAborted,
                                          "the session changed before the adjustment was "
                                          "planned; nothing was changed",
                                          {},
                                          {},
                                          {}}));
        return;
      }
      PlanOptions options = current->plan->options;
      auto& scaling = options.scaling;
      if (request->has_focus()) options_focus(request->focus(), scaling);
      std::optional<ManualSettings> manual = current->manual;
      std::optional<StepReplacement> replacement;
      if (request->has_manual()) {
        auto changed = manual_change(manual, request->manual());
        if (!changed) {
          reactor->Finish(to_status(changed.error()));
          return;
        }
        replacement = std::move(*changed);
      }
      // What the sitter asked for last, not what the program held it at: a change of speed or
      // focus keeps the request (and the session goes on saying it is held).
      scaling.intensity_scale = request->has_intensity_scale()
                                    ? request->intensity_scale()
                                    : current->plan->asked_intensity_scale;
      if (request->has_speed_scale()) scaling.speed_scale = request->speed_scale();
      if (request->too_strong_here()) {
        for (const auto& zone : ticket.active_zones) {
          auto it = std::find_if(scaling.zones.begin(), scaling.zones.end(),
                                 [&](const ZoneScale& z) { return z.zone == zone; });
          if (it == scaling.zones.end()) it = scaling.zones.insert(scaling.zones.end(), {zone});
          it->factor = std::max(kMinZoneFactor, it->factor * kSoftenStep);
        }
      }
      auto replanned =
          replan_rest(current->plan, ticket.from_program_ms, options, deps_.check.limits,
                      deps_.check.plugin_budget, std::move(replacement));
      if (!replanned) {
        reactor->Finish(to_status(refused_change(replanned.error().first_error())));
        return;
      }
      // The session's own governor: the limits its start was reviewed with.
      const SafetyGovernor governor(ticket.program->reviewed_chair(),
                                    ticket.program->session_limits());
      auto program = governor.review((*replanned)->timeline, *ticket.program_energy);
      if (!program) {
        reactor->Finish(to_status(refused_change(program.error().first_error())));
        return;
      }
      auto playing = governor.review(splice_from(ticket.playing->timeline(), (*program)->timeline(),
                                                 ticket.from_ms, ticket.shift_ms),
                                     *ticket.playing_energy);
      if (!playing) {
        reactor->Finish(to_status(refused_change(playing.error().first_error())));
        return;
      }
      if (deps_.start_hold != nullptr) deps_.start_hold->pass();
      boost::asio::post(deps_.dispatch, [this, context, reactor, request, response, ticket,
                                         manual = std::move(manual), plan = std::move(*replanned),
                                         adjusted = Adjusted{*playing, *program}]() mutable {
        // The app gave up (or its deadline passed) before the change was made: nothing changes.
        if (auto gone = why_call_gone(context, "adjustment", "nothing was changed")) {
          reactor->Finish(*gone);
          return;
        }
        const auto governed = adjusted.program;
        auto from = deps_.sessions.finish_adjust(ticket, std::move(adjusted));
        if (!from) {
          reactor->Finish(to_status(from.error()));
          return;
        }
        const auto& now_scaled = plan->options.scaling;
        response->set_intensity_scale(now_scaled.intensity_scale);
        response->set_speed_scale(now_scaled.speed_scale);
        for (const auto& z : now_scaled.zones) {
          auto* out = response->add_softened_zones();
          out->set_zone(z.zone);
          out->set_factor(z.factor);
        }
        response->set_effective_from_ms(*from);
        for (const auto& a : governed->adaptations()) response->add_adaptations(a);
        for (const auto& area : now_scaled.focus_areas) response->add_focus_areas(area);
        if (manual) {
          response->set_technique(manual->technique);
          response->set_zone(manual->zone);
        }
        const std::uint64_t line = deps_.history.session_adjusted(
            {ticket.session_id, *from, adjustment_text(*request, ticket.active_zones)});
        session_plan_.store(std::make_shared<const SessionPlan>(
            SessionPlan{ticket.session_id, std::move(plan), std::move(manual)}));
        // Answered once the history holds the change (or another process's lock is found), as
        // StartSession is; the wait is on the records thread, never on the dispatch thread.
        boost::asio::post(deps_.records, [this, reactor, response, id = ticket.session_id, line] {
          const bool flushed = deps_.history.flush();
          response->set_history_note(deps_.history.history_note(id, line, flushed));
          reactor->Finish(grpc::Status::OK);
        });
      });
    });
  });
  return reactor;
}

}  // namespace chaird::api
