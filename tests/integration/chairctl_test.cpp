// chairctl as a user runs it: offline lint and plan on files, and commands against chaird.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_run.hpp"
#include "daemon_process.hpp"
#include "test_support.hpp"

namespace chaird::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CliRun chairctl(const std::string& args) {
  return run_chairctl(args);
}

// The chair time `chairctl advance` prints ("chair time N ms"), or -1.
std::int64_t chair_time_ms(const std::string& output) {
  const auto at = output.rfind("chair time ");
  if (at == std::string::npos) return -1;
  return std::stoll(output.substr(at + 11));
}

std::string offline_flags() {
  return " --chair " + reference_chair_path() + " --plugins " + plugin_dir() + " --library " +
         source_dir() + "/tests/integration/programs";
}

TEST(Chairctl, LintReportsEveryProblemAtFileLineColumnAndFails) {
  const std::string dir = make_temp_dir("lint");
  const std::string file = dir + "/bad.textproto";
  std::ofstream(file)
      << "metadata { id: \"bad\" name: \"Bad\" contraindications: \"hiccups\" }\n"
         "phases {\n"
         "  kind: MAIN\n"
         "  tracks {\n"
         "    items { step { technique: \"tickle\" zone: \"lumbar\" duration_ms: 1000 } }\n"
         "    items { step { technique: \"shiatsu\" zone: \"tail\" duration_ms: 1000 } }\n"
         "    items { step { technique: \"shiatsu\" zone: \"calves\" duration_ms: 0 } }\n"
         "    items { step { technique: \"shiatsu\" zone: \"lumbar\" duration_ms: 9000\n"
         "                   params { name: \"points\" integer: 99 } } }\n"
         "  }\n"
         "}\n";
  const CliRun run = chairctl("lint " + file + offline_flags());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr(file + ":1:"));
  EXPECT_THAT(run.output, HasSubstr("unknown health condition 'hiccups'"));
  EXPECT_THAT(run.output, HasSubstr(file + ":5:"));
  EXPECT_THAT(run.output, HasSubstr("unknown technique 'tickle'"));
  EXPECT_THAT(run.output, HasSubstr(file + ":6:"));
  EXPECT_THAT(run.output, HasSubstr("unknown zone 'tail'"));
  EXPECT_THAT(run.output, HasSubstr(file + ":7:"));
  EXPECT_THAT(run.output, HasSubstr("duration_ms must be positive"));
  EXPECT_THAT(run.output, HasSubstr(file + ":9:"));
  EXPECT_THAT(run.output, HasSubstr("points 99 is outside 2..12"));

  // More syntax errors than are listed: the summary counts them all.
  const std::string many = dir + "/many.textproto";
  {
    std::ofstream out(many);
    for (int i = 0; i < 30; ++i) out << "zz" << i << ": 1\n";
  }
  const CliRun counted = chairctl("lint " + many + offline_flags());
  EXPECT_EQ(counted.exit_code, 1) << counted.output;
  EXPECT_THAT(counted.output, HasSubstr("10 more errors from here on are not listed"));
  EXPECT_THAT(counted.output, HasSubstr("(and 29 more)"));
  EXPECT_THAT(counted.output, HasSubstr("1 file(s), 30 error(s), 0 warning(s)"));
}

