// SaveProgram and DeleteProgram: custom programs, checked as the library checks its own, kept in
// chaird's database, offered from the moment they are saved. Parsing and planning run on the
// planning pool; the database and the library's snapshot change on the records thread, one
// change at a time, so that two saves or a save and a delete cannot interleave.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "common/utf8_text.hpp"
#include "control_service.hpp"
#include "proto_conversions.hpp"
#include "request_checks.hpp"
#include "unary_calls.hpp"

namespace chaird::api {
namespace {

// How many custom programs a chair keeps: enough for any maker or care home, and a bound on
// what a buggy client can fill the database with.
constexpr std::size_t kMaxCustomPrograms = 500;
constexpr std::size_t kMaxReportedErrors = 20;

// A program with errors: each error a violation of "text", at file:line:column.
Refusal program_has_errors(const Diagnostics& found) {
  // Counted, not listed: a file's errors past those its parse lists are one item.
  const std::size_t errors = found.error_count();
  std::vector<const Diagnostic*> items;
  for (const auto& d : found.items()) {
    if (d.severity == Severity::kError) items.push_back(&d);
  }
  // The first errors, and when there are more items than fit, one that counts the rest (a
  // kiosk may show the violations only).
  const std::size_t shown =
      items.size() > kMaxReportedErrors ? kMaxReportedErrors - 1 : items.size();
  std::vector<FieldProblem> fields;
  std::size_t listed = 0;
  for (std::size_t i = 0; i < shown; ++i) {
    fields.push_back({"text", one_line(items[i]->to_string(), 300), "INVALID_PROGRAM", {}, {}, {}});
    listed += items[i]->stands_for;
  }
  if (shown < items.size()) {
    fields.push_back({"text",
                      fmt::format("{} more errors are not listed: fix the ones above and check "
                                  "again",
                                  errors - listed),
                      "INVALID_PROGRAM",
                      {},
                      {},
                      {}});
  }
  const std::string message =
      errors == 1 ? "the program has an error: " + one_line(found.first_error(), 400)
                  : fmt::format("the program has {} errors; the first: {}", errors,
                                one_line(found.first_error(), 400));
  return Refusal{Refusal::Kind::kInvalidArgument, message, std::move(fields), {}, {}};
}

// Why a program with this id cannot be saved into this library, or nothing.
std::optional<Refusal> id_taken(const ProgramLibrary& library, const std::string& id,
                                bool replace) {
  const LibraryEntry* existing = library.find(id);
  if (existing == nullptr) return std::nullopt;
  if (!existing->custom) {
    return Refusal{Refusal::Kind::kAlreadyExists,
                   fmt::format("a program shipped with this chair has the id {}; give yours "
                               "another id (metadata.id)",
                               excerpt(id)),
                   {{"text", "metadata.id is a shipped program's", "ID_TAKEN", {}, {}, {}}},
                   {},
                   {}};
  }
  if (replace) return std::nullopt;
  return Refusal{
      Refusal::Kind::kAlreadyExists,
      fmt::format("a custom program with the id {} exists; set replace to replace it", excerpt(id)),
      {{"replace", "set it to replace the saved program", "ID_TAKEN", {}, {}, {}}},
      {},
      {}};
}

// The details (the database's path, SQLite's words) go to the log, not to the app, as for
// profiles; one line, for the words can come from another program (a trigger).
Refusal store_failed(const std::string& what, const std::string& why) {
  spdlog::error("{}: {}", what, one_line(why, 600));
  return Refusal{
      Refusal::Kind::kUnavailable,
      fmt::format("{}: chaird's database could not be written (chaird's log says why)", what),
      {},
      {},
      {}};
}

}  // namespace

grpc::ServerUnaryReactor* ControlService::SaveProgram(grpc::CallbackServerContext* context,
                                                      const chair::v1::SaveProgramRequest* request,
                                                      chair::v1::SaveProgramResponse* response) {
  // It runs the techniques' plugins on text from the caller and changes the library.
  if (auto refused = refuse_caller(*context, "SaveProgram", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_save_program_request(*request))
    return finish_now(context, to_status(*refusal));
  auto* reactor = new HeldCallReactor(deps_.start_hold);
  boost::asio::post(deps_.planning, [this, reactor, request, response] {
    // Everything is checked against this snapshot of the library; the change is made only if
    // the library is still this one then (no save or delete came in between).
    const auto base = deps_.library.current();
    const std::string file =
        request->file_name().empty() ? std::string("upload.textproto") : request->file_name();
    auto parsed = parse_program_text(request->text(), file);
    if (!parsed) {
      reactor->Finish(to_status(program_has_errors(parsed.error())));
      return;
    }
    const std::string id = (*parsed)->id();
    if (auto taken = id_taken(*base, id, request->replace())) {
      reactor->Finish(to_status(*taken));
      return;
    }
    ProgramCheckContext check = deps_.check;
    check.resolver = ProgramLibrary::resolver(base);
    auto checked = check_program(*parsed, check);
    if (!checked) {
      reactor->Finish(to_status(program_has_errors(checked.error())));
      return;
    }
    // Named as it will be after a restart, when it comes from the database.
    auto stored_form = parse_program_text(request->text(), custom_program_path(id));
    if (!stored_form) {
      reactor->Finish(to_status(program_has_errors(stored_form.error())));
      return;
    }
    LibraryEntry entry;
    entry.program = *stored_form;
    entry.planned_duration_ms = checked->governed->timeline().duration_ms;
    entry.step_count = static_cast<std::uint32_t>(checked->plan->timeline.steps.size());
    entry.custom = true;
    auto next = base->with(entry);
    // A replaced program changes every program that includes it: each must still check out
    // (its length and steps are those of the new version from now on).
    std::vector<std::string> pending{id};
    std::vector<std::string> seen;
    check.resolver = ProgramLibrary::resolver(next);
    while (!pending.empty()) {
      const std::string included = pending.back();
      pending.pop_back();
      for (const LibraryEntry* user : base->including(included)) {
        const std::string& user_id = user->program->id();
        if (std::find(seen.begin(), seen.end(), user_id) != seen.end()) continue;
        seen.push_back(user_id);
        pending.push_back(user_id);
        auto again = check_program(user->program, check);
        if (!again) {
          const std::string why = fmt::format(
              "{} includes {}, and would not check out with this version: {}", excerpt(user_id),
              excerpt(id), one_line(again.error().first_error(), 300));
          reactor->Finish(to_status(Refusal{
              Refusal::Kind::kFailedPrecondition, why, {}, {{"INCLUDED_BY", user_id, why}}, {}}));
          return;
        }
        LibraryEntry updated = *user;
        updated.planned_duration_ms = again->governed->timeline().duration_ms;
        updated.step_count = static_cast<std::uint32_t>(again->plan->timeline.steps.size());
        next = next->with(std::move(updated));
        check.resolver = ProgramLibrary::resolver(next);
      }
    }
    add_listed(checked->warnings, *response->mutable_warnings());  // as ValidateProgram's
    if (deps_.start_hold != nullptr) deps_.start_hold->pass();
    boost::asio::post(deps_.records, [this, reactor, request, response, base, next, id]() mutable {
      // Here changes are made one at a time: another save or a delete may have come first.
      if (deps_.library.current() != base) {
        reactor->Finish(to_status(Refusal{Refusal::Kind::kAborted,
                                          "the library changed while the program was being "
                                          "checked (another save or a delete came first); "
                                          "nothing was saved, please save it again",
                                          {},
                                          {},
                                          {}}));
        return;
      }
      // The database, not the library, says what is stored: a custom program may be stored and
      // not offered (it no longer checks out on this chair, or a shipped one took its id).
      auto stored_before = deps_.stores.programs.exists(id);
      auto count = deps_.stores.programs.count();
      if (!stored_before || !count) {
        reactor->Finish(
            to_status(store_failed("custom program " + excerpt(id),
                                   !stored_before ? stored_before.error() : count.error())));
        return;
      }
      if (*stored_before && !request->replace()) {
        reactor->Finish(to_status(*id_taken(*next, id, false)));
        return;
      }
      if (!*stored_before && *count >= static_cast<std::int64_t>(kMaxCustomPrograms)) {
        reactor->Finish(to_status(
            Refusal{Refusal::Kind::kResourceExhausted,
                    fmt::format("this chair keeps at most {} custom programs; delete one first",
                                kMaxCustomPrograms),
                    {},
                    {},
                    {}}));
        return;
      }
      LibraryEntry saved = *next->find(id);
      saved.saved_at_unix_ms = deps_.history.now_unix_ms();
      auto stored = deps_.stores.programs.put({id, request->text(), saved.saved_at_unix_ms});
      if (!stored) {
        reactor->Finish(to_status(store_failed("custom program " + excerpt(id), stored.error())));
        return;
      }
      response->set_replaced(*stored_before);
      *response->mutable_summary() = to_proto(saved);
      deps_.library.replace(next->with(std::move(saved)));
      spdlog::info("custom program {} {}", excerpt(id), *stored_before ? "replaced" : "saved");
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

grpc::ServerUnaryReactor* ControlService::DeleteProgram(
    grpc::CallbackServerContext* context, const chair::v1::DeleteProgramRequest* request,
    chair::v1::DeleteProgramResponse*) {
  if (auto refused = refuse_caller(*context, "DeleteProgram", *request))
    return finish_now(context, *refused);
  if (auto refusal = check_program_id(request->program_id(), "program_id"))
    return finish_now(context, to_status(*refusal));
  auto* reactor = context->DefaultReactor();
  boost::asio::post(deps_.records, [this, reactor, request] {
    const std::string& id = request->program_id();
    const auto library = deps_.library.current();
    const LibraryEntry* entry = library->find(id);
    if (entry == nullptr || !entry->custom) {
      // Stored but not offered (it no longer checks out, or a shipped program took its id): it
      // can still be deleted.
      auto removed = deps_.stores.programs.remove(id);
      if (!removed) {
        reactor->Finish(to_status(store_failed("custom program " + excerpt(id), removed.error())));
        return;
      }
      if (*removed) {
        spdlog::info("custom program {} (stored, not offered) deleted", excerpt(id));
        reactor->Finish(grpc::Status::OK);
        return;
      }
    }
    if (entry == nullptr) {
      const std::string why = fmt::format("no program {} on this chair", excerpt(id));
      reactor->Finish(to_status(Refusal{Refusal::Kind::kNotFound,
                                        why,
                                        {{"program_id", why, "UNKNOWN_VALUE", {}, {}, {}}},
                                        {},
                                        {}}));
      return;
    }
    if (!entry->custom) {
      const std::string why = fmt::format(
          "{} was shipped with this chair; only custom programs (SaveProgram) can be deleted",
          excerpt(id));
      reactor->Finish(to_status(Refusal{
          Refusal::Kind::kFailedPrecondition, why, {}, {{"SHIPPED_PROGRAM", id, why}}, {}}));
      return;
    }
    if (const auto users = library->including(id); !users.empty()) {
      std::string names;
      for (const auto* u : users) names += (names.empty() ? "" : ", ") + excerpt(u->program->id());
      const std::string why =
          fmt::format("{} is included by {}; delete or change those first", excerpt(id), names);
      Refusal r{Refusal::Kind::kFailedPrecondition, why, {}, {}, {}};
      for (const auto* u : users) {
        r.blocking.push_back({"INCLUDED_BY", u->program->id(),
                              fmt::format("{} includes it", excerpt(u->program->id()))});
      }
      reactor->Finish(to_status(r));
      return;
    }
    auto removed = deps_.stores.programs.remove(id);
    if (!removed) {
      reactor->Finish(to_status(store_failed("custom program " + excerpt(id), removed.error())));
      return;
    }
    deps_.library.replace(library->without(id));
    spdlog::info("custom program {} deleted", excerpt(id));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace chaird::api
