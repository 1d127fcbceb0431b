// config/daemon_config: defaults without a file, a file over the defaults, and the checks.
#include "config/daemon_config.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;
using unit::ErrorAt;
using unit::HasError;

const std::filesystem::path kRoot = "/opt/chaird";

Expected<chair::v1::DaemonConfig, Diagnostics> load_text(const std::string& text,
                                                         std::string* path_out = nullptr) {
  const std::string path =
      unit::write_file(test::make_temp_dir("config"), "chaird.textproto", text);
  if (path_out != nullptr) *path_out = path;
  return load_config(path, kRoot);
}

TEST(DaemonConfig, DefaultsWithoutAFile) {
  auto loaded = load_config(std::nullopt, kRoot);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  const auto& c = *loaded;
  EXPECT_EQ(c.listen_unix(), default_socket_path());
  EXPECT_EQ(c.listen_tcp(), "");
  ASSERT_EQ(c.plugin_dirs_size(), 1);
  EXPECT_EQ(c.plugin_dirs(0), "/opt/chaird/lib/chaird/plugins");
  EXPECT_EQ(c.chair_profile(), "/opt/chaird/share/chaird/chairs/generic_4d_sl.textproto");
  ASSERT_EQ(c.program_dirs_size(), 1);
  EXPECT_EQ(c.program_dirs(0), "/opt/chaird/share/chaird/programs");
  EXPECT_EQ(c.clock().mode(), chair::v1::STEADY);
  EXPECT_DOUBLE_EQ(c.clock().time_scale(), 1.0);
  EXPECT_EQ(c.log_level(), "info");
  EXPECT_EQ(c.plugin_call_budget_ms(), 200);
  EXPECT_EQ(c.bus().telemetry_period_ms(), 100);
  EXPECT_EQ(c.sim().trace_path(), "");
  EXPECT_EQ(c.dispatch_lookahead_ms(), 200);
  EXPECT_EQ(c.stop_cooldown_ms(), 3000);
  EXPECT_EQ(c.client_lease_ms(), 5000);
  EXPECT_EQ(c.max_pause_ms(), 300000);
  EXPECT_EQ(c.max_session_ms(), 0);
  EXPECT_TRUE(check_config(c, "defaults").empty());
}

TEST(DaemonConfig, PathsDefaultBesideTheExecutable) {
  // The test binary lives in <build>/bin, as chaird does.
  const auto root = install_root();
  EXPECT_TRUE(std::filesystem::exists(root / "bin" / "chaird_unit_tests")) << root;
  if (::geteuid() == 0) {
    EXPECT_EQ(default_socket_path(), "/run/chaird/chaird.sock");
  } else {
    EXPECT_TRUE(Contains(default_socket_path(), "chaird"));
  }
}

TEST(DaemonConfig, AFileOverridesOnlyWhatItSets) {
  auto loaded = load_text(
      "log_level: \"debug\"\n"
      "stop_cooldown_ms: 5000\n"
      "plugin_dirs: \"/a\"\n"
      "plugin_dirs: \"/b\"\n"
      "clock { time_scale: 4 }\n"
      "sim { trace_path: \"/tmp/trace.csv\" }\n"
      "bus { }\n"
      "listen_tcp: \"127.0.0.1:50051\"\n"
      "tls_cert_file: \"/etc/chaird/cert.pem\" tls_key_file: \"/etc/chaird/key.pem\"\n"
      "tokens_file: \"/etc/chaird/tokens\"\n");
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  const auto& c = *loaded;
  EXPECT_EQ(c.log_level(), "debug");
  EXPECT_EQ(c.stop_cooldown_ms(), 5000);
  ASSERT_EQ(c.plugin_dirs_size(), 2);  // a list given replaces the default list
  EXPECT_EQ(c.plugin_dirs(0), "/a");
  EXPECT_EQ(c.plugin_dirs(1), "/b");
  EXPECT_DOUBLE_EQ(c.clock().time_scale(), 4.0);
  EXPECT_EQ(c.clock().mode(), chair::v1::STEADY);  // not set: default
  EXPECT_EQ(c.sim().trace_path(), "/tmp/trace.csv");
  EXPECT_EQ(c.bus().telemetry_period_ms(), 100);  // an empty block keeps its defaults
  EXPECT_EQ(c.listen_tcp(), "127.0.0.1:50051");
  EXPECT_EQ(c.listen_unix(), default_socket_path());
  EXPECT_EQ(c.dispatch_lookahead_ms(), 200);
  EXPECT_EQ(c.plugin_call_budget_ms(), 200);
  ASSERT_EQ(c.program_dirs_size(), 1);
  EXPECT_EQ(c.program_dirs(0), "/opt/chaird/share/chaird/programs");

  // An empty file is all defaults.
  auto empty = load_text("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->log_level(), "info");
}

// What a TCP listener needs besides its address.
const std::string kTlsAndTokens =
    "tls_cert_file: \"/c.pem\" tls_key_file: \"/k.pem\" tokens_file: \"/tokens\"\n";

TEST(DaemonConfig, ATcpListenerNeedsTlsAndTokens) {
  auto bare = load_text("listen_tcp: \"127.0.0.1:50051\"\n");
  ASSERT_FALSE(bare);
  EXPECT_TRUE(HasError(bare.error(), "listen_tcp needs TLS: set tls_cert_file and tls_key_file"));
  EXPECT_TRUE(HasError(bare.error(), "listen_tcp needs tokens: set tokens_file"));
  auto no_tokens =
      load_text("listen_tcp: \"127.0.0.1:50051\" tls_cert_file: \"/c\" tls_key_file: \"/k\"\n");
  ASSERT_FALSE(no_tokens);
  EXPECT_TRUE(HasError(no_tokens.error(), "listen_tcp needs tokens"));
  auto half = load_text("tls_cert_file: \"/c\"\n");
  ASSERT_FALSE(half);
  EXPECT_TRUE(HasError(half.error(), "tls_cert_file and tls_key_file go together"));
  EXPECT_TRUE(load_text("listen_tcp: \"127.0.0.1:50051\"\n" + kTlsAndTokens));
}

TEST(DaemonConfig, TcpListenersAreHostAndPort) {
  for (const char* ok : {"127.0.0.1:50051", "[::1]:50051", "localhost:7000", "0.0.0.0:50051",
                         "[::]:50051", "chair-12.example.com:50051"}) {
    auto loaded = load_text(std::string("listen_tcp: \"") + ok + "\"\n" + kTlsAndTokens);
    EXPECT_TRUE(loaded) << ok << ": " << (loaded ? "" : loaded.error().to_string());
  }
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:50051.evil.com:1", "localhost:", ":50051", "a b:50051"}) {
    std::string path;
    auto loaded = load_text(std::string("listen_tcp: \"") + bad + "\"\n" + kTlsAndTokens, &path);
    ASSERT_FALSE(loaded) << bad;
    EXPECT_TRUE(HasError(loaded.error(), "is not host:port")) << bad;
    EXPECT_EQ(loaded.error().items().front().where.file, path);
  }
}

