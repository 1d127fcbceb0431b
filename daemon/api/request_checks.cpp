#include "request_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/utf8_text.hpp"
#include "history_pages.hpp"
#include "library/manual_program.hpp"
#include "library/session_composer.hpp"
#include "planner/body_model.hpp"
#include "profile/limits_tightening.hpp"
#include "safety/health_conditions.hpp"
#include "store/session_history_store.hpp"

namespace chaird::api {
namespace {

constexpr double kMinIntensity = 0.2;
constexpr double kMaxIntensity = 1.5;
constexpr double kMinSpeed = 0.5;
constexpr double kMaxSpeed = 1.5;
constexpr double kMaxShoulderOffsetMm = 100.0;
// More entries than any repeated field of a request needs (22 health conditions, 14 zones, 21
// status fields): more is a broken or hostile client.
constexpr int kMaxRepeated = 32;
constexpr int kMaxFocusAreas = 16;
constexpr int kMaxComposeFocusAreas = 8;
constexpr std::size_t kMaxTechniqueBytes = 64;
constexpr double kMinManualIntensity = 0.05;
// Wider than any technique's range: the technique's own range is checked when it is known.
constexpr double kMinTempoCpm = 1.0;
constexpr double kMaxTempoCpm = 300.0;

std::vector<std::string> condition_names() {
  std::vector<std::string> out;
  for (const auto& c : health_conditions()) out.emplace_back(c.name);
  return out;
}

// Collects the problems of one request.
class Problems {
 public:
  // The first kMaxProblems are kept whole; the rest are counted (a request of a million bad
  // entries must not cost a million records).
  void add(FieldProblem p) {
    if (fields_.size() < kMaxProblems) {
      fields_.push_back(std::move(p));
    } else {
      ++more_;
    }
  }

  // A repeated field with more entries than it can sensibly hold: one problem for all of
  // them, and false, so that its entries are not looked at one by one.
  bool count(const std::string& field, int size, int max) {
    if (size <= max) return true;
    add({field,
         fmt::format("{} has {} entries; at most {} are accepted", field, size, max),
         "TOO_MANY",
         {},
         static_cast<double>(max),
         {}});
    return false;
  }

  // A number that must lie in [lo, hi]; a NaN or an infinity is named as such.
  void range(const std::string& field, double value, double lo, double hi, const char* unit,
             const char* hint) {
    if (std::isfinite(value) && value >= lo && value <= hi) return;
    add({field,
         fmt::format("{} must be between {:g} and {:g}{}{}{}", field, lo, hi, unit,
                     std::isfinite(value) ? "" : ", and a number", hint),
         std::isfinite(value) ? "OUT_OF_RANGE" : "NOT_A_NUMBER",
         lo,
         hi,
         {}});
  }

  void text(const std::string& field, const std::string& value, std::size_t max_bytes,
            bool required, const char* what) {
    if (required && value.empty()) {
      add({field, fmt::format("{} is empty: {}", field, what), "REQUIRED", {}, {}, {}});
    } else if (value.size() > max_bytes) {
      add({field,
           fmt::format("{} is {} bytes long; at most {} are accepted", field, value.size(),
                       max_bytes),
           "TOO_LONG",
           {},
           {},
           {}});
    } else if (first_invalid_utf8(value) != std::string_view::npos) {
      add({field, fmt::format("{} is not valid UTF-8", field), "INVALID_UTF8", {}, {}, {}});
    }
  }

  void user_id(const std::string& field, const std::string& value, bool required) {
    if (value.empty()) {
      if (required) {
        add({field, fmt::format("{} is empty: say whose it is", field), "REQUIRED", {}, {}, {}});
      }
      return;
    }
    if (value.size() > kMaxUserIdBytes) {
      text(field, value, kMaxUserIdBytes, required, "");
      return;
    }
    const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' ||
             c == '@';
    });
    if (!ok) {
      add({field,
           fmt::format("{} may hold only letters, digits, '.', '_', '-' and '@'", field),
           "INVALID_VALUE",
           {},
           {},
           {}});
    }
  }

  // Text a screen or a terminal shows as it is: no control characters (a newline only where
  // several lines make sense), so that it cannot move a cursor or clear a screen. A control is
  // what one_line replaces: C0 and C1 (an 8-bit escape), line separators and the bidirectional
  // overrides that would make what follows read backwards.
  void printable(const std::string& field, const std::string& value, bool lines) {
    bool bad = false;
    std::string_view rest = value;
    for (;;) {
      const auto newline = lines ? rest.find('\n') : std::string_view::npos;
      bad = bad || !one_plain_line(rest.substr(0, newline));
      if (newline == std::string_view::npos) break;
      rest.remove_prefix(newline + 1);
    }
    if (bad) {
      add({field,
           fmt::format("{} must be {}without control characters", field, lines ? "" : "one line, "),
           "INVALID_VALUE",
           {},
           {},
           {}});
    }
  }