TEST(Chairctl, LintWithPluginsThatLeaveOutTheShippedOnesWarnsAndSaysWhyAPluginIsMissing) {
  // A maker's directory with one plugin of theirs that does not load (a wrong ABI).
  const std::string plugins = make_temp_dir("maker_plugins");
  ::chmod(plugins.c_str(), 0755);
  const std::string library = plugins + "/wrong_abi.so";
  std::filesystem::copy_file(fixture_dir() + "/wrong_abi.so", library);
  ::chmod(library.c_str(), 0755);
  const std::string file = make_temp_dir("maker") + "/palm.textproto";
  std::ofstream(file) << "metadata { id: \"palm\" name: \"Palm\" }\n"
                         "phases { kind: MAIN tracks {\n"
                         "  items { step { technique: \"wrong_abi\" zone: \"lumbar\" "
                         "duration_ms: 20000 } }\n"
                         "} }\n";
  const std::string chair = " --chair " + reference_chair_path();

  const CliRun alone = chairctl("lint " + file + chair + " --plugins " + plugins);
  EXPECT_EQ(alone.exit_code, 1) << alone.output;
  EXPECT_THAT(alone.output,
              HasSubstr("warning: --plugins leaves out the shipped techniques in " + plugin_dir()));
  EXPECT_THAT(alone.output, HasSubstr(file +
                                      ":3:18: error: step 'wrong_abi@lumbar': unknown technique "
                                      "'wrong_abi' (this chaird has no techniques); its plugin " +
                                      library + " was refused: built for plugin ABI 999"));
  // With the shipped directory given too: no warning, and the shipped techniques are there.
  const CliRun both =
      chairctl("lint " + file + chair + " --plugins " + plugin_dir() + " --plugins " + plugins);
  EXPECT_THAT(both.output, Not(HasSubstr("leaves out the shipped techniques")));
  EXPECT_THAT(both.output, HasSubstr("(this chaird has: acupressure, "));
  EXPECT_THAT(both.output, HasSubstr("its plugin " + library + " was refused: "));
}

TEST(Chairctl, LintPointsAtASyntaxError) {
  const std::string dir = make_temp_dir("syntax");
  const std::string file = dir + "/syntax.textproto";
  std::ofstream(file) << "metadata {\n  id: \"x\"\n  name: \"X\"\n  total_duration_ms: soon\n}\n";
  const CliRun run = chairctl("lint " + file + offline_flags());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr(file + ":4:22: error:"));
  EXPECT_THAT(run.output, HasSubstr("'total_duration_ms' takes a whole number, got soon"));
}

TEST(Chairctl, LintRefusesTwoFilesWithOneIdAndWarnsOfAMisnamedFile) {
  const std::string dir = make_temp_dir("ids");
  const std::string program =
      "metadata { id: \"twin\" name: \"Twin\" contraindications: \"fever\" }\n"
      "phases { tracks { items { step { technique: \"shiatsu\" zone: \"lumbar\" "
      "duration_ms: 20000 } } } }\n";
  std::ofstream(dir + "/twin.textproto") << program;
  std::ofstream(dir + "/copy.textproto") << program;
  const CliRun run =
      chairctl("lint " + dir + "/twin.textproto " + dir + "/copy.textproto" + offline_flags());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("id 'twin' is also used by " + dir + "/copy.textproto"));
  EXPECT_THAT(run.output,
              HasSubstr(dir + "/copy.textproto:1:12: warning: the file is named 'copy.textproto'"));
  // The summary says so too: it said both ran as written, which chaird does not let them.
  EXPECT_THAT(run.output, HasSubstr("  twin: refused: id 'twin' is also used by " + dir +
                                    "/copy.textproto; chaird would refuse both\n"));
  EXPECT_THAT(run.output, Not(HasSubstr("twin: runs"))) << run.output;
}

