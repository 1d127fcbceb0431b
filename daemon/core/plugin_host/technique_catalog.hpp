// The techniques chaird can plan with: every plugin library found in the configured
// directories, minus the ones refused (with their reasons). Immutable once loaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.hpp"
#include "plugin_host/plugin_library.hpp"

namespace chaird {

class TechniqueCatalog {
 public:
  // Loads every *.so in dirs, in name order. Every refusal (a loose directory, a broken
  // library, a wrong ABI, two plugins with one name) is one diagnostic naming the path.
  static TechniqueCatalog load(const std::vector<std::string>& dirs, Diagnostics& refusals);
  // For tests and tools that already hold loaded techniques.
  static TechniqueCatalog from(std::vector<LoadedTechnique> techniques, Diagnostics& refusals);

  const LoadedTechnique* find(std::string_view name) const;
  // A plugin refused at load that would have been this technique (its file is named for it,
  // or it called itself by that name), so that a program needing it is told why it is missing.
  const Diagnostic* refused_for(std::string_view name) const;
  const std::vector<LoadedTechnique>& all() const { return techniques_; }
  std::vector<std::string> names() const;

 private:
  std::vector<LoadedTechnique> techniques_;  // by name
  struct Refused {
    Diagnostic why;    // where: the library; message: the reason
    std::string name;  // the name it gave, when it was refused for sharing it; else ""
  };
  std::vector<Refused> refused_;
};

}  // namespace chaird
