#include "offline_tools.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>

#include "library/capability_claims.hpp"
#include "library/program_checker.hpp"
#include "library/therapist_review.hpp"
#include "planner/body_model.hpp"
#include "program_fit.hpp"
#include "safety/contraindication_rules.hpp"
#include "timeline/timeline_format.hpp"

namespace chairctl {
namespace {

namespace fs = std::filesystem;
using namespace chaird;

struct Loaded {
  std::shared_ptr<const ChairModel> chair;
  std::shared_ptr<const TechniqueCatalog> catalog;
  std::unique_ptr<SafetyGovernor> governor;
  ProgramCheckContext context;
  // The programs of the library directories and of the files' own directories, by id.
  std::shared_ptr<std::map<std::string, ProgramRef>> programs;
};

bool load(const OfflineSetup& setup, const std::vector<std::string>& files, Loaded& l,
          std::ostream& err) {
  auto chair = ChairModel::load(setup.chair_path);
  if (!chair) {
    err << chair.error().to_string();
    return false;
  }
  l.chair = *chair;
  Diagnostics refusals;
  l.catalog =
      std::make_shared<const TechniqueCatalog>(TechniqueCatalog::load(setup.plugin_dirs, refusals));
  for (const auto& d : refusals.items()) err << "note: " << d.to_string() << '\n';
  l.governor = std::make_unique<SafetyGovernor>(l.chair, SessionLimits{});

  // Programs that include_program may name: every program in the library directories and in
  // the directories of the files being checked.
  std::set<std::string> dirs(setup.library_dirs.begin(), setup.library_dirs.end());
  for (const auto& f : files)
    dirs.insert(fs::path(f).parent_path().empty() ? "." : fs::path(f).parent_path().string());
  auto programs = std::make_shared<std::map<std::string, ProgramRef>>();
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".textproto") continue;
      if (auto p = read_program_file(entry.path().string())) programs->emplace((*p)->id(), *p);
    }
  }
  l.programs = programs;
  l.context.chair = l.chair;
  l.context.catalog = l.catalog;
  l.context.governor = l.governor.get();
  l.context.plugin_budget = std::chrono::milliseconds(setup.plugin_budget_ms);
  l.context.resolver = [programs](std::string_view id) -> ProgramRef {
    const auto it = programs->find(std::string(id));
    return it == programs->end() ? nullptr : it->second;
  };
  return true;
}

}  // namespace

void warn_if_shipped_techniques_left_out(const OfflineSetup& setup, const std::string& shipped_dir,
                                         std::ostream& err) {
  std::error_code ec;
  if (!fs::is_directory(shipped_dir, ec)) return;  // nothing shipped here to leave out
  for (const auto& dir : setup.plugin_dirs) {
    if (fs::equivalent(dir, shipped_dir, ec)) return;
  }
  err << "warning: --plugins leaves out the shipped techniques in " << shipped_dir
      << "; to use yours beside them, give both: --plugins " << shipped_dir << " --plugins DIR\n";
}

