// chairctl: the command-line client of chaird, and the offline program tools.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <iostream>
#include <optional>

#include "catalog_commands.hpp"
#include "config/daemon_config.hpp"
#include "control_client.hpp"
#include "offline_tools.hpp"
#include "progress_printer.hpp"
#include "record_commands.hpp"
#include "replay_command.hpp"
#include "technique_text.hpp"
#include "token_command.hpp"
#include "wire/bench_limits.hpp"

namespace {

using namespace chairctl;

int report(const grpc::Status& status) {
  return chairctl::report(status, std::cerr);
}

// Prints the session's progress until it ends; the exit code says how it ended.
// With a lease token, the stream holds the session's lease while it runs.
int watch(ControlClient& client, const std::string& session_id, const std::string& lease = {},
          std::int64_t interval_ms = 0) {
  const auto context = client.stream_context();
  chair::v1::WatchSessionRequest request;
  request.set_session_id(session_id);
  request.set_lease_token(lease);
  request.set_min_interval_ms(interval_ms);
  auto reader = client.control().WatchSession(context.get(), request);
  chair::v1::SessionStatus status;
  chair::v1::SessionStatus last;
  ProgressPrinter printer;
  while (reader->Read(&status)) {
    if (auto line = printer.update(status); !line.empty()) std::cout << line << std::endl;
    last = status;
  }
  const grpc::Status done = reader->Finish();
  if (!done.ok()) return report(done);
  if (last.state() == chair::v1::COMPLETED || last.state() == chair::v1::STOPPED) return kExitOk;
  if (!session_id.empty()) {
    std::cerr << "session " << session_id << " ended " << chair::v1::SessionState_Name(last.state())
              << (last.reason().empty() ? "" : ": " + last.reason()) << '\n';
    return kExitSessionFailed;
  }
  return kExitOk;
}

// One line per sample: chair time, then each actuator's target/measured and unit ("*" while
// active). Stops after samples lines (0: until chaird ends the stream).
int print_telemetry(ControlClient& client, const chair::v1::WatchTelemetryRequest& request,
                    std::int64_t samples, std::ostream& out) {
  const auto context = client.stream_context();
  auto reader = client.control().WatchTelemetry(context.get(), request);
  chair::v1::SessionStatus sample;
  std::int64_t printed = 0;
  while ((samples <= 0 || printed < samples) && reader->Read(&sample)) {
    out << fmt::format("{:>10.3f} s {:<10}", static_cast<double>(sample.chair_time_ms()) / 1000.0,
                       chair::v1::SessionState_Name(sample.state()));
    for (const auto& a : sample.actuators())
      out << fmt::format("  {}={:.1f}/{:.1f}{}{}", a.id(), a.target(), a.measured(), a.unit(),
                         a.active() ? "*" : "");
    out << std::endl;
    ++printed;
  }
  if (samples > 0 && printed >= samples) {
    context->TryCancel();
    (void)reader->Finish();
    return kExitOk;
  }
  const grpc::Status done = reader->Finish();
  return done.ok() ? kExitOk : report(done);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chairctl: control a chaird massage chair, and check programs offline"};
  app.require_subcommand(1);
  Endpoint endpoint{chaird::default_socket_path(), "", "", ""};
  std::string tls_ca;
  int wait_s = 0;
  app.add_option("--socket", endpoint.socket, "chaird's Unix socket")->capture_default_str();
  app.add_option("--tcp", endpoint.tcp,
                 "connect over TCP with TLS instead, e.g. chair.local:50051");
  app.add_option("--tls-ca", tls_ca,
                 "check chaird's TLS certificate against these (PEM; default: the system's)");
  std::string token_file;
  app.add_option(
      "--token-file", token_file,
      "send the bearer token in this file's first line (default: $CHAIRD_TOKEN, if set)");

  auto* token_cmd = app.add_subcommand(
      "token", "make a new bearer token and its line for chaird's tokens file (offline)");
  std::string token_name, token_role;
  token_cmd->add_option("name", token_name, "who holds it, e.g. front-desk (letters, digits, -_.@)")
      ->required();
  token_cmd->add_option("role", token_role, "kiosk, engineer or admin")
      ->required()
      ->check(CLI::IsMember({"kiosk", "engineer", "admin"}));
  app.add_option("--wait", wait_s, "wait up to this many seconds for chaird to answer");

  auto* chair_cmd = app.add_subcommand("chair", "show the chair: model, actuators, state, faults");
  auto* programs = app.add_subcommand("programs", "list the programs this chair offers");
  std::vector<std::string> focus_filter, class_filter, condition_filter;
  std::optional<double> max_minutes;
  programs->add_option("--focus", focus_filter, "only programs working on this zone (repeatable)");
  programs->add_option("--class", class_filter, "only this intensity class (repeatable)")
      ->check(CLI::IsMember({"GENTLE", "MODERATE", "STRONG"}));
  programs->add_option("--max-minutes", max_minutes, "only programs at most this long")
      ->check(CLI::Range(0.0, 24.0 * 60.0));
  programs->add_option("--condition", condition_filter,
                       "leave out programs unsuitable for this condition (repeatable)");
  auto* program_cmd = app.add_subcommand("program", "show one program, step by step");
  std::string shown_program;
  program_cmd->add_option("program", shown_program, "program id")->required();
  auto* techniques = app.add_subcommand("techniques", "list the techniques and their parameters");
  auto* conditions_cmd =
      app.add_subcommand("conditions", "list the health questions and condition names");
  auto* validate = app.add_subcommand(
      "validate", "ask chaird whether a program file would be accepted (nothing is stored)");
  std::string validate_file;
  validate->add_option("file", validate_file, "program file")->required();

  auto* save_cmd = app.add_subcommand(
      "save", "add a program file to this chair's library as a custom program (checked first)");
  std::string save_file;
  bool save_replace = false;
  save_cmd->add_option("file", save_file, "program file")->required();
  save_cmd->add_flag("--replace", save_replace, "replace the custom program with the same id");
  auto* delete_cmd = app.add_subcommand("delete", "remove a custom program");
  std::string delete_id;
  delete_cmd->add_option("program", delete_id, "program id")->required();

  auto* profile_cmd = app.add_subcommand("profile", "show a sitter's profile");
  auto* profile_save = app.add_subcommand("profile-save", "create or replace a sitter's profile");
  auto* forget_cmd =
      app.add_subcommand("forget", "delete a sitter's profile (and, asked, their history)");
  std::string user_id;
  for (auto* cmd : {profile_cmd, profile_save, forget_cmd})
    cmd->add_option("user", user_id, "the sitter's user id")->required();
  chair::v1::UserProfile profile;
  std::string display_name;
  std::optional<double> preferred_intensity, preferred_speed, profile_offset;
  std::vector<std::string> favourites, remembered;
  profile_save->add_option("--name", display_name, "how the kiosk greets them");
  profile_save->add_option("--intensity", preferred_intensity, "preferred intensity (0.2..1.5)");
  profile_save->add_option("--speed", preferred_speed, "preferred speed (0.5..1.5)");
  profile_save->add_option("--shoulder-offset", profile_offset, "shoulder correction, mm");
  profile_save->add_option("--favourite", favourites, "a favourite program id (repeatable)");
  profile_save->add_option("--condition", remembered,
                           "a health condition to remember (repeatable)");
  bool forget_history = false;
  forget_cmd->add_flag("--history", forget_history, "forget their session history too");
  auto* history_cmd = app.add_subcommand("history", "a sitter's sessions, newest first");
  std::uint32_t history_limit = 0;
  bool history_csv = false;
  history_cmd->add_option("user", user_id, "the sitter's user id")->required();
  history_cmd->add_option("--limit", history_limit, "at most this many sessions (default 50)");
  history_cmd->add_flag("--csv", history_csv, "print CSV, for a spreadsheet");
  auto* feedback_cmd = app.add_subcommand("feedback", "keep a sitter's feedback on a session");
  chair::v1::RecordSessionFeedbackRequest feedback_request;
  std::string feedback_session;
  std::optional<int> discomfort_before, discomfort_after;
  std::vector<std::string> too_strong;
  std::string feedback_note;
  feedback_cmd->add_option("session", feedback_session, "session id")->required();
  feedback_cmd->add_option("--user", user_id, "the sitter the session was started for");
  feedback_cmd->add_option("--before", discomfort_before, "discomfort before, 0..10");
  feedback_cmd->add_option("--after", discomfort_after, "discomfort after, 0..10");
  feedback_cmd->add_option("--too-strong", too_strong, "a zone where it was too strong");
  feedback_cmd->add_option("--note", feedback_note, "anything else they said");

  auto* compose_cmd = app.add_subcommand(
      "compose",
      "compose a session for a sitter from the library's segments, each choice explained");
  std::vector<std::string> compose_focus;
  std::vector<std::string> compose_conditions;
  double compose_minutes = 20.0;
  std::string compose_intensity;
  compose_cmd->add_option("--focus", compose_focus, "a body zone to work on (repeatable)");
  compose_cmd->add_option("--minutes", compose_minutes,
                          "the time the sitter has (5..60, default 20)");
  compose_cmd->add_option("--prefer", compose_intensity, "gentle, moderate or strong");
  compose_cmd->add_option("--condition", compose_conditions,
                          "a health condition the sitter reported (repeatable)");
  compose_cmd->add_option("--user", user_id, "the signed-in sitter: their feedback weighs in");

  auto* start = app.add_subcommand(
      "start", "start a program, or manual mode (--technique and --zone instead of a program)");
  auto* preview = app.add_subcommand(
      "preview", "what `start` would do with these options: run, softened, or refused and why");
  std::string program_id;
  chair::v1::StartSessionRequest start_request;
  // Left out, chaird applies its defaults; given, each is sent as it is (0 included) and checked.
  std::optional<double> intensity, speed, shoulder_mm, height_cm, shoulder_offset;
  std::vector<std::string> conditions;
  std::vector<std::string> start_focus;
  std::string manual_technique, manual_zone;
  std::optional<double> manual_intensity, manual_tempo, manual_minutes;
  bool start_watch = false;
  for (auto* cmd : {start, preview}) {
    cmd->add_option("program", program_id,
                    "program id (see `chairctl programs`); leave it out for manual mode");
    cmd->add_option("--technique", manual_technique,
                    "manual mode: the technique (see `chairctl techniques`)");
    cmd->add_option("--zone", manual_zone, "manual mode: the body zone");
    cmd->add_option("--manual-intensity", manual_intensity,
                    "manual mode: the technique's strength (0.05..1, default 0.5)");
    cmd->add_option("--tempo", manual_tempo,
                    "manual mode: cycles a minute (default the "
                    "technique's own)");
    cmd->add_option("--minutes", manual_minutes, "manual mode: how long (1..30, default 15)");
    cmd->add_option("--focus", start_focus,
                    "a body zone to emphasise; the rest is lighter (repeatable)");
    cmd->add_option("--intensity", intensity, "scale every step's intensity (0.2..1.5)");
    cmd->add_option("--speed", speed, "scale every step's tempo (0.5..1.5)");
    cmd->add_option("--shoulder-mm", shoulder_mm,
                    "body scan: shoulder line, mm from the top of the track");
    cmd->add_option("--height-cm", height_cm, "body scan: the sitter's height");
    cmd->add_option("--shoulder-offset", shoulder_offset,
                    "manual shoulder correction, mm (+ = lower)");
    cmd->add_option("--condition", conditions,
                    "a health condition the sitter reported (repeatable)");
  }
  std::string composition_id;
  for (auto* cmd : {start, preview})
    cmd->add_option("--composition", composition_id, "a session `chairctl compose` made");
  start->add_option("--user", user_id, "the signed-in sitter: the session joins their history");
  start->add_flag("--watch", start_watch, "print progress until the session ends");

  auto* telemetry_cmd = app.add_subcommand(
      "telemetry", "print the actuators' targets and measured values as the chair reports them");
  std::int64_t telemetry_interval_ms = 0;
  std::vector<std::string> telemetry_actuators;
  std::int64_t telemetry_samples = 0;
  telemetry_cmd->add_option("--interval-ms", telemetry_interval_ms,
                            "at most one sample per this much chair time (0: every one)");
  telemetry_cmd->add_option("--actuator", telemetry_actuators,
                            "only this actuator (repeatable; chairctl chair lists them)");
  telemetry_cmd->add_option("--samples", telemetry_samples, "stop after this many samples");
  auto* watch_cmd = app.add_subcommand("watch", "print live progress");
  std::string watch_session;
  watch_cmd->add_option("--session", watch_session, "stop watching when this session ends");
  std::int64_t watch_interval_ms = 0;
  watch_cmd->add_option("--interval-ms", watch_interval_ms,
                        "at most one status per this much chair time (changes of state at once)");

  std::string watch_lease;
  watch_cmd->add_option("--lease", watch_lease,
                        "hold the session's lease while watching (the token start printed)");
  auto* stop = app.add_subcommand("stop", "stop the session after a short cool-down");
  auto* pause = app.add_subcommand("pause", "pause: vent, heat off, roller off the body");
  auto* resume = app.add_subcommand("resume", "go on from where the session paused");
  std::string lease_token;
  resume->add_option("--lease", lease_token, "the controlling app's lease token")->required();
  auto* adjust_cmd = app.add_subcommand(
      "adjust", "change the running session live: intensity, speed, or too strong here");
  adjust_cmd->add_option("--lease", lease_token, "the controlling app's lease token")->required();
  std::optional<double> adjust_intensity, adjust_speed;
  bool too_strong_here = false;
  adjust_cmd->add_option("--intensity", adjust_intensity, "the session's intensity (0.2..1.5)");
  adjust_cmd->add_option("--speed", adjust_speed, "the session's tempo (0.5..1.5)");
  adjust_cmd->add_flag("--too-strong", too_strong_here, "soften the zones at work now");
  std::vector<std::string> adjust_focus;
  bool adjust_no_focus = false;
  std::string adjust_technique, adjust_zone;
  adjust_cmd->add_option("--focus", adjust_focus,
                         "emphasise this zone from now; the rest is lighter (repeatable)");
  adjust_cmd->add_flag("--no-focus", adjust_no_focus, "end the focus");
  adjust_cmd->add_option("--technique", adjust_technique, "manual mode: the technique from now");
  adjust_cmd->add_option("--zone", adjust_zone, "manual mode: the zone from now");
  auto* keepalive = app.add_subcommand("keepalive", "tell chaird the controlling app is there");
  keepalive->add_option("--lease", lease_token, "the lease token")->required();
  auto* takeover = app.add_subcommand("takeover", "take control of the session (logged)");
  std::string takeover_name = "chairctl";
  takeover->add_option("--name", takeover_name, "who takes over, for the log");
  auto* estop = app.add_subcommand("estop", "emergency stop: safe state at once, latched");
  std::string estop_reason;
  estop->add_option("--reason", estop_reason, "why (logged)");
  auto* reset = app.add_subcommand("reset", "acknowledge an emergency stop or a fault");
  auto* advance = app.add_subcommand("advance", "simulator with a manual clock: move time forward");
  std::int64_t advance_ms = 0;
  advance->add_option("ms", advance_ms, "milliseconds of chair time")->required();

  auto* inject = app.add_subcommand(
      "inject", "the engineer's bench: make the simulated chair (or chair-simd) suffer a fault");
  std::string inject_kind, inject_actuator;
  std::int64_t inject_at_ms = 0, inject_duration_ms = 0;
  double inject_amount = 0.0;
  inject->add_option("kind", inject_kind, "STUCK_VALVE, LEAKING_AIRBAG, HEATER_RUNAWAY, ...")
      ->required();
  inject->add_option("--actuator", inject_actuator, "the actuator's id, for faults of one");
  inject->add_option("--at-ms", inject_at_ms, "chair time it begins (0: now)");
  inject->add_option("--amount", inject_amount, "kind-specific size (0: the default)");
  inject->add_option("--duration-ms", inject_duration_ms, "how long it lasts (0: to the end)");
  auto* hold = app.add_subcommand(
      "hold", "the bench's start hold: starts, resumes and adjustments wait once planned");
  auto* await_held =
      app.add_subcommand("await-held", "the bench: wait until a start waits at the hold");
  bool await_cancelled = false;
  await_held->add_flag("--until-cancelled", await_cancelled,
                       "and until its client has cancelled the call");
  auto* release = app.add_subcommand("release", "the bench: let held starts go on");

  const auto root = chaird::install_root();
  OfflineSetup setup;
  setup.chair_path = (chaird::default_data_dir(root) / "chairs/generic_4d_sl.textproto").string();
  setup.plugin_dirs = {chaird::default_plugin_dir(root).string()};
  setup.library_dirs = {(chaird::default_data_dir(root) / "programs").string()};
  auto add_offline_options = [&](CLI::App* cmd) {
    cmd->add_option("--chair", setup.chair_path, "chair profile")->capture_default_str();
    cmd->add_option("--plugins", setup.plugin_dirs, "plugin directories (repeatable)")
        ->capture_default_str();
    cmd->add_option("--library", setup.library_dirs,
                    "directories include_program looks in (repeatable)")
        ->capture_default_str();
  };
  auto* lint = app.add_subcommand("lint", "check program files and report every problem");
  std::vector<std::string> lint_files;
  lint->add_option("files", lint_files, "program files")->required()->check(CLI::ExistingFile);
  add_offline_options(lint);
  setup.rules_path =
      (chaird::default_data_dir(root) / "safety/contraindications.textproto").string();
  lint->add_option("--rules", setup.rules_path,
                   "contraindication rules the review counts as covering a condition")
      ->capture_default_str();
  auto* plan = app.add_subcommand("plan", "print the timeline a program file becomes");
  std::string plan_file;
  bool plan_json = false;
  plan->add_option("file", plan_file, "program file")->required()->check(CLI::ExistingFile);
  plan->add_flag("--json", plan_json, "JSON instead of a table");
  plan->add_option("--intensity", intensity, "scale every step's intensity (0.2..1.5)");
  plan->add_option("--speed", speed, "scale every step's tempo (0.5..1.5)");
  add_offline_options(plan);

  auto* replay = app.add_subcommand(
      "replay", "replay a program on the chair model in virtual time: trace, plot, summary");
  ReplayRequest replay_request;
  replay->add_option("program", replay_request.program, "program file, or a library program id")
      ->required();
  replay->add_option("--faults", replay_request.faults, "fault scenario file")
      ->check(CLI::ExistingFile);
  replay->add_option("--scan", replay_request.scan,
                     "body scan: shoulder_mm=N[,height_cm=N] (default: the chair's default body)");
  replay->add_option("--out", replay_request.out_dir,
                     "directory for the trace, plot and summary (default: replay-<program id>)");
  replay->add_option("--compare", replay_request.compare,
                     "golden trace (.csv or .jsonl): exit 1 at the first difference");
  replay
      ->add_option("--tolerance-ms", replay_request.tolerances.time_ms,
                   "how far apart in time run and golden may be")
      ->capture_default_str();
  replay->add_option("--intensity", intensity, "scale every step's intensity (0.2..1.5)");
  replay->add_option("--speed", speed, "scale every step's tempo (0.5..1.5)");
  add_offline_options(replay);

  // A repeatable option takes the one value after it each time, so that what follows it stays
  // what it is: in "lint --plugins DIR a.textproto" the program file is a file, not a second
  // plugin directory.
  const std::function<void(CLI::App&)> one_value_each = [&](CLI::App& cmd) {
    for (CLI::Option* option : cmd.get_options()) {
      if (!option->get_positional()) option->allow_extra_args(false);
    }
    for (CLI::App* sub : cmd.get_subcommands([](CLI::App*) { return true; })) one_value_each(*sub);
  };
  one_value_each(app);

  CLI11_PARSE(app, argc, argv);

  if (lint->parsed() || plan->parsed() || replay->parsed())
    warn_if_shipped_techniques_left_out(setup, chaird::default_plugin_dir(root).string(),
                                        std::cerr);

  if (replay->parsed()) {
    if (intensity) replay_request.plan.scaling.intensity_scale = *intensity;
    if (speed) replay_request.plan.scaling.speed_scale = *speed;
    return run_replay(setup, replay_request, std::cout, std::cerr);
  }
  if (lint->parsed()) return run_lint(setup, lint_files, std::cout, std::cerr);
  if (plan->parsed()) {
    chaird::PlanOptions options;
    if (intensity) options.scaling.intensity_scale = *intensity;
    if (speed) options.scaling.speed_scale = *speed;
    return run_plan(setup, plan_file, plan_json ? PlanFormat::kJson : PlanFormat::kTable, options,
                    std::cout, std::cerr);
  }

  if (token_cmd->parsed()) return new_token_line(token_name, token_role, std::cout, std::cerr);

  const auto token = read_token(token_file, std::cerr);
  if (!token) return kExitRefused;
  endpoint.token = *token;
  if (!tls_ca.empty()) {
    auto pem = read_tls_ca(tls_ca, std::cerr);
    if (!pem) return kExitRefused;
    endpoint.tls_ca_pem = std::move(*pem);
  }
  ControlClient client(endpoint);
  if (wait_s > 0 && !client.wait_ready(std::chrono::seconds(wait_s))) {
    std::cerr << "chaird did not answer on " << client.target() << " within " << wait_s << " s\n";
    return kExitUnreachable;
  }

  if (chair_cmd->parsed()) return show_chair(client, std::cout, std::cerr);
  if (program_cmd->parsed()) return show_program(client, shown_program, std::cout, std::cerr);
  if (validate->parsed()) return validate_program(client, validate_file, std::cout, std::cerr);
  if (save_cmd->parsed())
    return save_program(client, save_file, save_replace, std::cout, std::cerr);
  if (delete_cmd->parsed()) return delete_program(client, delete_id, std::cout, std::cerr);
  if (profile_cmd->parsed()) return show_profile(client, user_id, std::cout, std::cerr);
  if (profile_save->parsed()) {
    profile.set_user_id(user_id);
    profile.set_display_name(display_name);
    if (preferred_intensity) profile.set_preferred_intensity_scale(*preferred_intensity);
    if (preferred_speed) profile.set_preferred_speed_scale(*preferred_speed);
    if (profile_offset) profile.set_shoulder_offset_mm(*profile_offset);
    for (const auto& f : favourites) profile.add_favourite_programs(f);
    for (const auto& c : remembered) profile.add_remembered_conditions(c);
    return save_profile(client, profile, std::cout, std::cerr);
  }
  if (forget_cmd->parsed())
    return forget_user(client, user_id, forget_history, std::cout, std::cerr);
  if (history_cmd->parsed())
    return show_history(client, user_id, history_limit, history_csv, std::cout, std::cerr);
  if (feedback_cmd->parsed()) {
    feedback_request.set_session_id(feedback_session);
    feedback_request.set_user_id(user_id);
    auto* f = feedback_request.mutable_feedback();
    if (discomfort_before) f->set_discomfort_before(*discomfort_before);
    if (discomfort_after) f->set_discomfort_after(*discomfort_after);
    for (const auto& z : too_strong) f->add_too_strong_zones(z);
    f->set_note(feedback_note);
    return record_feedback(client, feedback_request, std::cout, std::cerr);
  }
  if (programs->parsed()) {
    chair::v1::ListProgramsRequest request;
    for (const auto& f : focus_filter) request.add_focus_areas(f);
    for (const auto& c : class_filter) {
      chair::v1::IntensityClass value{};
      chair::v1::IntensityClass_Parse(c, &value);
      request.add_intensity_classes(value);
    }
    if (max_minutes) {
      request.set_max_duration_ms(static_cast<std::int64_t>(*max_minutes * 60000.0));
    }
    for (const auto& c : condition_filter) request.add_health_conditions(c);
    chair::v1::ListProgramsResponse response;
    auto status = client.control().ListPrograms(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    for (const auto& p : response.programs()) {
      const auto& m = p.metadata();
      std::string focus;
      for (const auto& f : m.focus_areas()) focus += (focus.empty() ? "" : ",") + f;
      std::cout << fmt::format("{:<26} {:>5}  {:<9} {:<34} {}\n", m.id(),
                               mmss(p.planned_duration_ms()),
                               chair::v1::IntensityClass_Name(m.intensity_class()),
                               p.custom() ? m.name() + " [custom]" : m.name(), focus);
      // What the contraindication rules would change for the conditions given.
      for (const auto& a : p.adaptations()) std::cout << "    softened: " << a << "\n";
    }
    if (response.unsuitable_count() > 0) {
      std::cout << fmt::format("({} more not suitable for the conditions given)\n",
                               response.unsuitable_count());
    }
    return kExitOk;
  }
  if (techniques->parsed()) {
    chair::v1::ListTechniquesResponse response;
    auto status = client.control().ListTechniques(client.call_context().get(), {}, &response);
    if (!status.ok()) return report(status);
    for (const auto& t : response.techniques()) std::cout << technique_text(t);
    return kExitOk;
  }
  if (conditions_cmd->parsed()) {
    chair::v1::ListHealthConditionsResponse response;
    auto status = client.control().ListHealthConditions(client.call_context().get(), {}, &response);
    if (!status.ok()) return report(status);
    for (const auto& q : response.questions())
      std::cout << fmt::format("{:<28} {}\n", q.condition(), q.question());
    return kExitOk;
  }
  if (compose_cmd->parsed()) {
    chair::v1::ComposeSessionRequest request;
    for (const auto& z : compose_focus) request.add_focus_areas(z);
    // chaird checks the range; a value llround cannot take is refused here.
    if (!std::isfinite(compose_minutes) || std::abs(compose_minutes) > 1e6) {
      std::cerr << "chairctl: --minutes takes the minutes the sitter has (5..60)" << std::endl;
      return kExitRefused;
    }
    request.set_available_ms(static_cast<std::int64_t>(std::llround(compose_minutes * 60000.0)));
    if (!compose_intensity.empty()) {
      chair::v1::IntensityClass preferred{};
      std::string upper = compose_intensity;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!chair::v1::IntensityClass_Parse(upper, &preferred) ||
          preferred == chair::v1::INTENSITY_CLASS_UNSPECIFIED) {
        std::cerr << "chairctl: --prefer takes gentle, moderate or strong" << std::endl;
        return kExitRefused;
      }
      request.set_preferred_intensity(preferred);
    }
    for (const auto& c : compose_conditions) request.add_health_conditions(c);
    request.set_user_id(user_id);
    return compose_session(client, request, std::cout, std::cerr);
  }
  if (start->parsed() || preview->parsed()) {
    start_request.set_program_id(program_id);
    start_request.set_composition_id(composition_id);
    const bool manual_mode = !manual_technique.empty() || !manual_zone.empty();
    if (program_id.empty() && composition_id.empty() && !manual_mode) {
      std::cerr << "chairctl: name a program, --composition, or --technique and --zone for "
                   "manual mode"
                << std::endl;
      return kExitRefused;
    }
    if (manual_mode) {
      auto* manual = start_request.mutable_manual();
      manual->set_technique(manual_technique);
      manual->set_zone(manual_zone);
      if (manual_intensity) manual->set_intensity(*manual_intensity);
      if (manual_tempo) manual->set_tempo_cpm(*manual_tempo);
      if (manual_minutes) {
        manual->set_duration_ms(static_cast<std::int64_t>(std::llround(*manual_minutes * 60000.0)));
      }
    }
    for (const auto& z : start_focus) start_request.mutable_focus()->add_areas(z);
    if (intensity) start_request.set_intensity_scale(*intensity);
    if (speed) start_request.set_speed_scale(*speed);
    if (shoulder_mm) start_request.mutable_body_scan()->set_shoulder_mm(*shoulder_mm);
    if (height_cm) start_request.mutable_body_scan()->set_height_cm(*height_cm);
    if (shoulder_offset) start_request.set_shoulder_offset_mm(*shoulder_offset);
    for (const auto& c : conditions) start_request.add_health_conditions(c);
    start_request.set_client_name("chairctl");
    if (start->parsed()) start_request.set_user_id(user_id);
    if (preview->parsed()) return preview_session(client, start_request, std::cout, std::cerr);
    chair::v1::StartSessionResponse response;
    auto status =
        client.control().StartSession(client.call_context().get(), start_request, &response);
    if (!status.ok()) return report(status);
    const std::string what = manual_mode
                                 ? fmt::format("manual: {} on {}", manual_technique, manual_zone)
                             : composition_id.empty() ? program_id
                                                      : composition_id;
    std::cout << "started " << response.session_id() << " (" << what << ", "
              << mmss(response.planned_duration_ms()) << ")" << std::endl;
    for (const auto& a : response.adaptations()) std::cout << "  governor: " << a << std::endl;
    if (!response.history_note().empty())
      std::cout << "  history: this session " << response.history_note() << std::endl;
    if (start_watch) return watch(client, response.session_id(), response.lease_token());
    if (response.lease_ms() > 0) {
      std::cout << "lease " << response.lease_token() << ": the session stops unless an app keeps "
                << "it within " << response.lease_ms() << " ms (chairctl watch --lease, chairctl "
                << "keepalive --lease, or chairctl takeover)" << std::endl;
    }
    return kExitOk;
  }
  if (watch_cmd->parsed()) return watch(client, watch_session, watch_lease, watch_interval_ms);
  if (telemetry_cmd->parsed()) {
    chair::v1::WatchTelemetryRequest request;
    request.set_interval_ms(telemetry_interval_ms);
    for (const auto& a : telemetry_actuators) request.add_actuators(a);
    return print_telemetry(client, request, telemetry_samples, std::cout);
  }
  if (pause->parsed()) {
    chair::v1::PauseSessionResponse response;
    auto status = client.control().PauseSession(client.call_context().get(), {}, &response);
    if (!status.ok()) return report(status);
    std::cout << chair::v1::SessionState_Name(response.state()) << " (ends after "
              << mmss(response.max_pause_ms()) << ")" << std::endl;
    return kExitOk;
  }
  if (resume->parsed()) {
    chair::v1::ResumeSessionRequest request;
    request.set_lease_token(lease_token);
    chair::v1::ResumeSessionResponse response;
    auto status = client.control().ResumeSession(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    std::cout << chair::v1::SessionState_Name(response.state()) << " ("
              << mmss(response.remaining_ms()) << " left, after a " << response.lead_in_ms()
              << " ms lead-in)" << std::endl;
    return kExitOk;
  }
  if (adjust_cmd->parsed()) {
    chair::v1::AdjustSessionRequest request;
    request.set_lease_token(lease_token);
    if (adjust_intensity) request.set_intensity_scale(*adjust_intensity);
    if (adjust_speed) request.set_speed_scale(*adjust_speed);
    request.set_too_strong_here(too_strong_here);
    if (adjust_no_focus || !adjust_focus.empty()) {
      auto* focus = request.mutable_focus();  // present, and empty with --no-focus: no focus
      for (const auto& z : adjust_focus) focus->add_areas(z);
    }
    if (!adjust_technique.empty() || !adjust_zone.empty()) {
      request.mutable_manual()->set_technique(adjust_technique);
      request.mutable_manual()->set_zone(adjust_zone);
    }
    chair::v1::AdjustSessionResponse response;
    auto status = client.control().AdjustSession(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    std::cout << fmt::format("adjusted from {}: intensity {:.2f}, speed {:.2f}",
                             mmss(response.effective_from_ms()), response.intensity_scale(),
                             response.speed_scale());
    for (const auto& z : response.softened_zones())
      std::cout << fmt::format(", {} at {:.2f}", z.zone(), z.factor());
    if (response.focus_areas_size() > 0)
      std::cout << fmt::format(", focus on {}", fmt::join(response.focus_areas(), ", "));
    if (!response.technique().empty())
      std::cout << fmt::format(", {} on {}", response.technique(), response.zone());
    std::cout << std::endl;
    for (const auto& a : response.adaptations()) std::cout << "  governor: " << a << std::endl;
    if (!response.history_note().empty())
      std::cout << "  history: this change " << response.history_note() << std::endl;
    return kExitOk;
  }
  if (keepalive->parsed()) {
    chair::v1::KeepAliveRequest request;
    request.set_lease_token(lease_token);
    chair::v1::KeepAliveResponse response;
    auto status = client.control().KeepAlive(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    std::cout << chair::v1::SessionState_Name(response.state()) << std::endl;
    return kExitOk;
  }
  if (takeover->parsed()) {
    chair::v1::TakeOverSessionRequest request;
    request.set_client_name(takeover_name);
    chair::v1::TakeOverSessionResponse response;
    auto status = client.control().TakeOverSession(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    std::cout << "lease " << response.lease_token() << " (from " << response.previous_client()
              << ")" << std::endl;
    return kExitOk;
  }
  if (stop->parsed()) {
    chair::v1::StopSessionResponse response;
    auto status = client.control().StopSession(client.call_context().get(), {}, &response);
    if (!status.ok()) return report(status);
    std::cout << chair::v1::SessionState_Name(response.state()) << std::endl;
    return kExitOk;
  }
  if (estop->parsed()) {
    chair::v1::EmergencyStopRequest request;
    request.set_reason(estop_reason);
    chair::v1::EmergencyStopResponse response;
    auto status = client.control().EmergencyStop(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    std::cout << chair::v1::SessionState_Name(response.state()) << std::endl;
    return kExitOk;
  }
  if (reset->parsed()) {
    chair::v1::ResetFaultResponse response;
    auto status = client.control().ResetFault(client.call_context().get(), {}, &response);
    if (!status.ok()) return report(status);
    std::cout << chair::v1::SessionState_Name(response.state()) << std::endl;
    return kExitOk;
  }
  if (advance->parsed()) {
    // chaird moves the clock at most chaird::wire::kMostAdvanceClockMs per call; more is more
    // calls. A refusal (0 ms, a negative time) comes from the first.
    std::int64_t left_ms = advance_ms;
    chair::v1::AdvanceClockResponse response;
    do {
      chair::v1::AdvanceClockRequest request;
      request.set_duration_ms(left_ms > 0 ? std::min(left_ms, chaird::wire::kMostAdvanceClockMs)
                                          : left_ms);
      auto status = client.bench().AdvanceClock(
          client.call_context(std::chrono::seconds(300)).get(), request, &response);
      if (!status.ok()) return report(status);
      left_ms -= request.duration_ms();
    } while (left_ms > 0);
    std::cout << "chair time " << response.chair_time_ms() << " ms" << std::endl;
    return kExitOk;
  }
  if (inject->parsed()) {
    chair::v1::InjectFaultRequest request;
    auto* fault = request.mutable_fault();
    chair::v1::InjectedFaultKind kind{};
    if (!chair::v1::InjectedFaultKind_Parse(inject_kind, &kind)) {
      std::cerr << "chairctl: '" << inject_kind << "' is not a fault kind (docs/simulator.md)\n";
      return kExitRefused;
    }
    fault->set_kind(kind);
    fault->set_actuator(inject_actuator);
    fault->set_at_ms(inject_at_ms);
    fault->set_amount(inject_amount);
    fault->set_duration_ms(inject_duration_ms);
    chair::v1::InjectFaultResponse response;
    auto status = client.bench().InjectFault(client.call_context().get(), request, &response);
    if (!status.ok()) return report(status);
    std::cout << response.description() << " (at chair time " << response.chair_time_ms() << " ms)"
              << std::endl;
    return kExitOk;
  }
  if (hold->parsed()) {
    chair::v1::HoldStartsResponse response;
    auto status = client.bench().HoldStarts(client.call_context().get(), {}, &response);
    return status.ok() ? kExitOk : report(status);
  }
  if (await_held->parsed()) {
    chair::v1::AwaitHeldStartRequest request;
    request.set_until_call_cancelled(await_cancelled);
    chair::v1::AwaitHeldStartResponse response;
    auto status = client.bench().AwaitHeldStart(
        client.call_context(std::chrono::seconds(300)).get(), request, &response);
    return status.ok() ? kExitOk : report(status);
  }
  if (release->parsed()) {
    chair::v1::ReleaseStartsResponse response;
    auto status = client.bench().ReleaseStarts(client.call_context().get(), {}, &response);
    return status.ok() ? kExitOk : report(status);
  }
  return kExitOk;
}