  void zones(const google::protobuf::RepeatedPtrField<std::string>& names, const std::string& field,
             int max) {
    if (!count(field, names.size(), max)) return;
    const auto& known = BodyModel::known_zones();
    for (int i = 0; i < names.size(); ++i) {
      if (std::find(known.begin(), known.end(), names[i]) != known.end()) continue;
      add({fmt::format("{}[{}]", field, i),
           fmt::format("{} is not a body zone (known: {})", excerpt(names[i]),
                       fmt::join(known, ", ")),
           "UNKNOWN_VALUE",
           {},
           {},
           known});
    }
  }

  void conditions(const google::protobuf::RepeatedPtrField<std::string>& names,
                  const std::string& field) {
    if (!count(field, names.size(), kMaxRepeated)) return;
    for (int i = 0; i < names.size(); ++i) {
      if (is_known_condition(names[i])) continue;
      const std::string path = fmt::format("{}[{}]", field, i);
      // The known names travel as allowed_values; the words stay short, so that many bad
      // answers still fit one status.
      add({path,
           fmt::format("unknown health condition {} (ListHealthConditions lists the known ones)",
                       excerpt(names[i])),
           "UNKNOWN_VALUE",
           {},
           {},
           condition_names()});
    }
  }

  std::optional<Refusal> refusal(const char* request) const {
    if (fields_.empty()) return std::nullopt;
    std::string message;
    for (const auto& f : fields_) message += (message.empty() ? "" : "; ") + f.description;
    const std::size_t total = fields_.size() + more_;
    // The count comes first: a long message is cut at its end.
    if (more_ > 0) {
      message = fmt::format("{} fields of the {} are invalid (the first {} listed): {}", total,
                            request, fields_.size(), message);
    } else if (total > 1) {
      message = fmt::format("{} fields of the {} are invalid: {}", total, request, message);
    }
    return Refusal{Refusal::Kind::kInvalidArgument, std::move(message), fields_, {}, {}};
  }

 private:
  static constexpr std::size_t kMaxProblems = 20;
  std::vector<FieldProblem> fields_;
  std::size_t more_ = 0;
};

// The field a limits diagnostic is about ("limits.max_airbag_kpa"), from its text.
std::string limits_field(const std::string& message) {
  const auto at = message.find("limits.");
  if (at == std::string::npos) return "limits";
  auto end = at + 7;
  while (end < message.size() &&
         (std::isalnum(static_cast<unsigned char>(message[end])) != 0 || message[end] == '_' ||
          message[end] == '[' || message[end] == ']' || message[end] == '.')) {
    ++end;
  }
  while (end > at && message[end - 1] == '.') --end;  // a sentence's full stop
  return message.substr(at, end - at);
}

void check_body(const chair::v1::StartSessionRequest& r, const ChairModel& chair, Problems& p) {
  const auto& defaults = chair.profile().default_body();
  const auto& scan = r.body_scan();
  bool fits = true;
  if (scan.has_height_cm()) {
    if (!(std::isfinite(scan.height_cm()) && scan.height_cm() >= defaults.min_height_cm() &&
          scan.height_cm() <= defaults.max_height_cm())) {
      fits = false;
      p.add({"body_scan.height_cm",
             fmt::format("body_scan.height_cm: this chair fits sitters from {:.0f} to {:.0f} cm "
                         "(leave it unset for the default body)",
                         defaults.min_height_cm(), defaults.max_height_cm()),
             std::isfinite(scan.height_cm()) ? "OUT_OF_RANGE" : "NOT_A_NUMBER",
             defaults.min_height_cm(),
             defaults.max_height_cm(),
             {}});
    }
  }
  if (scan.has_shoulder_mm()) {
    const double length = chair.track().length_mm();
    if (!(std::isfinite(scan.shoulder_mm()) && scan.shoulder_mm() > 0.0 &&
          scan.shoulder_mm() <= length)) {
      fits = false;
      p.add({"body_scan.shoulder_mm",
             fmt::format("body_scan.shoulder_mm must be a positive distance from the top of the "
                         "track, at most its {:.0f} mm (leave it unset for the default body)",
                         length),
             std::isfinite(scan.shoulder_mm()) ? "OUT_OF_RANGE" : "NOT_A_NUMBER",
             0.0,
             length,
             {}});
    }
  }
  if (r.has_shoulder_offset_mm()) {
    const double offset = r.shoulder_offset_mm();
    if (!(std::isfinite(offset) && std::abs(offset) <= kMaxShoulderOffsetMm)) fits = false;
    p.range("shoulder_offset_mm", offset, -kMaxShoulderOffsetMm, kMaxShoulderOffsetMm, " mm", "");
  }
  if (!fits) return;
  // Each value fits on its own; together they must leave a back to massage.
  BodyInput body;
  if (scan.has_shoulder_mm()) body.scanned_shoulder_mm = scan.shoulder_mm();
  if (scan.has_height_cm()) body.height_cm = scan.height_cm();
  if (r.has_shoulder_offset_mm()) body.shoulder_offset_mm = r.shoulder_offset_mm();
  if (auto resolved = BodyModel::resolve(chair, body); !resolved) {
    p.add({r.has_shoulder_offset_mm() ? "shoulder_offset_mm" : "body_scan.shoulder_mm",
           resolved.error(),
           "DOES_NOT_FIT",
           {},
           {},
           {}});
  }
}

}  // namespace

