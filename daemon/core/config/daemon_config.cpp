#include "config/daemon_config.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <utility>

#include "common/text_file.hpp"
#include "common/time_bound.hpp"

namespace chaird {

namespace fs = std::filesystem;

fs::path install_root() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path();
  return exe.parent_path().parent_path();
}

std::string default_socket_path() {
  if (::geteuid() == 0) return "/run/chaird/chaird.sock";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR");
      runtime != nullptr && *runtime != '\0') {
    return std::string(runtime) + "/chaird.sock";
  }
  return "/tmp/chaird-" + std::to_string(::geteuid()) + ".sock";
}

std::string default_state_dir() {
  if (::geteuid() == 0) return "/var/lib/chaird";
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/')
    return std::string(state) + "/chaird";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/')
    return std::string(home) + "/.local/state/chaird";
  return {};  // nowhere private to keep it: check_config asks for state_dir
}

fs::path default_plugin_dir(const fs::path& root) {
  return root / CHAIRD_PLUGIN_SUBDIR;
}
fs::path default_data_dir(const fs::path& root) {
  return root / CHAIRD_DATA_SUBDIR;
}

chair::v1::DaemonConfig default_config(const fs::path& root) {
  chair::v1::DaemonConfig c;
  c.set_listen_unix(default_socket_path());
  c.add_plugin_dirs(default_plugin_dir(root).string());
  c.set_chair_profile((default_data_dir(root) / "chairs" / "generic_4d_sl.textproto").string());
  c.add_program_dirs((default_data_dir(root) / "programs").string());
  c.set_contraindication_rules(
      (default_data_dir(root) / "safety" / "contraindications.textproto").string());
  c.mutable_clock()->set_mode(chair::v1::STEADY);
  c.mutable_clock()->set_time_scale(1.0);
  c.set_log_level("info");
  c.set_plugin_call_budget_ms(200);
  c.mutable_bus()->set_telemetry_period_ms(100);
  c.set_dispatch_lookahead_ms(200);
  c.set_stop_cooldown_ms(3000);
  c.set_client_lease_ms(5000);
  c.set_max_pause_ms(300'000);
  c.set_max_watch_streams(100);
  c.set_state_dir(default_state_dir());
  return c;
}

namespace {

// Fields the file leaves unset keep their defaults (a proto3 merge skips unset values, so a
// field added to DaemonConfig later works in files at once); lists the file gives replace the
// default lists instead of adding to them.
void overlay(const chair::v1::DaemonConfig& file, chair::v1::DaemonConfig& c) {
  const auto plugin_dirs = file.plugin_dirs_size() > 0 ? file.plugin_dirs() : c.plugin_dirs();
  const auto program_dirs = file.program_dirs_size() > 0 ? file.program_dirs() : c.program_dirs();
  c.MergeFrom(file);
  *c.mutable_plugin_dirs() = plugin_dirs;
  *c.mutable_program_dirs() = program_dirs;
}

// Writes every field of message, set or not, indented by depth.
void write_fields(const google::protobuf::Message& message, int depth, std::ostringstream& out) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    const auto value_text = [&](int index) {
      std::string text;
      google::protobuf::TextFormat::PrintFieldValueToString(message, field, index, &text);
      return text;
    };
    // A field that is there or not (a message, a proto3 optional) is written only when it is
    // there: writing it empty would change what the configuration says (bus.link: a board).
    if (!field->is_repeated() && field->has_presence() && !reflection->HasField(message, field)) {
      out << indent << "# " << field->name() << ": (not set)\n";
      continue;
    }
    if (field->is_repeated()) {
      const int n = reflection->FieldSize(message, field);
      if (n == 0) out << indent << "# " << field->name() << ": (none)\n";
      for (int k = 0; k < n; ++k) {
        if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
          out << indent << field->name() << " {\n";
          write_fields(reflection->GetRepeatedMessage(message, field, k), depth + 1, out);
          out << indent << "}\n";
        } else {
          out << indent << field->name() << ": " << value_text(k) << "\n";
        }
      }
    } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      out << indent << field->name() << " {\n";
      write_fields(reflection->GetMessage(message, field), depth + 1, out);
      out << indent << "}\n";
    } else {
      out << indent << field->name() << ": " << value_text(-1) << "\n";
    }
  }
}

}  // namespace

std::string config_text(const chair::v1::DaemonConfig& config) {
  std::ostringstream out;
  out << "# chaird's configuration in effect: file, defaults and command line "
         "(chair.v1.DaemonConfig,\n"
         "# docs/configuration.md). A 0 takes the default that file states for the field.\n";
  write_fields(config, 0, out);
  return out.str();
}

