#include "profile/limits_tightening.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

namespace chaird {
namespace {

enum class Stricter { kSmaller, kLarger };

struct Tightening {
  const chair::v1::SafetyLimits& tighter;
  chair::v1::SafetyLimits& limits;
  const std::string& who;
  const SourceLocation& where;
  LooserLimit on_looser;
  Diagnostics& d;

  // One field: unset (0) keeps the chair's; otherwise it must not loosen.
  template <typename T>
  void field(const char* name, T (chair::v1::SafetyLimits::*get)() const,
             void (chair::v1::SafetyLimits::*set)(T), Stricter stricter, const char* unit) {
    const T want = (tighter.*get)();
    if (want == T{}) return;
    const T have = (limits.*get)();
    const bool finite = std::isfinite(static_cast<double>(want));
    const bool looser = stricter == Stricter::kSmaller ? (want > have || want < T{}) : want < have;
    if (finite && looser && on_looser == LooserLimit::kKeepStricter && want > T{}) return;
    if (!finite || looser) {
      d.error(where, fmt::format("{}: limits.{} {} {} would loosen the chair's {} {}; limits may "
                                 "only be made {}",
                                 who, name, want, unit, have, unit,
                                 stricter == Stricter::kSmaller ? "lower" : "longer or wider"));
      return;
    }
    (limits.*set)(want);
  }
};

}  // namespace

Expected<std::shared_ptr<const ChairModel>, Diagnostics> tighten_limits(
    const ChairModel& chair, const chair::v1::SafetyLimits& tighter, const std::string& who,
    const SourceLocation& where, LooserLimit looser) {
  chair::v1::ChairProfile profile = chair.profile();
  Diagnostics d;
  Tightening t{tighter, *profile.mutable_limits(), who, where, looser, d};
  using L = chair::v1::SafetyLimits;
  t.field<std::int64_t>("max_session_ms", &L::max_session_ms, &L::set_max_session_ms,
                        Stricter::kSmaller, "ms");
  t.field<double>("max_airbag_kpa", &L::max_airbag_kpa, &L::set_max_airbag_kpa, Stricter::kSmaller,
                  "kPa");
  t.field<double>("max_heat_c", &L::max_heat_c, &L::set_max_heat_c, Stricter::kSmaller, "°C");
  t.field<std::int64_t>("heat_max_on_ms", &L::heat_max_on_ms, &L::set_heat_max_on_ms,
                        Stricter::kSmaller, "ms");
  t.field<std::int64_t>("heat_window_ms", &L::heat_window_ms, &L::set_heat_window_ms,
                        Stricter::kLarger, "ms");
  t.field<std::int64_t>("airbag_max_hold_ms", &L::airbag_max_hold_ms, &L::set_airbag_max_hold_ms,
                        Stricter::kSmaller, "ms");
  t.field<double>("max_tracking_error_mm", &L::max_tracking_error_mm, &L::set_max_tracking_error_mm,
                  Stricter::kSmaller, "mm");
  // The chair's own default counts as its value when its profile leaves the field out.
  if (profile.limits().motor_reverse_rest_ms() == 0)
    profile.mutable_limits()->set_motor_reverse_rest_ms(chair.motor_reverse_rest_ms());
  t.field<std::int64_t>("motor_reverse_rest_ms", &L::motor_reverse_rest_ms,
                        &L::set_motor_reverse_rest_ms, Stricter::kLarger, "ms");
  t.field<double>("midline_width_mm", &L::midline_width_mm, &L::set_midline_width_mm,
                  Stricter::kLarger, "mm");
  if (tighter.board_lease_ms() != 0) {
    d.error(where, fmt::format("{}: limits.board_lease_ms is the board's own watchdog and comes "
                               "from the chair profile only",
                               who));
  }
  for (const auto& r : tighter.roller_depth()) *profile.mutable_limits()->add_roller_depth() = r;
  if (d.has_errors()) return Unexpected{std::move(d)};

  auto tightened = ChairModel::build(std::move(profile), TextFileSource{chair.source_path(), {}});
  if (!tightened) {
    // Only the added roller_depth entries can fail here (the chair was valid before).
    Diagnostics out;
    for (const auto& item : tightened.error().items())
      out.error(where, fmt::format("{}: {}", who, item.message));
    return Unexpected{std::move(out)};
  }
  return *tightened;
}

bool sets_any_limit(const chair::v1::SafetyLimits& limits) {
  return limits.ByteSizeLong() > 0;
}

}  // namespace chaird