std::optional<Refusal> check_program_id(const std::string& id, const char* field) {
  Problems p;
  p.text(field, id, kMaxProgramIdBytes, true, "choose a program from ListPrograms");
  return p.refusal("request");
}

namespace {

// A single body zone: known, and named once.
void zone(Problems& p, const std::string& field, const std::string& name, bool required) {
  if (name.empty()) {
    if (required)
      p.add({field, fmt::format("{} is empty: name a body zone", field), "REQUIRED", {}, {}, {}});
    return;
  }
  const auto& known = BodyModel::known_zones();
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  p.add({field,
         fmt::format("{} {} is not a body zone (known: {})", field, excerpt(name),
                     fmt::join(known, ", ")),
         "UNKNOWN_VALUE",
         {},
         {},
         {}});
}

void check_manual(Problems& p, const chair::v1::ManualMode& m) {
  p.text("manual.technique", m.technique(), kMaxTechniqueBytes, true,
         "choose a technique from ListTechniques");
  zone(p, "manual.zone", m.zone(), true);
  if (m.has_duration_ms()) {
    p.range("manual.duration_ms", static_cast<double>(m.duration_ms()),
            static_cast<double>(kManualMinMs), static_cast<double>(kManualMaxMs), " ms",
            " (leave it unset for 15 minutes)");
  }
  if (m.has_intensity()) {
    p.range("manual.intensity", m.intensity(), kMinManualIntensity, 1.0, "",
            " (leave it unset for 0.5)");
  }
  if (m.has_tempo_cpm()) {
    p.range("manual.tempo_cpm", m.tempo_cpm(), kMinTempoCpm, kMaxTempoCpm, " cycles a minute",
            " (leave it unset for the technique's own tempo)");
  }
}

}  // namespace

std::optional<Refusal> check_start_request(const chair::v1::StartSessionRequest& r,
                                           const ChairModel& chair) {
  Problems p;
  if (!r.composition_id().empty()) {
    // A composed session instead of a program or manual mode: one of the three.
    if (!r.program_id().empty() || r.has_manual()) {
      p.add({"composition_id",
             "composition_id is set with program_id or manual: start a composed session, a "
             "program or manual mode, one of them",
             "CONFLICT",
             {},
             {},
             {}});
    }
    p.text("composition_id", r.composition_id(), kMaxProgramIdBytes, true, "");
  } else if (r.has_manual()) {
    if (!r.program_id().empty()) {
      p.add({"program_id",
             "program_id and manual are both set: start a program or manual mode, not both",
             "CONFLICT",
             {},
             {},
             {}});
    }
    check_manual(p, r.manual());
  } else {
    p.text("program_id", r.program_id(), kMaxProgramIdBytes, true,
           "choose a program from ListPrograms, or set manual");
  }
  p.zones(r.focus().areas(), "focus.areas", kMaxFocusAreas);
  // A field that is present is checked, 0 included: only an unset field takes the default (a
  // slider at its bottom must never mean full strength).
  if (r.has_intensity_scale()) {
    p.range("intensity_scale", r.intensity_scale(), kMinIntensity, kMaxIntensity, "",
            " (leave it unset for 1.0)");
  }
  if (r.has_speed_scale()) {
    p.range("speed_scale", r.speed_scale(), kMinSpeed, kMaxSpeed, "", " (leave it unset for 1.0)");
  }
  check_body(r, chair, p);
  p.conditions(r.health_conditions(), "health_conditions");
  p.text("client_name", r.client_name(), kMaxClientNameBytes, false, "");
  p.text("request_id", r.request_id(), kMaxIdBytes, false, "");
  p.user_id("user_id", r.user_id(), false);
  if (p.count("limits.roller_depth", r.limits().roller_depth_size(), kMaxRepeated) &&
      sets_any_limit(r.limits())) {
    auto tightened = tighten_limits(chair, r.limits(), "limits", {});
    if (!tightened) {
      for (const auto& item : tightened.error().items()) {
        p.add({limits_field(item.message), item.message, "LOOSER_THAN_CHAIR", {}, {}, {}});
      }
    }
  }
  return p.refusal("start request");
}