int run_lint(const OfflineSetup& setup, const std::vector<std::string>& files, std::ostream& out,
             std::ostream& err) {
  Loaded l;
  if (!load(setup, files, l, err)) return 2;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t bad_files = 0;
  std::size_t accepted = 0;
  // chaird refuses both of two programs with one id, and looks programs up by id.
  std::map<std::string, std::vector<ProgramRef>> by_id;
  for (const auto& file : files) {
    if (auto program = read_program_file(file)) by_id[(*program)->id()].push_back(*program);
  }
  // The rules the review counts: a condition they refuse or skip work for is covered.
  std::vector<ConditionRule> rules;
  if (!setup.rules_path.empty()) {
    auto loaded = load_contraindication_rules(
        setup.rules_path, {l.catalog->names(), BodyModel::known_zones(), BodyModel::track_zones()});
    if (loaded) {
      rules = loaded->rules;
    } else {
      err << "note: the contraindication rules in " << setup.rules_path
          << " cannot be loaded; the review counts only the programs' own contraindications:\n"
          << loaded.error().to_string();
    }
  }
  std::vector<ProgramFit> fits;
  for (const auto& file : files) {
    Diagnostics d;
    auto program = read_program_file(file);
    if (!program) {
      d = program.error();
      fits.push_back(assess_fit(file, nullptr, Unexpected{program.error()}));
    } else {
      auto checked = check_program(*program, l.context);
      d = checked ? checked->warnings : checked.error();
      // Whether the program's claims about chairs match what its steps use.
      if (checked) d.append(check_claims_against_steps(**program, *checked->plan));
      // What a careful therapist would object to, less what the file accepts with a reason.
      if (checked) {
        ReviewInputs inputs = plan_at_highest(*program, l.context, *checked->plan);
        inputs.rules = &rules;
        auto review = review_program(**program, *checked->plan, inputs);
        d.append(review.findings);
        accepted += review.accepted;
      }
      fits.push_back(assess_fit(file, *program, checked));
      const auto& id = (*program)->id();
      const SourceLocation id_at = (*program)->locator().nested("metadata").at("id");
      if (by_id[id].size() > 1) {
        std::string others;
        for (const auto& p : by_id[id]) {
          if (p->source.path != file) others += (others.empty() ? "" : ", ") + p->source.path;
        }
        const std::string clash =
            "id '" + id + "' is also used by " + others + "; chaird would refuse both";
        d.error(id_at, clash);
        // The summary says what chaird would do: refuse it, whatever else it says.
        ProgramFit& fit = fits.back();
        if (fit.fit != Fit::kRefused) {
          fit.fit = Fit::kRefused;
          fit.reason = clash;
          fit.changes.clear();
        }
        ++fit.problems;
      }
      if (!id.empty() && fs::path(file).stem().string() != id) {
        d.warning(id_at, "the file is named '" + fs::path(file).filename().string() +
                             "'; name it '" + id +
                             ".textproto' so that people find a program by its id");
      }
    }
    d.sort();
    for (const auto& item : d.items()) out << item.to_string() << '\n';
    errors += d.error_count();
    warnings += d.warning_count();
    if (d.has_errors()) ++bad_files;
  }
  // What runs on this chair instead of a refused program: the library's programs that run.
  std::vector<ProgramFit> library;
  if (std::any_of(fits.begin(), fits.end(),
                  [](const ProgramFit& f) { return f.fit == Fit::kRefused; })) {
    for (const auto& entry : *l.programs) {
      const auto& program = entry.second;
      std::error_code ec;
      const auto linted = std::find_if(files.begin(), files.end(), [&](const std::string& f) {
        return fs::equivalent(f, program->source.path, ec);
      });
      library.push_back(
          linted != files.end()
              ? fits[static_cast<std::size_t>(linted - files.begin())]
              : assess_fit(program->source.path, program, check_program(program, l.context)));
    }
  }
  print_fit_summary(*l.chair, fits, library, out);
  err << "lint: " << files.size() << " file(s), " << errors << " error(s), " << warnings
      << " warning(s)";
  if (accepted > 0) err << ", " << accepted << " accepted in the files with a reason";
  err << '\n';
  return bad_files > 0 ? 1 : 0;
}

int run_plan(const OfflineSetup& setup, const std::string& file, PlanFormat format,
             const PlanOptions& options, std::ostream& out, std::ostream& err) {
  Loaded l;
  if (!load(setup, {file}, l, err)) return 2;
  auto program = read_program_file(file);
  if (!program) {
    err << program.error().to_string();
    return 1;
  }
  auto checked = check_program(*program, l.context, options);
  if (!checked) {
    err << checked.error().to_string();
    return 1;
  }
  for (const auto& note : checked->warnings.items()) err << note.to_string() << '\n';
  for (const auto& a : checked->governed->adaptations()) err << "governor: " << a << '\n';
  const Timeline& tl = checked->governed->timeline();
  out << (format == PlanFormat::kJson ? format_timeline_json(tl, *l.chair)
                                      : format_timeline_table(tl, *l.chair));
  return 0;
}

std::optional<PlannedProgram> plan_program_file(const OfflineSetup& setup, const std::string& file,
                                                const PlanOptions& options, std::ostream& err) {
  Loaded l;
  if (!load(setup, {file}, l, err)) return std::nullopt;
  auto program = read_program_file(file);
  if (!program) {
    err << program.error().to_string();
    return std::nullopt;
  }
  auto checked = check_program(*program, l.context, options);
  if (!checked) {
    err << checked.error().to_string();
    return std::nullopt;
  }
  for (const auto& note : checked->warnings.items()) err << note.to_string() << '\n';
  return PlannedProgram{l.chair, std::shared_ptr<const SafetyGovernor>(std::move(l.governor)),
                        checked->governed};
}

}  // namespace chairctl
