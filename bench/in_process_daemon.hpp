// The configuration the in-process benchmarks run chaird with: the reference chair, the shipped
// plugins and programs, the steady clock, the default timings; its socket and database in dir.
#pragma once

#include <filesystem>
#include <string>

#include "chair/v1/config.pb.h"

inline chair::v1::DaemonConfig bench_daemon_config(const std::filesystem::path& dir) {
  chair::v1::DaemonConfig config;
  config.set_listen_unix((dir / "chaird.sock").string());
  config.set_state_dir((dir / "state").string());
  config.add_plugin_dirs(CHAIRD_PLUGIN_DIR);
  config.set_chair_profile(std::string(CHAIRD_SOURCE_DIR) +
                           "/sequences/chairs/generic_4d_sl.textproto");
  config.add_program_dirs(std::string(CHAIRD_SOURCE_DIR) + "/sequences/programs");
  // Without its contraindication rules chaird refuses every session.
  config.set_contraindication_rules(std::string(CHAIRD_SOURCE_DIR) +
                                    "/sequences/safety/contraindications.textproto");
  config.mutable_clock()->set_mode(chair::v1::STEADY);
  config.set_plugin_call_budget_ms(200);
  config.set_stop_cooldown_ms(3000);
  config.set_dispatch_lookahead_ms(200);
  config.mutable_bus()->set_telemetry_period_ms(100);
  return config;
}