// chairctl shows staff what chaird says of the history: a session the database refused runs,
// and `start` says it is not in the history, and why.
TEST(Chairctl, StartSaysWhenTheSessionIsNotInTheHistory) {
  DaemonOptions options = with_programs({source_dir() + "/tests/integration/programs"});
  options.state_dir = make_temp_dir("state");
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((options.state_dir + "/chaird.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  EXPECT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER no_room BEFORE INSERT ON sessions BEGIN "
                         "SELECT RAISE(ABORT, 'no room left'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const CliRun started = chairctl(" --socket " + daemon.socket() + " start e2e_full --user ann");
  EXPECT_EQ(started.exit_code, 0) << started.output;
  EXPECT_THAT(started.output,
              HasSubstr("  history: this session is not in the session history: chaird could "
                        "not write it ("));
  EXPECT_THAT(started.output, HasSubstr("no room left)")) << started.output;
}

TEST(Chairctl, LintSumsUpHowEachProgramFitsTheChair) {
  const std::string programs = source_dir() + "/sequences/programs";
  const std::string flat_chair = source_dir() + "/sequences/chairs/generic_2d_s.textproto";
  const std::string flags =
      " --chair " + flat_chair + " --plugins " + plugin_dir() + " --library " + programs;
  const CliRun run = chairctl("lint " + programs + "/gentle_warmup.textproto " + programs +
                              "/deep_tissue.textproto" + flags);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("on chair 'generic_2d_s' (Generic 2D S-track chair):\n"
                                    "  gentle_warmup: runs with changes\n"
                                    "    step 'long strokes': this chair has no roller.depth: "));
  EXPECT_THAT(run.output, HasSubstr("  deep_tissue: refused: chair 'generic_2d_s' lacks required "
                                    "capability 'roller.depth' (and "));
  // Another program of the library, with a focus it shares, that runs on this chair.
  EXPECT_THAT(run.output, HasSubstr("    instead, with the same focus: gentle_warmup"));

  const CliRun reference =
      chairctl("lint " + programs + "/gentle_warmup.textproto" + offline_flags());
  EXPECT_EQ(reference.exit_code, 0) << reference.output;
  EXPECT_THAT(reference.output, HasSubstr("on chair 'generic_4d_sl' (Generic 4D SL-track chair):\n"
                                          "  gentle_warmup: runs as written\n"));
}

TEST(Chairctl, LintAgainstABrokenChairNamesTheChairsErrorFirst) {
  const std::string chair = make_temp_dir("broken_chair") + "/chair.textproto";
  std::ifstream in(reference_chair_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string profile = text.str();
  const std::string kind = "kind: SPEED";
  profile.replace(profile.find(kind), kind.size(), "kind: SPEEDY");
  std::ofstream(chair) << profile;
  const CliRun run =
      chairctl("lint " + source_dir() + "/sequences/programs/gentle_warmup.textproto" +
               " --chair " + chair + " --plugins " + plugin_dir());
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_EQ(run.output.rfind(chair + ":", 0), 0u) << run.output;
  EXPECT_THAT(run.output, HasSubstr("SPEEDY"));
}

TEST(Chairctl, OptionsBeforeTheFilesTakeOneValueEach) {
  // --plugins and --library may be given more than once; each takes the one value after it,
  // not the program files that follow.
  const std::string file = source_dir() + "/tests/integration/programs/e2e_full.textproto";
  const CliRun run =
      chairctl("lint --chair " + reference_chair_path() + " --plugins " + plugin_dir() +
               " --library " + source_dir() + "/tests/integration/programs " + file + " " + file);
  EXPECT_EQ(run.exit_code, 1) << run.output;  // one id in two files: both refused
  EXPECT_THAT(run.output, HasSubstr("lint: 2 file(s)"));
  const CliRun plan = chairctl("plan --plugins " + plugin_dir() + " " + file);
  EXPECT_EQ(plan.exit_code, 0) << plan.output;
}

TEST(Chairctl, LintAcceptsAGoodProgram) {
  const CliRun run = chairctl("lint " + source_dir() +
                              "/tests/integration/programs/e2e_full.textproto" + offline_flags());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("0 error(s)"));
}

TEST(Chairctl, PlanPrintsTheTimelineAsATableOrJson) {
  const std::string file = source_dir() + "/tests/integration/programs/e2e_full.textproto";
  const CliRun table = chairctl("plan " + file + offline_flags());
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("program e2e_full"));
  EXPECT_THAT(table.output, HasSubstr("roller.position"));
  EXPECT_THAT(table.output, HasSubstr("e2e_full.textproto:"));
  const CliRun json = chairctl("plan --json " + file + offline_flags());
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"program_id\":\"e2e_full\""));
  EXPECT_THAT(json.output, HasSubstr("\"commands\":[{"));
}

