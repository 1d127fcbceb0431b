#include "library/program_library.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/listed_directories.hpp"
#include "common/utf8_text.hpp"

namespace chaird {

namespace fs = std::filesystem;

namespace {

// Where a program includes others: its first include_program, else the program itself.
SourceLocation include_site(const ProgramSource& program) {
  const Locator root = program.locator();
  for (int i = 0; i < program.program.phases_size(); ++i) {
    if (!program.program.phases(i).include_program().empty()) {
      return root.nested("phases", i).at("include_program");
    }
  }
  return root.self();
}

bool same(const Diagnostic& a, const Diagnostic& b) {
  return a.severity == b.severity && a.message == b.message && a.where.file == b.where.file &&
         a.where.line == b.where.line && a.where.column == b.where.column;
}

// Adds the reasons a program was refused. When every problem lies in the programs it includes,
// it also says so in its own file, or the chair maker would never learn that this file was
// refused; a problem already reported (by the included program's own refusal) is not repeated.
void refuse(const ProgramSource& program, const Diagnostics& problems, Diagnostics& refusals) {
  bool own = false;
  std::string elsewhere;
  for (const auto& d : problems.items()) {
    if (d.severity != Severity::kError) continue;
    if (d.where.file.empty() || d.where.file == program.source.path) {
      own = true;
    } else if (elsewhere.find(d.where.file) == std::string::npos) {
      elsewhere += (elsewhere.empty() ? "" : ", ") + d.where.file;
    }
  }
  if (!own && !elsewhere.empty()) {
    refusals.error(include_site(program), "program '" + program.id() +
                                              "' refused: a program it includes has problems (" +
                                              elsewhere + ")");
  }
  for (const auto& d : problems.items()) {
    const auto& known = refusals.items();
    if (std::none_of(known.begin(), known.end(), [&](const Diagnostic& r) { return same(r, d); })) {
      refusals.add(d);
    }
  }
}

}  // namespace

std::string custom_program_path(std::string_view id) {
  return "custom/" + std::string(id) + ".textproto";
}

std::shared_ptr<const ProgramLibrary> ProgramLibrary::load(
    const std::vector<std::string>& dirs, const ProgramCheckContext& context, Diagnostics& refusals,
    const std::vector<CustomProgramText>& custom) {
  // 1. Parse every file; refuse unreadable ones and duplicate ids.
  std::vector<std::string> files;
  ListedDirectories listed;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      refusals.error({dir, 0, 0}, "program directory does not exist");
      continue;
    }
    if (auto skipped = listed.already_listed(dir)) {
      refusals.warning({dir, 0, 0}, *skipped);
      continue;
    }
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".textproto") files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::vector<ProgramRef>> by_id;
  for (const auto& file : files) {
    auto program = read_program_file(file);
    if (!program) {
      refusals.append(program.error());
      continue;
    }
    by_id[(*program)->id()].push_back(*program);
  }
  std::map<std::string, const CustomProgramText*> custom_by_id;
  for (const auto& c : custom) {
    auto program = parse_program_text(c.text, custom_program_path(c.id));
    if (!program) {
      refusals.append(program.error());
      continue;
    }
    const std::string& id = (*program)->id();
    // chaird stores each program under its own id; a row that says otherwise was changed by
    // another program, and offering it would make a delete of the id it shows remove nothing.
    if (id != c.id) {
      refusals.error((*program)->locator().nested("metadata").at("id"),
                     fmt::format("custom program stored as {} says its id is {}: it is not "
                                 "offered (another program changed chaird's database); "
                                 "DeleteProgram {} removes it",
                                 excerpt(c.id), excerpt(id), excerpt(c.id)));
      continue;
    }
    if (by_id.count(id) > 0) {
      refusals.error((*program)->locator().nested("metadata").at("id"),
                     "custom program '" + id + "' is not offered: a shipped program (" +
                         by_id[id].front()->source.path +
                         ") now has its id; it stays in chaird's database");
      continue;
    }
    by_id[id].push_back(*program);
    custom_by_id[id] = &c;
  }
  std::map<std::string, ProgramRef> candidates;
  for (auto& [id, group] : by_id) {
    if (group.size() == 1) {
      candidates.emplace(id, group.front());
      continue;
    }
    // Each refusal names a few of the files, not all: n files naming all n made n² of text.
    std::vector<std::string> files_of_id;
    for (const auto& p : group) files_of_id.push_back(p->source.path);
    const std::string why = fmt::format("program refused: {} programs have the id '{}': {}",
                                        how_many(group.size()), id, name_a_few(files_of_id));
    for (const auto& p : group) refusals.error(p->locator().nested("metadata").at("id"), why);
  }

  // 2. Check each program against the others; a program whose include was refused is refused
  // in turn, until nothing changes.
  std::map<std::string, CheckedProgram> accepted;
  for (bool changed = true; changed;) {
    changed = false;
    ProgramCheckContext ctx = context;
    auto snapshot = std::make_shared<const std::map<std::string, ProgramRef>>(candidates);
    ctx.resolver = [snapshot](std::string_view id) -> ProgramRef {
      const auto it = snapshot->find(std::string(id));
      return it == snapshot->end() ? nullptr : it->second;
    };
    accepted.clear();
    for (auto it = candidates.begin(); it != candidates.end();) {
      auto checked = check_program(it->second, ctx);
      if (checked) {
        accepted.emplace(it->first, std::move(*checked));
        ++it;
      } else {
        refuse(*it->second, checked.error(), refusals);
        it = candidates.erase(it);
        changed = true;
      }
    }
  }

  auto library = std::make_shared<ProgramLibrary>();
  for (const auto& [id, checked] : accepted) {
    // What techniques adapted for this chair (warnings): worth a line in the log.
    refusals.append(checked.warnings);
    LibraryEntry entry;
    entry.program = candidates.at(id);
    entry.planned_duration_ms = checked.governed->timeline().duration_ms;
    entry.step_count = static_cast<std::uint32_t>(checked.plan->timeline.steps.size());
    if (const auto c = custom_by_id.find(id); c != custom_by_id.end()) {
      entry.custom = true;
      entry.saved_at_unix_ms = c->second->saved_at_unix_ms;
    }
    library->entries_.push_back(std::move(entry));
  }
  return library;
}