std::optional<Refusal> check_list_programs_request(const chair::v1::ListProgramsRequest& r) {
  Problems p;
  const auto& zones = BodyModel::known_zones();
  const int focus_areas =
      p.count("focus_areas", r.focus_areas_size(), kMaxRepeated) ? r.focus_areas_size() : 0;
  for (int i = 0; i < focus_areas; ++i) {
    if (std::find(zones.begin(), zones.end(), r.focus_areas(i)) != zones.end()) continue;
    p.add({fmt::format("focus_areas[{}]", i),
           fmt::format("focus area {} is not a body zone (known: {})", excerpt(r.focus_areas(i)),
                       fmt::join(zones, ", ")),
           "UNKNOWN_VALUE",
           {},
           {},
           zones});
  }
  const int classes =
      p.count("intensity_classes", r.intensity_classes_size(), 8) ? r.intensity_classes_size() : 0;
  for (int i = 0; i < classes; ++i) {
    const int v = r.intensity_classes(i);
    if (v != chair::v1::GENTLE && v != chair::v1::MODERATE && v != chair::v1::STRONG) {
      p.add({fmt::format("intensity_classes[{}]", i),
             fmt::format("intensity_classes[{}] is {}, not GENTLE, MODERATE or STRONG", i, v),
             "UNKNOWN_VALUE",
             {},
             {},
             {"GENTLE", "MODERATE", "STRONG"}});
    }
  }
  if (r.has_min_duration_ms() && r.min_duration_ms() < 0) {
    p.add({"min_duration_ms", "min_duration_ms cannot be negative", "OUT_OF_RANGE", 0.0, {}, {}});
  }
  if (r.has_max_duration_ms() && r.max_duration_ms() < 0) {
    p.add({"max_duration_ms", "max_duration_ms cannot be negative", "OUT_OF_RANGE", 0.0, {}, {}});
  }
  if (r.has_min_duration_ms() && r.has_max_duration_ms() && r.min_duration_ms() >= 0 &&
      r.max_duration_ms() >= 0 && r.min_duration_ms() > r.max_duration_ms()) {
    p.add({"max_duration_ms",
           "max_duration_ms is below min_duration_ms: no program could pass",
           "OUT_OF_RANGE",
           static_cast<double>(r.min_duration_ms()),
           {},
           {}});
  }
  p.conditions(r.health_conditions(), "health_conditions");
  return p.refusal("program filter");
}

std::optional<Refusal> check_compose_request(const chair::v1::ComposeSessionRequest& r) {
  Problems p;
  p.zones(r.focus_areas(), "focus_areas", kMaxComposeFocusAreas);
  if (r.available_ms() < kComposeMinMs || r.available_ms() > kComposeMaxMs) {
    p.add({"available_ms",
           fmt::format("available_ms must be between {} and {} ({} to {} minutes): the time the "
                       "sitter has for the session",
                       kComposeMinMs, kComposeMaxMs, kComposeMinMs / 60000, kComposeMaxMs / 60000),
           "OUT_OF_RANGE",
           static_cast<double>(kComposeMinMs),
           static_cast<double>(kComposeMaxMs),
           {}});
  }
  const int v = r.preferred_intensity();
  if (v != chair::v1::INTENSITY_CLASS_UNSPECIFIED && v != chair::v1::GENTLE &&
      v != chair::v1::MODERATE && v != chair::v1::STRONG) {
    p.add({"preferred_intensity",
           fmt::format("preferred_intensity is {}, not GENTLE, MODERATE or STRONG", v),
           "UNKNOWN_VALUE",
           {},
           {},
           {"GENTLE", "MODERATE", "STRONG"}});
  }
  p.conditions(r.health_conditions(), "health_conditions");
  p.user_id("user_id", r.user_id(), false);
  return p.refusal("compose request");
}