TEST(Chairctl, TalksToChaird) {
  DaemonProcess daemon(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string socket = " --socket " + daemon.socket() + " ";
  const CliRun programs = chairctl(socket + "programs");
  EXPECT_EQ(programs.exit_code, 0) << programs.output;
  EXPECT_THAT(programs.output, HasSubstr("e2e_full"));
  EXPECT_THAT(programs.output, HasSubstr("03:00"));
  const CliRun techniques = chairctl(socket + "techniques");
  EXPECT_THAT(techniques.output, HasSubstr("shiatsu"));
  // Tempo ranges as the plugins give them, not rounded; heat has none.
  EXPECT_THAT(techniques.output, HasSubstr("(1..2.5 cpm, default 2)"));
  EXPECT_THAT(techniques.output, HasSubstr("(4..30 cpm, default 12)"));
  EXPECT_THAT(techniques.output, Not(HasSubstr("0..0 cpm")));
  EXPECT_THAT(techniques.output, HasSubstr("(no tempo: steady)"));
  // What each technique needs, and what it uses when the chair has it.
  EXPECT_THAT(techniques.output,
              HasSubstr("    needs roller.position (moves from point to point); uses if present "
                        "roller.depth (the press), roller.width (narrow thumbs or wide palms; on a "
                        "chair without roller.depth, the press)\n"));
  EXPECT_THAT(techniques.output, HasSubstr("    needs heat.* (the zone's heaters)\n"));
  const CliRun unknown = chairctl(socket + "start nothing_like_it");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("NOT_FOUND"));
  const CliRun started = chairctl(socket + "start e2e_full");
  EXPECT_EQ(started.exit_code, 0) << started.output;
  EXPECT_THAT(started.output, HasSubstr("started session-1"));
  EXPECT_EQ(chairctl(socket + "advance 30000").exit_code, 0);
  // More than one call may move (five minutes): chairctl makes as many calls as it takes.
  const CliRun first = chairctl(socket + "advance 1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const CliRun hour = chairctl(socket + "advance 3600000");
  ASSERT_EQ(hour.exit_code, 0) << hour.output;
  EXPECT_EQ(chair_time_ms(hour.output), chair_time_ms(first.output) + 3'600'000) << hour.output;
  const CliRun estop = chairctl(socket + "estop --reason test");
  EXPECT_THAT(estop.output, HasSubstr("EMERGENCY_STOPPED"));
  const CliRun reset = chairctl(socket + "reset");
  EXPECT_THAT(reset.output, HasSubstr("IDLE"));
  EXPECT_EQ(daemon.terminate(), 0);
  const CliRun gone = chairctl(socket + "programs");
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_THAT(gone.output, HasSubstr("not reachable"));
}

TEST(Chairctl, RunsManualModeAndChangesItLive) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string socket = " --socket " + daemon.socket() + " ";
  const CliRun nothing = chairctl(socket + "start");
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.output,
              HasSubstr("name a program, --composition, or --technique and --zone"));
  const CliRun started =
      chairctl(socket + "start --technique kneading --zone shoulders --minutes 5 --focus neck");
  ASSERT_EQ(started.exit_code, 0) << started.output;
  EXPECT_THAT(started.output, HasSubstr("(manual: kneading on shoulders, 05:00)"));
  const auto at = started.output.find("lease ");
  ASSERT_NE(at, std::string::npos) << started.output;
  const std::string token = started.output.substr(at + 6, started.output.find(':', at) - at - 6);
  // Within the lease (no app holds it after chairctl start exits).
  EXPECT_EQ(chairctl(socket + "advance 2000").exit_code, 0);
  const CliRun changed =
      chairctl(socket + "adjust --lease " + token + " --technique shiatsu --zone lumbar");
  EXPECT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_THAT(changed.output, HasSubstr(", focus on neck, shiatsu on lumbar"));
  const CliRun unfocused = chairctl(socket + "adjust --lease " + token + " --no-focus");
  EXPECT_EQ(unfocused.exit_code, 0) << unfocused.output;
  EXPECT_THAT(unfocused.output, ::testing::Not(HasSubstr("focus on")));
  const CliRun wrong = chairctl(socket + "adjust --lease " + token + " --zone elbows");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.output, HasSubstr("manual.zone"));
}