Diagnostics check_config(const chair::v1::DaemonConfig& c, const std::string& source) {
  Diagnostics d;
  const SourceLocation at{source, 0, 0};
  static const std::regex kHostPort(R"((\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5}))");
  if (c.listen_unix().empty() && c.listen_tcp().empty())
    d.error(at, "no listener: set listen_unix or listen_tcp");
  std::smatch tcp;
  if (!c.listen_tcp().empty()) {
    // The length first: std::regex recurses once per character (a host name is at most 253).
    if (c.listen_tcp().size() > 300 || !std::regex_match(c.listen_tcp(), tcp, kHostPort)) {
      d.error(at, "listen_tcp '" + c.listen_tcp() + "' is not host:port, e.g. 127.0.0.1:50051");
    } else if (std::stoi(tcp[2]) < 1 || std::stoi(tcp[2]) > 65535) {
      // The pattern allows five digits; a port beyond 65535 would only fail later, at bind.
      d.error(at, "listen_tcp '" + c.listen_tcp() + "': the port must be 1 to 65535");
    }
    // A chair is not controlled over a network in the clear, nor by whoever reaches the port.
    if (c.tls_cert_file().empty() || c.tls_key_file().empty())
      d.error(at, "listen_tcp needs TLS: set tls_cert_file and tls_key_file (docs/security.md)");
    if (c.tokens_file().empty())
      d.error(at, "listen_tcp needs tokens: set tokens_file (docs/security.md)");
  }
  if (c.dispatch_rt_priority() < 0 || c.dispatch_rt_priority() > 99)
    d.error(at,
            "dispatch_rt_priority must be 1 to 99 (SCHED_FIFO), or 0 for the default scheduler");
  if (c.tls_cert_file().empty() != c.tls_key_file().empty())
    d.error(at, "tls_cert_file and tls_key_file go together");
  // Faster than 100x the board's lease (1 s of chair time) lasts less than 10 ms of real time,
  // which a busy machine cannot keep; replay faster with the virtual clock.
  if (c.clock().mode() == chair::v1::SCALED &&
      !(c.clock().time_scale() >= 1.0 && c.clock().time_scale() <= 100.0)) {
    d.error(at, "clock.time_scale must be from 1 to 100 for SCALED (use VIRTUAL to replay faster)");
  }
  if (c.plugin_call_budget_ms() <= 0) d.error(at, "plugin_call_budget_ms must be positive");
  if (c.bus().telemetry_period_ms() <= 0) d.error(at, "bus.telemetry_period_ms must be positive");
  if (c.bus().has_link()) {
    if (c.bus().link().path().empty()) d.error(at, "bus.link.path: say where the board is");
    if (c.bus().link().stale_ms() < 0) d.error(at, "bus.link.stale_ms cannot be negative");
    // A board keeps real time: due times in a virtual or scaled time would all be wrong.
    if (c.clock().mode() != chair::v1::STEADY &&
        c.clock().mode() != chair::v1::CLOCK_MODE_UNSPECIFIED)
      d.error(at, "bus.link needs the steady clock: a board keeps real time");
    if (!c.sim().fault_scenario().empty())
      d.error(at, "sim.fault_scenario is for the simulated chair, not a board over bus.link");
  }
  if (c.dispatch_lookahead_ms() <= 0) d.error(at, "dispatch_lookahead_ms must be positive");
  if (c.stop_cooldown_ms() <= 0) d.error(at, "stop_cooldown_ms must be positive");
  if (c.max_session_ms() < 0) d.error(at, "max_session_ms cannot be negative");
  if (c.max_pause_ms() < 0) d.error(at, "max_pause_ms cannot be negative (0 takes 5 minutes)");
  if (c.max_watch_streams() < 0 || c.max_watch_streams() > 100'000)
    d.error(at, "max_watch_streams must be between 1 and 100000 (0 takes 100)");
  // Each of these is added to a time (a deadline, a lease, the end of a pause): past a day it
  // means nothing, and the sum could overflow.
  for (const auto& [field, value] :
       {std::pair<const char*, std::int64_t>{"plugin_call_budget_ms", c.plugin_call_budget_ms()},
        {"bus.telemetry_period_ms", c.bus().telemetry_period_ms()},
        {"bus.link.stale_ms", c.bus().link().stale_ms()},
        {"max_session_ms", c.max_session_ms()},
        {"dispatch_lookahead_ms", c.dispatch_lookahead_ms()},
        {"stop_cooldown_ms", c.stop_cooldown_ms()},
        {"client_lease_ms", c.client_lease_ms()},
        {"max_pause_ms", c.max_pause_ms()}}) {
    if (value > kDayMs) d.error(at, over_a_day(field, value));
  }
  if (c.state_dir().empty()) d.error(at, "state_dir: say where chaird keeps its database");
  const auto& level = c.log_level();
  if (level != "trace" && level != "debug" && level != "info" && level != "warn" &&
      level != "error") {
    d.error(at, "log_level must be trace, debug, info, warn or error");
  }
  return d;
}

Expected<chair::v1::DaemonConfig, Diagnostics> load_config(
    const std::optional<std::string>& path, const fs::path& root,
    const std::function<void(chair::v1::DaemonConfig&)>& overrides) {
  chair::v1::DaemonConfig config = default_config(root);
  if (path) {
    chair::v1::DaemonConfig file;
    Diagnostics d = parse_text_file(*path, file, nullptr);
    if (d.has_errors()) return Unexpected{std::move(d)};
    overlay(file, config);
  }
  if (overrides) overrides(config);
  Diagnostics d = check_config(config, path.value_or("configuration"));
  if (d.has_errors()) return Unexpected{std::move(d)};
  return config;
}

}  // namespace chaird