TEST(DaemonConfig, TheTcpPortMustBeARealPort) {
  for (const char* bad : {"127.0.0.1:0", "127.0.0.1:65536", "localhost:99999"}) {
    auto loaded = load_text(std::string("listen_tcp: \"") + bad + "\"\n" + kTlsAndTokens);
    ASSERT_FALSE(loaded) << bad;
    EXPECT_TRUE(HasError(loaded.error(), "the port must be 1 to 65535")) << bad;
  }
  EXPECT_TRUE(load_text("listen_tcp: \"127.0.0.1:65535\"\n" + kTlsAndTokens));
  EXPECT_TRUE(load_text("listen_tcp: \"[::1]:1\"\n" + kTlsAndTokens));
}

// chaird --print-config writes every field, and what it writes reads back as the same
// configuration.
TEST(DaemonConfig, ThePrintedConfigurationReadsBackTheSame) {
  auto loaded = load_text("log_level: \"debug\"\nprogram_dirs: \"/p\"\nmax_pause_ms: 60000\n");
  ASSERT_TRUE(loaded);
  const std::string text = config_text(*loaded);
  EXPECT_TRUE(Contains(text, "log_level: \"debug\""));
  EXPECT_TRUE(Contains(text, "max_session_ms: 0")) << "fields left at zero are written too";
  EXPECT_TRUE(Contains(text, "# link: (not set)")) << "a board only when one is configured";
  EXPECT_TRUE(Contains(text, "tokens_file: \"\""));
  EXPECT_TRUE(Contains(text, "max_pause_ms: 60000"));
  auto again = load_text(text);
  ASSERT_TRUE(again) << again.error().to_string() << text;
  EXPECT_EQ(again->DebugString(), loaded->DebugString());
}

// A default that cannot be worked out (no home for a system user's state) is no error when the
// command line gives the value: `chaird --state-dir /var/lib/chaird` as user chaird without a
// HOME must start. The overrides apply before the check.
TEST(DaemonConfig, CommandLineValuesAreCheckedInsteadOfTheDefaultsTheyReplace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to become a user without a home";
  const pid_t child = fork();
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    unsetenv("HOME");
    unsetenv("XDG_STATE_HOME");
    if (!default_state_dir().empty()) _exit(11);  // the case this is about
    auto without = load_config(std::nullopt, kRoot);
    if (without) _exit(1);  // nowhere to keep the database: refused
    auto with = load_config(std::nullopt, kRoot,
                            [](chair::v1::DaemonConfig& c) { c.set_state_dir("/var/lib/chaird"); });
    _exit(with && with->state_dir() == "/var/lib/chaird" ? 0 : 2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DaemonConfig, BadValuesAreRefused) {
  EXPECT_TRUE(HasError(load_text("log_level: \"verbose\"\n").error(),
                       "log_level must be trace, debug, info, warn or error"));
  EXPECT_TRUE(HasError(load_text("dispatch_lookahead_ms: -5\n").error(),
                       "dispatch_lookahead_ms must be positive"));
  EXPECT_TRUE(
      HasError(load_text("stop_cooldown_ms: -1\n").error(), "stop_cooldown_ms must be positive"));
  EXPECT_TRUE(HasError(load_text("max_pause_ms: -1\n").error(),
                       "max_pause_ms cannot be negative (0 takes 5 minutes)"));
  EXPECT_TRUE(
      HasError(load_text("max_session_ms: -1\n").error(), "max_session_ms cannot be negative"));
  EXPECT_TRUE(HasError(load_text("clock { mode: SCALED time_scale: 0.5 }\n").error(),
                       "clock.time_scale must be from 1 to 100 for SCALED"));
  EXPECT_TRUE(load_text("clock { mode: SCALED time_scale: 10 }\n"));
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    EXPECT_TRUE(load_text(std::string("log_level: \"") + level + "\"\n")) << level;
  }
  // Several problems at once.
  auto many =
      load_text("log_level: \"loud\"\nlisten_tcp: \"10.0.0.1:1\"\nplugin_call_budget_ms: -3\n");
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().error_count(), 4u) << many.error().to_string();  // TLS, tokens too

  chair::v1::DaemonConfig none = default_config(kRoot);
  none.clear_listen_unix();
  EXPECT_TRUE(HasError(check_config(none, "cli"), "no listener"));
}