std::optional<Refusal> check_validate_request(const chair::v1::ValidateProgramRequest& r) {
  Problems p;
  p.text("text", r.text(), kMaxProgramTextBytes, true, "send the program's text");
  p.text("file_name", r.file_name(), kMaxFileNameBytes, false, "");
  p.printable("file_name", r.file_name(), false);  // it comes back in every diagnostic
  return p.refusal("validate request");
}

std::optional<Refusal> check_adjust_request(const chair::v1::AdjustSessionRequest& r) {
  Problems p;
  p.text("lease_token", r.lease_token(), kMaxIdBytes, true,
         "send the lease token StartSession gave the controlling app");
  if (r.has_intensity_scale()) {
    p.range("intensity_scale", r.intensity_scale(), kMinIntensity, kMaxIntensity, "", "");
  }
  if (r.has_speed_scale()) p.range("speed_scale", r.speed_scale(), kMinSpeed, kMaxSpeed, "", "");
  p.zones(r.focus().areas(), "focus.areas", kMaxFocusAreas);
  if (r.has_manual()) {
    p.text("manual.technique", r.manual().technique(), kMaxTechniqueBytes, false, "");
    zone(p, "manual.zone", r.manual().zone(), false);
    if (r.manual().technique().empty() && r.manual().zone().empty()) {
      p.add({"manual",
             "manual is empty: set its technique, its zone or both",
             "REQUIRED",
             {},
             {},
             {}});
    }
  }
  if (!r.has_intensity_scale() && !r.has_speed_scale() && !r.too_strong_here() && !r.has_focus() &&
      !r.has_manual()) {
    p.add({"too_strong_here",
           "nothing to adjust: set intensity_scale, speed_scale, too_strong_here, focus or manual",
           "REQUIRED",
           {},
           {},
           {}});
  }
  return p.refusal("adjustment");
}

std::optional<Refusal> check_save_program_request(const chair::v1::SaveProgramRequest& r) {
  Problems p;
  p.text("text", r.text(), kMaxProgramTextBytes, true, "send the program's text");
  p.text("file_name", r.file_name(), kMaxFileNameBytes, false, "");
  p.printable("file_name", r.file_name(), false);  // it comes back in every diagnostic
  return p.refusal("save request");
}

std::optional<Refusal> check_take_over_request(const chair::v1::TakeOverSessionRequest& r) {
  Problems p;
  p.text("client_name", r.client_name(), kMaxClientNameBytes, false, "");
  return p.refusal("take-over request");
}

std::optional<Refusal> check_user_id(const std::string& user_id, const char* field, bool required) {
  Problems p;
  p.user_id(field, user_id, required);
  return p.refusal("request");
}

std::optional<Refusal> check_user_profile(const chair::v1::UserProfile& r) {
  Problems p;
  p.user_id("user_id", r.user_id(), true);
  p.text("display_name", r.display_name(), kMaxDisplayNameBytes, false, "");
  p.printable("display_name", r.display_name(), false);
  if (r.has_preferred_intensity_scale()) {
    p.range("preferred_intensity_scale", r.preferred_intensity_scale(), kMinIntensity,
            kMaxIntensity, "", " (StartSession's intensity_scale range)");
  }
  if (r.has_preferred_speed_scale()) {
    p.range("preferred_speed_scale", r.preferred_speed_scale(), kMinSpeed, kMaxSpeed, "",
            " (StartSession's speed_scale range)");
  }
  if (r.has_shoulder_offset_mm()) {
    p.range("shoulder_offset_mm", r.shoulder_offset_mm(), -kMaxShoulderOffsetMm,
            kMaxShoulderOffsetMm, " mm", "");
  }
  if (p.count("favourite_programs", r.favourite_programs_size(), kMaxFavourites)) {
    for (int i = 0; i < r.favourite_programs_size(); ++i) {
      p.text(fmt::format("favourite_programs[{}]", i), r.favourite_programs(i), kMaxProgramIdBytes,
             true, "a program id from ListPrograms");
      p.printable(fmt::format("favourite_programs[{}]", i), r.favourite_programs(i), false);
    }
  }
  p.conditions(r.remembered_conditions(), "remembered_conditions");
  return p.refusal("profile");
}

