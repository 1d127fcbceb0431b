// Sitters who sign in: their profile, their session history (as records or CSV) and their
// feedback. Every call reads or writes chaird's database on the records thread; a history read
// first waits for the sessions the recorder has queued, so that a session that just ended is
// in it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "common/utf8_text.hpp"
#include "control_service.hpp"
#include "error_status.hpp"
#include "history_pages.hpp"
#include "request_checks.hpp"
#include "unary_calls.hpp"

namespace chaird::api {
namespace {

constexpr std::uint32_t kDefaultHistoryLimit = 50;
// A repeated message field's tag and length, beside the message itself.
constexpr std::size_t kRepeatedFieldOverheadBytes = 8;

std::size_t history_limit(const chair::v1::ListSessionHistoryRequest& request) {
  return request.limit() == 0 ? kDefaultHistoryLimit : request.limit();
}

// The details (the database's path, SQLite's words) go to the log, not to the app; one line,
// for the words can come from another program (a trigger).
Refusal database_failed(const std::string& what, const std::string& why) {
  spdlog::error("{}: {}", what, one_line(why, 600));
  return Refusal{
      Refusal::Kind::kUnavailable,
      fmt::format("{}: chaird's database could not be used (chaird's log says why)", what),
      {},
      {},
      {}};
}

// Another process holds chaird's database (sqlite3, a backup) and lines of history wait for it:
// what reads or forgets the history now would not see them.
Refusal history_held_back(const std::string& what) {
  return Refusal{Refusal::Kind::kUnavailable,
                 fmt::format("{}: the session history is waiting for another program to let go "
                             "of chaird's database; try again in a moment",
                             what),
                 {},
                 {},
                 {}};
}

// Profiles a chair keeps: a bound on what one client can fill the disk with.
constexpr std::int64_t kMaxProfiles = 10'000;

Refusal no_profile(const std::string& user_id) {
  const std::string why = fmt::format("no profile for user {}", excerpt(user_id));
  return Refusal{Refusal::Kind::kNotFound,
                 why,
                 {{"user_id", why, "UNKNOWN_VALUE", {}, {}, {}}},
                 {},
                 "We could not find your profile. Please sign in again or ask staff."};
}

// A stored profile as a kiosk may have it: parsed, stripped of fields chaird does not know, and
// checked as SaveUserProfile checks one, since another program may have written the row.
std::optional<Refusal> read_stored_profile(const std::string& user_id, const std::string& blob,
                                           chair::v1::UserProfile& profile) {
  const auto unusable = [&](const std::string& why) {
    return Refusal{Refusal::Kind::kDataLoss,
                   fmt::format("the stored profile of {} was changed outside chaird and cannot "
                               "be used ({}); save the profile again",
                               excerpt(user_id), why),
                   {},
                   {},
                   "We could not read your profile. Please save it again or ask staff."};
  };
  if (!profile.ParseFromString(blob)) return unusable("it does not parse");
  profile.DiscardUnknownFields();
  if (profile.user_id() != user_id) {
    return unusable(fmt::format("it is the profile of {}", excerpt(profile.user_id())));
  }
  if (auto refusal = check_user_profile(profile)) return unusable(one_line(refusal->message, 300));
  return std::nullopt;
}

chair::v1::SessionRecord to_proto(const store::HistoryRow& row) {
  chair::v1::SessionRecord out;
  out.set_session_id(valid_utf8(row.start.session_id));
  out.set_user_id(valid_utf8(row.start.user_id));
  out.set_program_id(valid_utf8(row.start.program_id));
  out.set_program_name(valid_utf8(row.start.program_name));
  out.set_client_name(valid_utf8(row.start.client));
  out.set_started_at_unix_ms(row.start.started_at_unix_ms);
  out.set_planned_duration_ms(row.start.planned_duration_ms);
  out.set_intensity_scale(row.start.intensity_scale);
  out.set_speed_scale(row.start.speed_scale);
  if (row.end) {
    out.set_ended_at_unix_ms(row.end->ended_at_unix_ms);
    out.set_how_it_ended(valid_utf8(row.end->end_state));
    out.set_end_reason(valid_utf8(row.end->end_reason));
    out.set_elapsed_ms(row.end->elapsed_ms);
  }
  auto* f = out.mutable_feedback();
  if (row.feedback.discomfort_before) f->set_discomfort_before(*row.feedback.discomfort_before);
  if (row.feedback.discomfort_after) f->set_discomfort_after(*row.feedback.discomfort_after);
  for (const auto& z : row.feedback.too_strong_zones) f->add_too_strong_zones(valid_utf8(z));
  f->set_note(valid_utf8(row.feedback.note));
  for (const auto& a : row.adjustments) {
    auto* adjusted = out.add_adjustments();
    adjusted->set_at_program_ms(a.at_program_ms);
    adjusted->set_change(valid_utf8(a.change));
  }
  return out;
}

}  // namespace

grpc::ServerUnaryReactor* ControlService::GetUserProfile(
    grpc::CallbackServerContext* context, const chair::v1::GetUserProfileRequest* request,
    chair::v1::UserProfile* response) {
  if (auto refused = refuse_caller(*context, "GetUserProfile", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_user_id(request->user_id(), "user_id", true))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request, response] {
    auto stored = deps_.stores.profiles.get(request->user_id());
    if (!stored) {
      reactor->Finish(to_status(database_failed("reading a profile", stored.error())));
    } else if (!stored->has_value()) {
      reactor->Finish(to_status(no_profile(request->user_id())));
    } else if (auto refusal = read_stored_profile(request->user_id(), **stored, *response)) {
      spdlog::warn("{}", refusal->message);
      reactor->Finish(to_status(*refusal));
    } else {
      reactor->Finish(grpc::Status::OK);
    }
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::SaveUserProfile(grpc::CallbackServerContext* context,
                                                          const chair::v1::UserProfile* request,
                                                          chair::v1::UserProfile* response) {
  if (auto refused = refuse_caller(*context, "SaveUserProfile", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_user_profile(*request)) return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request, response] {
    *response = *request;
    // Only what chaird checked is kept: fields it does not know are not stored or sent back.
    response->DiscardUnknownFields();
    response->set_updated_at_unix_ms(deps_.history.now_unix_ms());
    auto existing = deps_.stores.profiles.get(response->user_id());
    auto count = deps_.stores.profiles.count();
    if (!existing || !count) {
      reactor->Finish(to_status(
          database_failed("saving a profile", !existing ? existing.error() : count.error())));
      return;
    }
    if (!existing->has_value() && *count >= kMaxProfiles) {
      reactor->Finish(to_status(Refusal{
          Refusal::Kind::kResourceExhausted,
          fmt::format("this chair keeps at most {} profiles; forget some first", kMaxProfiles),
          {},
          {},
          {}}));
      return;
    }
    auto stored = deps_.stores.profiles.put(response->user_id(), response->SerializeAsString(),
                                            response->updated_at_unix_ms());
    if (!stored) {
      reactor->Finish(to_status(database_failed("saving a profile", stored.error())));
      return;
    }
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

// Records thread. A forget of the history leaves no line of the sitter's behind: it waits while
// one may still come, from a start being prepared (which may be theirs, and would begin after
// the forget), from their session that has not ended (its end is written when it ends), or held
// back by another process's lock; and the recorder writes nothing while it runs, so that a
// session that begins meanwhile is written whole, after it, as a new session.
Expected<store::ForgetResult, Refusal> ControlService::remove_profile(const std::string& user_id,
                                                                      bool with_history) {
  const auto removed = [&]() -> Expected<store::ForgetResult, Refusal> {
    auto r = deps_.stores.profiles.remove(user_id, with_history);
    if (!r) return Unexpected{database_failed("deleting a profile", r.error())};
    return *r;
  };
  if (!with_history) return removed();
  const std::string what = "forgetting a sitter's history";
  if (deps_.sessions.start_being_prepared()) {
    return Unexpected{Refusal{Refusal::Kind::kUnavailable,
                              what + ": a session is starting; try again in a moment",
                              {},
                              {},
                              {}}};
  }
  std::optional<Expected<store::ForgetResult, Refusal>> result;
  switch (deps_.history.while_quiet_for(user_id, [&] { result = removed(); })) {
    case SessionHistoryRecorder::Quiet::kDone:
      return *result;
    case SessionHistoryRecorder::Quiet::kSessionRunning: {
      // Stopped and easing off (or ended, its end not yet queued): ending by itself, soon.
      const auto now = deps_.sessions.state();
      if (now != chair::v1::RUNNING && now != chair::v1::PAUSED) {
        return Unexpected{Refusal{Refusal::Kind::kUnavailable,
                                  what + ": the sitter's session is ending; try again in a few "
                                         "seconds",
                                  {},
                                  {},
                                  {}}};
      }
      return Unexpected{Refusal{Refusal::Kind::kFailedPrecondition,
                                what + ": the sitter's session has not ended; stop it, or let it "
                                       "end, then try again",
                                {},
                                {},
                                {}}};
    }
    case SessionHistoryRecorder::Quiet::kHeldBack:
      break;
  }
  return Unexpected{history_held_back(what)};
}

grpc::ServerUnaryReactor* ControlService::DeleteUserProfile(
    grpc::CallbackServerContext* context, const chair::v1::DeleteUserProfileRequest* request,
    chair::v1::DeleteUserProfileResponse* response) {
  if (auto refused = refuse_caller(*context, "DeleteUserProfile", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_user_id(request->user_id(), "user_id", true))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request, response] {
    auto removed = remove_profile(request->user_id(), request->forget_history());
    if (!removed) {
      reactor->Finish(to_status(removed.error()));
      return;
    }
    if (!removed->profile_deleted && removed->sessions_forgotten == 0) {
      reactor->Finish(to_status(no_profile(request->user_id())));
      return;
    }
    response->set_profile_deleted(removed->profile_deleted);
    response->set_sessions_forgotten(static_cast<std::uint32_t>(removed->sessions_forgotten));
    spdlog::info("user {} forgotten ({} sessions of history with it)", excerpt(request->user_id()),
                 removed->sessions_forgotten);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

Expected<std::vector<store::HistoryRow>, Refusal> ControlService::read_history(
    const chair::v1::ListSessionHistoryRequest& request, std::string& note) {
  if (!deps_.history.flush()) {
    note =
        "sessions another program's hold on chaird's database keeps back may be missing from "
        "this list; chaird writes them when that program lets go";
  }
  // The request's checks refused a token chaird did not give.
  auto rows = deps_.stores.history.list(request.user_id(),
                                        static_cast<std::int64_t>(history_limit(request)) + 1,
                                        parse_page_token(request.page_token()));
  if (!rows) return Unexpected{database_failed("reading the session history", rows.error())};
  return std::move(*rows);
}

grpc::ServerUnaryReactor* ControlService::ListSessionHistory(
    grpc::CallbackServerContext* context, const chair::v1::ListSessionHistoryRequest* request,
    chair::v1::ListSessionHistoryResponse* response) {
  if (auto refused = refuse_caller(*context, "ListSessionHistory", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_history_request(*request))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request, response] {
    auto rows = read_history(*request, *response->mutable_history_note());
    if (!rows) {
      reactor->Finish(to_status(rows.error()));
      return;
    }
    const std::size_t limit = history_limit(*request);
    std::vector<chair::v1::SessionRecord> records;
    std::vector<std::size_t> bytes;
    for (std::size_t i = 0; i < rows->size() && i < limit; ++i) {
      records.push_back(to_proto((*rows)[i]));
      bytes.push_back(records.back().ByteSizeLong() + kRepeatedFieldOverheadBytes);
    }
    const auto cut = cut_history_page(*rows, bytes, limit, kMaxHistoryAnswerBytes);
    for (std::size_t i = 0; i < cut.rows; ++i) *response->add_sessions() = std::move(records[i]);
    response->set_next_page_token(cut.next_page_token);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::ExportSessionHistory(
    grpc::CallbackServerContext* context, const chair::v1::ListSessionHistoryRequest* request,
    chair::v1::ExportSessionHistoryResponse* response) {
  if (auto refused = refuse_caller(*context, "ExportSessionHistory", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_history_request(*request))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request, response] {
    auto rows = read_history(*request, *response->mutable_history_note());
    if (!rows) {
      reactor->Finish(to_status(rows.error()));
      return;
    }
    // What a client wrote into its own rows may be any bytes; the CSV is valid UTF-8.
    const std::size_t limit = history_limit(*request);
    std::string csv = store::history_csv_header();
    std::vector<std::string> lines;
    std::vector<std::size_t> bytes;
    for (std::size_t i = 0; i < rows->size() && i < limit; ++i) {
      lines.push_back(valid_utf8(store::history_csv_line((*rows)[i])));
      bytes.push_back(lines.back().size());
    }
    const auto cut = cut_history_page(*rows, bytes, limit, kMaxHistoryAnswerBytes - csv.size());
    for (std::size_t i = 0; i < cut.rows; ++i) csv += lines[i];
    response->set_csv(std::move(csv));
    response->set_session_count(static_cast<std::uint32_t>(cut.rows));
    response->set_next_page_token(cut.next_page_token);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::RecordSessionFeedback(
    grpc::CallbackServerContext* context, const chair::v1::RecordSessionFeedbackRequest* request,
    chair::v1::RecordSessionFeedbackResponse*) {
  if (auto refused = refuse_caller(*context, "RecordSessionFeedback", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_feedback_request(*request))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request] {
    const bool complete = deps_.history.flush();  // it may have started a moment ago
    auto owner = deps_.stores.history.owner(request->session_id());
    if (!owner) {
      reactor->Finish(to_status(database_failed("reading the session history", owner.error())));
      return;
    }
    if (!owner->has_value() && !complete) {
      reactor->Finish(to_status(history_held_back("recording feedback")));
      return;
    }
    if (!owner->has_value() || **owner != request->user_id()) {
      // The same answer for a session of someone else as for none: it tells nothing about
      // other sitters.
      const std::string why =
          fmt::format("no session {} for {}", excerpt(request->session_id()),
                      request->user_id().empty() ? std::string("a sitter who did not sign in")
                                                 : "user " + excerpt(request->user_id()));
      reactor->Finish(to_status(Refusal{Refusal::Kind::kNotFound,
                                        why,
                                        {{"session_id", why, "UNKNOWN_VALUE", {}, {}, {}}},
                                        {},
                                        {}}));
      return;
    }
    const auto& f = request->feedback();
    store::SessionFeedbackRecord record{
        request->session_id(), std::nullopt, std::nullopt, {}, f.note()};
    if (f.has_discomfort_before()) record.discomfort_before = f.discomfort_before();
    if (f.has_discomfort_after()) record.discomfort_after = f.discomfort_after();
    record.too_strong_zones.assign(f.too_strong_zones().begin(), f.too_strong_zones().end());
    auto kept = deps_.stores.history.record_feedback(record);
    if (!kept) {
      reactor->Finish(to_status(database_failed("keeping the feedback", kept.error())));
      return;
    }
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace chaird::api