TEST(Chairctl, AsksBeforeASession) {
  DaemonProcess daemon(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string socket = " --socket " + daemon.socket() + " ";
  const CliRun chair = chairctl(socket + "chair");
  EXPECT_EQ(chair.exit_code, 0) << chair.output;
  EXPECT_THAT(chair.output, HasSubstr("state: IDLE"));
  EXPECT_THAT(chair.output, HasSubstr("roller.position"));
  const CliRun program = chairctl(socket + "program e2e_full");
  EXPECT_EQ(program.exit_code, 0) << program.output;
  EXPECT_THAT(program.output, HasSubstr("shoulder press"));
  EXPECT_THAT(program.output, HasSubstr("not for: thrombosis, pregnancy"));
  const CliRun filtered = chairctl(socket + "programs --condition thrombosis");
  EXPECT_EQ(filtered.exit_code, 0) << filtered.output;
  EXPECT_THAT(filtered.output, ::testing::Not(HasSubstr("e2e_full")));
  EXPECT_THAT(filtered.output, HasSubstr("1 more not suitable"));
  const CliRun valid = chairctl(socket + "validate " + source_dir() +
                                "/tests/integration/programs/e2e_full.textproto");
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
  EXPECT_THAT(valid.output, HasSubstr("e2e_full: valid (03:00"));
  const std::string bad = make_temp_dir("validate") + "/bad.textproto";
  std::ofstream(bad) << "metadata { id: \"bad\" }\nphases { kind: SIDEWAYS }\n";
  const CliRun invalid = chairctl(socket + "validate " + bad);
  EXPECT_EQ(invalid.exit_code, 1) << invalid.output;
  EXPECT_THAT(invalid.output, HasSubstr("bad.textproto:2:"));
  const CliRun preview = chairctl(socket + "preview e2e_full --intensity 0.8");
  EXPECT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_THAT(preview.output, HasSubstr("runs"));
  const CliRun refused = chairctl(socket + "preview e2e_full --condition pregnancy");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("refused: "));
  const CliRun wrong = chairctl(socket + "preview e2e_full --intensity 9 --speed 0");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_THAT(wrong.output, HasSubstr("field intensity_scale: OUT_OF_RANGE"));
  EXPECT_THAT(wrong.output, HasSubstr("field speed_scale: OUT_OF_RANGE"));
  EXPECT_THAT(wrong.output, HasSubstr("the sitter is told: "));
}

TEST(Chairctl, SavesProgramsAndKeepsSittersProfilesHistoryAndFeedback) {
  DaemonProcess daemon(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string socket = " --socket " + daemon.socket() + " ";
  const std::string file = make_temp_dir("save") + "/mine.textproto";
  std::ofstream(file) << "metadata { id: \"mine\" name: \"Mine\" }\n"
                         "phases { kind: MAIN tracks { kind: BACK_ROLLERS items { step { "
                         "name: \"press\" technique: \"shiatsu\" zone: \"shoulders\" "
                         "duration_ms: 30000 intensity: 0.4 } } } }\n";
  const CliRun saved = chairctl(socket + "save " + file);
  EXPECT_EQ(saved.exit_code, 0) << saved.output;
  EXPECT_THAT(saved.output, HasSubstr("mine saved (00:30, 1 steps)"));
  const CliRun again = chairctl(socket + "save " + file);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("ALREADY_EXISTS"));
  EXPECT_THAT(chairctl(socket + "programs").output, HasSubstr("Mine [custom]"));

  const CliRun profile = chairctl(socket +
                                  "profile-save ann --name Ann --intensity 0.7 "
                                  "--favourite mine --condition varicose_veins");
  EXPECT_EQ(profile.exit_code, 0) << profile.output;
  const CliRun shown = chairctl(socket + "profile ann");
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("ann (Ann)"));
  EXPECT_THAT(shown.output, HasSubstr("varicose_veins"));
  const CliRun started = chairctl(socket + "start mine --user ann");
  EXPECT_EQ(started.exit_code, 0) << started.output;
  const std::string session = started.output.substr(8, started.output.find(' ', 8) - 8);
  daemon.advance(40000);  // no app keeps chairctl's lease: the session stops after 5 s
  const CliRun kept = chairctl(socket + "feedback " + session +
                               " --user ann --before 6 --after 2 --too-strong shoulders");
  EXPECT_EQ(kept.exit_code, 0) << kept.output;
  const CliRun history = chairctl(socket + "history ann");
  EXPECT_EQ(history.exit_code, 0) << history.output;
  EXPECT_THAT(history.output, HasSubstr(session));
  EXPECT_THAT(history.output, HasSubstr("00:05/00:30 STOPPED"));
  EXPECT_THAT(history.output, HasSubstr("too strong: shoulders"));
  const CliRun csv = chairctl(socket + "history ann --csv");
  EXPECT_THAT(csv.output, HasSubstr(",STOPPED,0.1,6,2,shoulders,"));
  const CliRun forgotten = chairctl(socket + "forget ann --history");
  EXPECT_EQ(forgotten.exit_code, 0) << forgotten.output;
  EXPECT_THAT(forgotten.output, HasSubstr("1 sessions forgotten"));
  EXPECT_EQ(chairctl(socket + "profile ann").exit_code, 1);
  const CliRun deleted = chairctl(socket + "delete mine");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
}

}  // namespace
}  // namespace chaird::test