std::optional<Refusal> check_history_request(const chair::v1::ListSessionHistoryRequest& r) {
  Problems p;
  p.user_id("user_id", r.user_id(), true);
  if (r.limit() > kMaxHistoryLimit) {
    p.add({"limit",
           fmt::format("limit is at most {} (0 takes 50)", kMaxHistoryLimit),
           "OUT_OF_RANGE",
           0.0,
           static_cast<double>(kMaxHistoryLimit),
           {}});
  }
  if (!r.page_token().empty() && !parse_page_token(r.page_token())) {
    p.add({"page_token",
           "page_token is not one chaird gave: pass the answer's next_page_token as it came, or "
           "leave it empty for the newest sessions",
           "INVALID_VALUE",
           {},
           {},
           {}});
  }
  return p.refusal("history request");
}

std::optional<Refusal> check_feedback_request(const chair::v1::RecordSessionFeedbackRequest& r) {
  Problems p;
  p.text("session_id", r.session_id(), kMaxIdBytes, true, "the session the feedback is about");
  p.user_id("user_id", r.user_id(), false);
  const auto& f = r.feedback();
  if (f.has_discomfort_before()) {
    p.range("feedback.discomfort_before", f.discomfort_before(), 0, store::kMaxDiscomfort, "",
            " (0: none, 10: the worst)");
  }
  if (f.has_discomfort_after()) {
    p.range("feedback.discomfort_after", f.discomfort_after(), 0, store::kMaxDiscomfort, "",
            " (0: none, 10: the worst)");
  }
  p.zones(f.too_strong_zones(), "feedback.too_strong_zones", kMaxTooStrongZones);
  p.text("feedback.note", f.note(), kMaxFeedbackNoteBytes, false, "");
  p.printable("feedback.note", f.note(), true);
  return p.refusal("feedback");
}

std::optional<Refusal> check_watch_request(const chair::v1::WatchSessionRequest& r) {
  Problems p;
  p.text("session_id", r.session_id(), kMaxIdBytes, false, "");
  p.text("lease_token", r.lease_token(), kMaxIdBytes, false, "");
  if (r.min_interval_ms() < 0 || r.min_interval_ms() > kMaxWatchIntervalMs) {
    p.add({"min_interval_ms",
           fmt::format("min_interval_ms must be between 0 (every status) and {} ms",
                       kMaxWatchIntervalMs),
           "OUT_OF_RANGE",
           0.0,
           static_cast<double>(kMaxWatchIntervalMs),
           {}});
  }
  std::vector<std::string> names;
  const auto* descriptor = chair::v1::SessionStatus::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) names.push_back(descriptor->field(i)->name());
  const int fields = p.count("fields", r.fields_size(), kMaxRepeated) ? r.fields_size() : 0;
  for (int i = 0; i < fields; ++i) {
    if (descriptor->FindFieldByName(r.fields(i)) != nullptr) continue;
    p.add({fmt::format("fields[{}]", i),
           fmt::format("{} is not a SessionStatus field", excerpt(r.fields(i))),
           "UNKNOWN_VALUE",
           {},
           {},
           names});
  }
  return p.refusal("watch request");
}

std::optional<Refusal> check_telemetry_request(const chair::v1::WatchTelemetryRequest& r,
                                               const ChairModel& chair) {
  Problems p;
  if (r.interval_ms() < 0 || r.interval_ms() > kMaxWatchIntervalMs) {
    p.add(
        {"interval_ms",
         fmt::format("interval_ms must be between 0 (every sample) and {} ms", kMaxWatchIntervalMs),
         "OUT_OF_RANGE",
         0.0,
         static_cast<double>(kMaxWatchIntervalMs),
         {}});
  }
  std::vector<std::string> ids;
  for (const auto& a : chair.actuators()) ids.push_back(a.id);
  const int n = p.count("actuators", r.actuators_size(), kMaxRepeated) ? r.actuators_size() : 0;
  for (int i = 0; i < n; ++i) {
    const std::string& id = r.actuators(i);
    const std::string field = fmt::format("actuators[{}]", i);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      p.add({field,
             fmt::format("{} is not an actuator of this chair", excerpt(id)),
             "UNKNOWN_VALUE",
             {},
             {},
             ids});
    } else if (std::find(r.actuators().begin(), r.actuators().begin() + i, id) !=
               r.actuators().begin() + i) {
      p.add({field, fmt::format("{} is named twice", excerpt(id)), "DUPLICATE", {}, {}, {}});
    }
  }
  return p.refusal("telemetry request");
}

}  // namespace chaird::api
