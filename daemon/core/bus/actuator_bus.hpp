// The boundary between the host and the chair's board (the simulator, later serial or CAN
// drivers). The host plans, the board executes: commands carry absolute chair times, the
// board starts each at its due time and refuses one that arrives late, and it returns every
// energised output to safe by itself when the host stops refreshing its lease.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "clock/chair_time.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

// Starting at due, ramp actuator from its current commanded value to value by reach_by.
struct BusCommand {
  ActuatorIndex actuator = -1;
  ChairTime due;
  ChairTime reach_by;
  double value = 0.0;
};

enum BoardFault : std::uint32_t {
  kFaultNone = 0,
  kFaultLateCommand = 1u << 0,   // a command arrived after its due time
  kFaultLeaseExpired = 1u << 1,  // the host stopped refreshing; outputs went safe
  kFaultObstruction = 1u << 2,   // a travel motor could not follow (pinch, obstruction)
  kFaultOverTemperature = 1u << 3,
  kFaultOverPressure = 1u << 4,
  kFaultInvalidCommand = 1u << 5,
  kFaultLinkLost = 1u << 6,
  kFaultMotorCurrent = 1u << 7,    // a motor drew more than the board allows (a jam, an end stop)
  kFaultPinch = 1u << 8,           // the pinch sensor at a moving part
  kFaultSeatEmpty = 1u << 9,       // the seat emptied while something ran
  kFaultSupplyVoltage = 1u << 10,  // the supply fell below what the board runs safely on
  kFaultSensor = 1u << 11,         // a sensor stopped answering
  kFaultValve = 1u << 12,          // an airbag did not follow its valve (stuck valve, burst bag)
};

struct Telemetry {
  ChairTime at;
  std::vector<double> measured;       // by actuator index
  std::vector<double> commanded;      // where the board is steering each actuator now
  std::uint32_t faults = kFaultNone;  // latched until clear_faults
  std::string fault_text;
  // The board's own sensors.
  double supply_v = 24.0;
  bool seat_occupied = true;
  bool pinch_detected = false;
};

class ActuatorBus {
 public:
  virtual ~ActuatorBus() = default;
  // Queues commands; the board refuses (and faults on) any whose due time has passed.
  virtual void submit(std::span<const BusCommand> commands) = 0;
  // The host is alive: energised outputs may stay on for another lease period.
  virtual void refresh_lease(ChairTime now) = 0;
  // Drops queued commands that have not started; ramps under way stop where they are.
  virtual void cancel_pending() = 0;
  // The safe state at once: vent, heat off, retract, halt. Drops everything queued.
  virtual void enter_safe_state() = 0;
  virtual Telemetry read_telemetry() = 0;
  // A person acknowledged the latched faults.
  virtual void clear_faults() = 0;
  // Whether the answer to the last clear_faults() is still to come: a board across a link
  // clears its faults a moment later, and until its telemetry says so, read_telemetry() still
  // shows them. A bus that clears at once never is.
  virtual bool clearing_faults() const { return false; }
};

}  // namespace chaird
