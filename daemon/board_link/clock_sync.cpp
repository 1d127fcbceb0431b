#include "board_link/clock_sync.hpp"

#include <algorithm>
#include <cmath>

namespace chaird {
namespace {

constexpr std::size_t kRecentRoundTrips = 16;
constexpr std::size_t kFittedSamples = 12;
// An answer is used when its round trip was at most twice the quickest recent one, plus this
// (a quick link's round trips differ by more than a factor two for no reason worth noticing).
constexpr std::int64_t kRoundTripSlackUs = 500;
// A crystal is off by ppm, a board configured for the wrong one by percents; a fit that says
// more than 10 % has been fed nonsense.
constexpr double kMostRate = 0.1;
// No chair runs for centuries: a time more than 2^53 µs (285 years) from a clock's zero is
// garbage from a board or a client. Bounding every time to it keeps the arithmetic below
// (differences, offsets, a rate of at most 10 %) well inside int64_t, and exact in a double.
constexpr std::int64_t kMostTimeUs = std::int64_t{1} << 53;

bool reachable(std::int64_t t_us) {
  return t_us >= -kMostTimeUs && t_us <= kMostTimeUs;
}
std::int64_t bounded(std::int64_t t_us) {
  return std::clamp(t_us, -kMostTimeUs, kMostTimeUs);
}

}  // namespace

bool ClockSync::add(std::int64_t sent_us, std::int64_t received_us, std::int64_t board_us) {
  if (!reachable(sent_us) || !reachable(received_us) || !reachable(board_us)) return false;
  const std::int64_t round_trip = received_us - sent_us;
  if (round_trip < 0) return false;
  recent_round_trips_.push_back(round_trip);
  if (recent_round_trips_.size() > kRecentRoundTrips) recent_round_trips_.pop_front();
  const std::int64_t best =
      *std::min_element(recent_round_trips_.begin(), recent_round_trips_.end());
  if (!fitted_.empty() && round_trip > 2 * best + kRoundTripSlackUs) return false;
  // The board read its clock somewhere in the round trip; the middle is the best guess.
  const std::int64_t middle = sent_us + round_trip / 2;
  fitted_.push_back({middle, static_cast<double>(board_us - middle)});
  if (fitted_.size() > kFittedSamples) fitted_.pop_front();
  fit();
  return true;
}

void ClockSync::fit() {
  // Least squares of offset against host time, centred on the newest answer so that the
  // offset now does not rest on a long extrapolation.
  reference_us_ = fitted_.back().host_us;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& s : fitted_) {
    const double x = static_cast<double>(s.host_us - reference_us_);
    sx += x;
    sy += s.offset_us;
    sxx += x * x;
    sxy += x * s.offset_us;
  }
  const double n = static_cast<double>(fitted_.size());
  const double spread = n * sxx - sx * sx;
  // Answers too close together to show a rate (or just one): the offset alone.
  constexpr double kLeastSpreadUs2 = 1e10;  // about 100 ms between the first and the last
  rate_ = spread > kLeastSpreadUs2 * n
              ? std::clamp((n * sxy - sx * sy) / spread, -kMostRate, kMostRate)
              : 0.0;
  offset_us_ = (sy - rate_ * sx) / n;
}

std::int64_t ClockSync::board_time(std::int64_t any_host_us) const {
  const std::int64_t host_us = bounded(any_host_us);
  const double from_reference = static_cast<double>(host_us - reference_us_);
  return host_us + std::llround(offset_us_ + rate_ * from_reference);
}

std::int64_t ClockSync::host_time(std::int64_t any_board_us) const {
  const std::int64_t board_us = bounded(any_board_us);
  // board = host + offset + rate (host - reference), solved for host.
  const double board_from_reference = static_cast<double>(board_us - reference_us_) - offset_us_;
  return reference_us_ + std::llround(board_from_reference / (1.0 + rate_));
}

}  // namespace chaird
