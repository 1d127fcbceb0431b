// The host's estimate of the board's clock. A board counts its own time on its own crystal,
// which runs a little fast or slow against the host's (tens of ppm; more when it is warm), so
// an offset taken once at the handshake drifts: at 50 ppm, 90 ms over a 30-minute session,
// enough to play every command late or early. The host therefore asks the board's time again
// and again (Sync / SyncReply) and fits the offset and the rate to the answers that came back
// quickly, the way Klipper's clocksync does: an answer that took long says little about when
// the board read its clock, so it is set aside.
#pragma once

#include <cstdint>
#include <deque>

namespace chaird {

class ClockSync {
 public:
  // One answer: the host sent at sent_us and heard back at received_us (both host chair time);
  // the board read board_us in between. False when it was set aside (it took too long, or
  // came back before it left, or holds a time no clock reaches: beyond 2^53 µs, 285 years).
  bool add(std::int64_t sent_us, std::int64_t received_us, std::int64_t board_us);

  // The board's time at the host's time host_us, and back; a time beyond 2^53 µs either way is
  // taken as that bound (it comes from outside, and no answer is right for it).
  std::int64_t board_time(std::int64_t host_us) const;
  std::int64_t host_time(std::int64_t board_us) const;

  // How much faster the board's clock runs than the host's, in parts per million.
  double drift_ppm() const { return rate_ * 1e6; }
  // How many answers the estimate rests on.
  std::size_t samples() const { return fitted_.size(); }

 private:
  struct Sample {
    std::int64_t host_us;  // the middle of the round trip
    double offset_us;      // board time minus host time, then
  };
  void fit();

  std::deque<std::int64_t> recent_round_trips_;  // accepted or not
  std::deque<Sample> fitted_;                    // the answers the estimate uses
  std::int64_t reference_us_ = 0;                // host time the fit is centred on
  double offset_us_ = 0.0;                       // board minus host at reference_us_
  double rate_ = 0.0;                            // d(offset) / d(host time)
};

}  // namespace chaird
