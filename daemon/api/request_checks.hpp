// The checks of a request's own fields, before anything is looked up or planned: every invalid
// field is reported (its path, what it allows), not only the first, so that a kiosk can mark
// all of them at once. See docs/api.md, "Errors".
#pragma once

#include <optional>

#include "chair/v1/control.pb.h"
#include "common/refusal.hpp"
#include "profile/chair_model.hpp"

namespace chaird::api {

// Ranges, names, lengths, and the fit to this chair (the sitter's height and shoulder line, the
// session's limits, which may only tighten the chair's).
std::optional<Refusal> check_start_request(const chair::v1::StartSessionRequest& request,
                                           const ChairModel& chair);
std::optional<Refusal> check_list_programs_request(const chair::v1::ListProgramsRequest& request);
// Focus areas, the time (5 to 60 minutes), the intensity, conditions and user id.
std::optional<Refusal> check_compose_request(const chair::v1::ComposeSessionRequest& request);
std::optional<Refusal> check_validate_request(const chair::v1::ValidateProgramRequest& request);
// The session and token are ids of bounded length; the interval within a minute; every field a
// SessionStatus field.
std::optional<Refusal> check_watch_request(const chair::v1::WatchSessionRequest& request);
// The interval within a minute; every actuator one of this chair's, each named once.
std::optional<Refusal> check_telemetry_request(const chair::v1::WatchTelemetryRequest& request,
                                               const ChairModel& chair);
std::optional<Refusal> check_adjust_request(const chair::v1::AdjustSessionRequest& request);
std::optional<Refusal> check_save_program_request(const chair::v1::SaveProgramRequest& request);
std::optional<Refusal> check_take_over_request(const chair::v1::TakeOverSessionRequest& request);
// A sitter's id: 1 to 64 bytes of letters, digits, '.', '_', '-', '@' (empty allowed unless
// required).
std::optional<Refusal> check_user_id(const std::string& user_id, const char* field, bool required);
std::optional<Refusal> check_user_profile(const chair::v1::UserProfile& profile);
std::optional<Refusal> check_history_request(const chair::v1::ListSessionHistoryRequest& request);
std::optional<Refusal> check_feedback_request(
    const chair::v1::RecordSessionFeedbackRequest& request);
// A program id field (GetProgram): present, and of a length an id can have.
std::optional<Refusal> check_program_id(const std::string& id, const char* field);

// The bounds the checks apply, for docs and tests.
inline constexpr std::size_t kMaxProgramIdBytes = 128;
inline constexpr std::size_t kMaxClientNameBytes = 64;
inline constexpr std::size_t kMaxProgramTextBytes = 1 << 20;
inline constexpr std::size_t kMaxFileNameBytes = 200;
inline constexpr std::size_t kMaxIdBytes = 128;  // session ids, lease tokens
inline constexpr std::int64_t kMaxWatchIntervalMs = 60'000;
inline constexpr std::size_t kMaxUserIdBytes = 64;
inline constexpr std::size_t kMaxDisplayNameBytes = 64;
inline constexpr std::size_t kMaxFeedbackNoteBytes = 500;
inline constexpr int kMaxFavourites = 32;
inline constexpr int kMaxTooStrongZones = 16;
inline constexpr std::uint32_t kMaxHistoryLimit = 1000;

}  // namespace chaird::api
