#include "plugin_host/technique_catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/listed_directories.hpp"
#include "plugin_host/file_permissions.hpp"

namespace chaird {

namespace fs = std::filesystem;

TechniqueCatalog TechniqueCatalog::load(const std::vector<std::string>& dirs,
                                        Diagnostics& refusals) {
  std::vector<LoadedTechnique> loaded;
  std::vector<Refused> refused;
  ListedDirectories listed;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      refusals.error({dir, 0, 0}, "plugin directory does not exist");
      continue;
    }
    if (auto skipped = listed.already_listed(dir)) {
      refusals.warning({dir, 0, 0}, *skipped);
      continue;
    }
    if (auto reason = loose_permissions(dir)) {
      refusals.error({dir, 0, 0}, "plugin directory refused: " + *reason);
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto technique = load_technique(file);
      if (technique) {
        loaded.push_back(std::move(*technique));
      } else {
        refusals.error({file.string(), 0, 0}, "plugin refused: " + technique.error());
        // The loader's text begins with the path, which refused_for's users name already.
        std::string why = technique.error();
        if (const std::string prefix = file.string() + ": "; why.rfind(prefix, 0) == 0)
          why.erase(0, prefix.size());
        refused.push_back({{{file.string(), 0, 0}, std::move(why)}, ""});
      }
    }
  }
  TechniqueCatalog catalog = from(std::move(loaded), refusals);
  for (auto& r : refused) catalog.refused_.push_back(std::move(r));
  return catalog;
}

TechniqueCatalog TechniqueCatalog::from(std::vector<LoadedTechnique> techniques,
                                        Diagnostics& refusals) {
  std::map<std::string, std::vector<LoadedTechnique>> by_name;
  for (auto& t : techniques) by_name[t.name].push_back(std::move(t));
  TechniqueCatalog catalog;
  for (auto& [name, group] : by_name) {
    if (group.size() == 1) {
      catalog.techniques_.push_back(std::move(group.front()));
      continue;
    }
    // Which one would win is an accident of directory order: refuse them all.
    // A few of the files, not all: n refusals naming all n would make n² of text.
    std::vector<std::string> paths;
    for (const auto& t : group) paths.push_back(t.path);
    const std::string why =
        how_many(group.size()) + " plugins are named '" + name + "': " + name_a_few(paths);
    for (const auto& t : group) {
      refusals.error({t.path, 0, 0}, "plugin refused: " + why);
      catalog.refused_.push_back({{{t.path, 0, 0}, why}, name});
    }
  }
  return catalog;
}

const LoadedTechnique* TechniqueCatalog::find(std::string_view name) const {
  const auto it =
      std::lower_bound(techniques_.begin(), techniques_.end(), name,
                       [](const LoadedTechnique& t, std::string_view n) { return t.name < n; });
  return it != techniques_.end() && it->name == name ? &*it : nullptr;
}

const Diagnostic* TechniqueCatalog::refused_for(std::string_view name) const {
  for (const auto& r : refused_) {
    const std::string stem = fs::path(r.why.where.file).stem().string();
    // libpalm_press.so is palm_press too (and liberty.so is still liberty).
    const bool lib = stem.rfind("lib", 0) == 0 && std::string_view(stem).substr(3) == name;
    if (r.name == name || stem == name || lib) return &r.why;
  }
  return nullptr;
}

std::vector<std::string> TechniqueCatalog::names() const {
  std::vector<std::string> out;
  for (const auto& t : techniques_) out.push_back(t.name);
  return out;
}

}  // namespace chaird
