#include "safety/safety_trip.hpp"

#include "bus/actuator_bus.hpp"

namespace chaird {

chair::v1::FaultCode fault_code_of_board(std::uint32_t bits) {
  if ((bits & kFaultPinch) != 0) return chair::v1::PINCH_DETECTED;
  if ((bits & kFaultObstruction) != 0) return chair::v1::OBSTRUCTION;
  if ((bits & kFaultMotorCurrent) != 0) return chair::v1::MOTOR_CURRENT;
  if ((bits & kFaultSeatEmpty) != 0) return chair::v1::SEAT_EMPTY;
  if ((bits & kFaultOverTemperature) != 0) return chair::v1::OVER_TEMPERATURE;
  if ((bits & kFaultOverPressure) != 0) return chair::v1::OVER_PRESSURE;
  if ((bits & kFaultLateCommand) != 0) return chair::v1::LATE_COMMAND;
  if ((bits & kFaultLeaseExpired) != 0) return chair::v1::LEASE_EXPIRED;
  if ((bits & kFaultInvalidCommand) != 0) return chair::v1::INVALID_COMMAND;
  if ((bits & kFaultLinkLost) != 0) return chair::v1::LINK_LOST;
  if ((bits & kFaultSupplyVoltage) != 0) return chair::v1::SUPPLY_VOLTAGE;
  if ((bits & kFaultSensor) != 0) return chair::v1::SENSOR_FAILURE;
  if ((bits & kFaultValve) != 0) return chair::v1::VALVE_FAILURE;
  return chair::v1::BOARD_FAULT;
}

}  // namespace chaird