const LibraryEntry* ProgramLibrary::find(std::string_view id) const {
  const auto it = std::lower_bound(
      entries_.begin(), entries_.end(), id,
      [](const LibraryEntry& e, std::string_view i) { return e.program->id() < i; });
  return it != entries_.end() && it->program->id() == id ? &*it : nullptr;
}

std::shared_ptr<const ProgramLibrary> ProgramLibrary::with(LibraryEntry entry) const {
  auto next = std::make_shared<ProgramLibrary>(*this);
  auto& entries = next->entries_;
  const auto it = std::lower_bound(
      entries.begin(), entries.end(), entry.program->id(),
      [](const LibraryEntry& e, const std::string& i) { return e.program->id() < i; });
  if (it != entries.end() && it->program->id() == entry.program->id()) {
    *it = std::move(entry);
  } else {
    entries.insert(it, std::move(entry));
  }
  return next;
}

std::shared_ptr<const ProgramLibrary> ProgramLibrary::without(std::string_view id) const {
  auto next = std::make_shared<ProgramLibrary>(*this);
  auto& entries = next->entries_;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const LibraryEntry& e) { return e.program->id() == id; }),
                entries.end());
  return next;
}

std::vector<const LibraryEntry*> ProgramLibrary::including(std::string_view id) const {
  std::vector<const LibraryEntry*> out;
  for (const auto& e : entries_) {
    const auto& phases = e.program->program.phases();
    if (std::any_of(phases.begin(), phases.end(),
                    [&](const auto& phase) { return phase.include_program() == id; })) {
      out.push_back(&e);
    }
  }
  return out;
}

ProgramResolver ProgramLibrary::resolver(std::shared_ptr<const ProgramLibrary> library) {
  return [library = std::move(library)](std::string_view id) -> ProgramRef {
    const LibraryEntry* e = library->find(id);
    return e == nullptr ? nullptr : e->program;
  };
}

}  // namespace chaird