namespace chaird::test {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The replay bench as an engineer runs it: a program id, a fault scenario, an output directory.
// Every command explains itself: chairctl NAME --help, for each NAME chairctl --help lists.
TEST(Chairctl, EveryCommandHasHelp) {
  const CliRun top = chairctl("--help");
  ASSERT_EQ(top.exit_code, 0) << top.output;
  const auto at = top.output.find("Subcommands:");
  ASSERT_NE(at, std::string::npos) << top.output;
  std::istringstream lines(top.output.substr(at));
  std::string line;
  std::getline(lines, line);
  int checked = 0;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    const CliRun help = chairctl(name + " --help");
    EXPECT_EQ(help.exit_code, 0) << name << ": " << help.output;
    EXPECT_THAT(help.output, HasSubstr("Usage:")) << name;
    ++checked;
  }
  EXPECT_GE(checked, 33);
}

// The engineer's bench from the command line: a fault injected into the simulated chair, and
// the start hold that tests use to make a call meet a start at a known point.
TEST(Chairctl, DrivesTheBench) {
  DaemonProcess daemon(with_programs({source_dir() + "/tests/integration/programs"}));
  ASSERT_TRUE(daemon.ready()) << daemon.log();
  const std::string socket = " --socket " + daemon.socket() + " ";
  EXPECT_EQ(chairctl(socket + "hold").exit_code, 0);
  CliRun started;
  std::thread start([&] { started = chairctl(socket + "start e2e_full"); });
  const CliRun held = chairctl(socket + "await-held");
  EXPECT_EQ(held.exit_code, 0) << held.output;
  EXPECT_EQ(daemon.status().state(), chair::v1::IDLE) << "held, not begun";
  EXPECT_EQ(chairctl(socket + "release").exit_code, 0);
  start.join();
  EXPECT_EQ(started.exit_code, 0) << started.output;
  daemon.advance(2000);
  ASSERT_EQ(daemon.status().state(), chair::v1::RUNNING);

  const CliRun bad = chairctl(socket + "inject GREMLINS");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("'GREMLINS' is not a fault kind"));
  const CliRun no_such = chairctl(socket + "inject PINCH --actuator warp.drive");
  EXPECT_EQ(no_such.exit_code, 1) << no_such.output;
  EXPECT_THAT(no_such.output, HasSubstr("INVALID_ARGUMENT"));
  const CliRun injected = chairctl(socket + "inject HEATER_RUNAWAY --actuator heat.lumbar");
  EXPECT_EQ(injected.exit_code, 0) << injected.output;
  EXPECT_THAT(injected.output, HasSubstr("heat.lumbar"));
  daemon.advance(30000);
  EXPECT_EQ(daemon.status().state(), chair::v1::FAULTED);
}