// A board of its own keeps real time: due times in virtual or scaled time would all be wrong.
TEST(DaemonConfig, TimesPastADayAreRefused) {
  // Each is added to a time somewhere (a deadline, a lease, a pause's end): past a day it means
  // nothing, and the sum overflows.
  for (const char* field : {"plugin_call_budget_ms", "max_session_ms", "dispatch_lookahead_ms",
                            "stop_cooldown_ms", "client_lease_ms", "max_pause_ms"}) {
    auto loaded = load_text(std::string(field) + ": 9223372036854775807\n");
    ASSERT_FALSE(loaded) << field;
    EXPECT_TRUE(HasError(loaded.error(), std::string(field) +
                                             " must be at most 86400000 ms (a day), got "
                                             "9223372036854775807"))
        << loaded.error().to_string();
  }
  auto bus = load_text(
      "bus { telemetry_period_ms: 9223372036854775807 link { path: \"/run/board.sock\" "
      "stale_ms: 9223372036854775807 } }\n");
  ASSERT_FALSE(bus);
  EXPECT_TRUE(HasError(bus.error(), "bus.telemetry_period_ms must be at most 86400000 ms (a day)"))
      << bus.error().to_string();
  EXPECT_TRUE(HasError(bus.error(), "bus.link.stale_ms must be at most 86400000 ms (a day)"));
  EXPECT_TRUE(load_text("max_pause_ms: 86400000\n"));
}

TEST(DaemonConfig, TheBoardLinkNeedsAPathAndTheSteadyClock) {
  EXPECT_TRUE(load_text("bus { link { path: \"/run/board.sock\" } }\n"));
  EXPECT_TRUE(HasError(load_text("bus { link { } }\n").error(), "bus.link.path"));
  EXPECT_TRUE(HasError(load_text("bus { link { path: \"/b\" } }\nclock { mode: MANUAL }\n").error(),
                       "bus.link needs the steady clock"));
  EXPECT_TRUE(HasError(load_text("bus { link { path: \"/b\" stale_ms: -1 } }\n").error(),
                       "bus.link.stale_ms cannot be negative"));
  EXPECT_FALSE(default_config(kRoot).bus().has_link()) << "the default is the simulated chair";
  // A real board is not told to fail: fault scenarios are for the simulated chair.
  EXPECT_TRUE(HasError(
      load_text("bus { link { path: \"/b\" } }\nsim { fault_scenario: \"f.textproto\" }\n").error(),
      "sim.fault_scenario is for the simulated chair"));
}

TEST(DaemonConfig, AHugeListenAddressIsRefusedNotACrash) {
  auto huge = load_text("listen_tcp: \"" + std::string(900'000, 'h') + ":50051\"\n");
  ASSERT_FALSE(huge);
  EXPECT_TRUE(HasError(huge.error(), "is not host:port"));
}

TEST(DaemonConfig, ParseErrorsAreLocated) {
  std::string path;
  auto unquoted = load_text("stop_cooldown_ms: 4000\nlog_level: debug\n", &path);
  ASSERT_FALSE(unquoted);
  EXPECT_TRUE(ErrorAt(unquoted.error(),
                      "'log_level' takes text in double quotes, got debug (log_level: \"debug\")",
                      path, 2, 12));

  auto misspelt = load_text("stop_cooldown: 4000\n", &path);
  ASSERT_FALSE(misspelt);
  EXPECT_TRUE(ErrorAt(misspelt.error(), "did you mean 'stop_cooldown_ms'?", path, 1, 1));

  const std::string missing = test::make_temp_dir("config") + "/absent.textproto";
  auto absent = load_config(missing, kRoot);
  ASSERT_FALSE(absent);
  EXPECT_TRUE(ErrorAt(absent.error(), "no such file", missing, 0));
}

}  // namespace
}  // namespace chaird