TEST(ChairctlReplay, WritesTracePlotAndSummaryTheSameEveryTimeAndShowsAFault) {
  const std::string dir = make_temp_dir("replay");
  const std::string scenario = dir + "/pinch.textproto";
  std::ofstream(scenario) << "faults { at_ms: 20000 kind: PINCH actuator: \"legrest.angle\" }\n";
  const std::string args = "replay e2e_full --faults " + scenario + offline_flags();
  const CliRun run = chairctl(args + " --out " + dir + "/a");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("fault        at 0:20.0: pinch: a limb caught at legrest.angle"));
  EXPECT_THAT(run.output, HasSubstr("PINCH_DETECTED"));
  for (const char* ext : {".trace.csv", ".trace.jsonl", ".svg", ".summary.txt"}) {
    EXPECT_FALSE(read_all(dir + "/a/e2e_full" + ext).empty()) << ext;
  }
  EXPECT_THAT(read_all(dir + "/a/e2e_full.trace.csv"), HasSubstr(",fault_injected,"));
  EXPECT_THAT(read_all(dir + "/a/e2e_full.svg"), HasSubstr("safe state"));

  ASSERT_EQ(chairctl(args + " --out " + dir + "/b").exit_code, 0);
  EXPECT_TRUE(read_all(dir + "/a/e2e_full.trace.csv") == read_all(dir + "/b/e2e_full.trace.csv"));
  EXPECT_TRUE(read_all(dir + "/a/e2e_full.trace.jsonl") ==
              read_all(dir + "/b/e2e_full.trace.jsonl"));
}

TEST(ChairctlReplay, CompareExitsNonZeroAtTheFirstDifference) {
  const std::string dir = make_temp_dir("replay");
  const std::string base = "replay e2e_full" + offline_flags();
  ASSERT_EQ(chairctl(base + " --out " + dir + "/golden").exit_code, 0);
  const std::string golden = dir + "/golden/e2e_full.trace.jsonl";
  const CliRun same = chairctl(base + " --out " + dir + "/run --compare " + golden);
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_THAT(same.output, HasSubstr("matches"));

  // The same program with a stuck valve is not the golden run.
  const std::string scenario = dir + "/stuck.textproto";
  std::ofstream(scenario) << "faults { at_ms: 30000 kind: LOW_SUPPLY_VOLTAGE amount: 21 }\n";
  const CliRun differs =
      chairctl(base + " --out " + dir + "/run2 --faults " + scenario + " --compare " + golden);
  EXPECT_EQ(differs.exit_code, 1) << differs.output;
  EXPECT_THAT(differs.output, HasSubstr("DIFFERS from " + golden + " first at chair time 30."));
}

TEST(ChairctlReplay, BadInputIsRefusedWithWhereAndWhy) {
  const std::string dir = make_temp_dir("replay");
  const std::string scenario = dir + "/bad.textproto";
  std::ofstream(scenario) << "faults { at_ms: 1000 kind: STUCK_VALVE actuator: \"recline\" }\n";
  CliRun run = chairctl("replay e2e_full --faults " + scenario + offline_flags());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr(scenario + ":1:40: error: fault 1: STUCK_VALVE needs a "
                                               "PRESSURE actuator; 'recline' is POSITION"));
  run = chairctl("replay no_such_program" + offline_flags());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("no program file or library program 'no_such_program'"));
  run = chairctl("replay e2e_full --scan shoulder_mm=abc" + offline_flags());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("--scan: 'shoulder_mm=abc' is not KEY=NUMBER"));
  const std::string garbage = dir + "/garbage.csv";
  std::ofstream(garbage) << "chair_ms,actuator\n12,\xff\xfe\n";
  run = chairctl("replay e2e_full --out " + dir + "/r --compare " + garbage + offline_flags());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(garbage + ":"));
}

}  // namespace
}  // namespace chaird::test
