#include "plugin_host/plugin_library.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cmath>
#include <regex>
#include <set>

#include "plugin_host/file_permissions.hpp"

namespace chaird {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string safe_string(const char* s) {
  return s == nullptr ? std::string() : std::string(s);
}

}  // namespace

Expected<PluginDiscovery, std::string> discover_plugin(const std::filesystem::path& path) {
  PluginDiscovery out;
  out.path = path.string();
  try {
    boost::dll::library_info info(path);
    out.aliases = info.symbols("boostdll");
    out.has_record = contains(info.symbols(), sdk::kRecordSymbol);
  } catch (const std::exception& e) {
    return Unexpected{
        fmt::format("{}: not a loadable shared library ({})", path.string(), e.what())};
  }
  return out;
}

std::string check_description(const sdk::TechniqueDescription& d) {
  static const std::regex kName(R"([a-z][a-z0-9_]*)");
  static const std::regex kActuator(R"([a-z][a-z0-9_]*(\.([a-z][a-z0-9_]*|\*))*)");
  if (!std::regex_match(d.name, kName))
    return fmt::format("technique name '{}' is not a lowercase identifier", d.name);
  std::set<std::string> names;
  for (const auto& p : d.params) {
    if (!std::regex_match(p.name, kName))
      return fmt::format("parameter name '{}' is not a lowercase identifier", p.name);
    if (!names.insert(p.name).second)
      return fmt::format("parameter '{}' is described twice", p.name);
    switch (p.type) {
      case sdk::ParamType::kNumber:
      case sdk::ParamType::kInteger:
        if (!(std::isfinite(p.min) && std::isfinite(p.max) && p.min <= p.default_number &&
              p.default_number <= p.max)) {
          return fmt::format("parameter '{}' needs min <= default <= max", p.name);
        }
        break;
      case sdk::ParamType::kBoolean:
        break;
      case sdk::ParamType::kChoice:
        if (p.choices.empty() || !contains(p.choices, p.default_choice)) {
          return fmt::format("parameter '{}' needs choices that include its default", p.name);
        }
        break;
      default:
        return fmt::format("parameter '{}' has an unknown type", p.name);
    }
  }
  const bool no_rhythm =
      d.tempo.min_cpm == 0.0 && d.tempo.default_cpm == 0.0 && d.tempo.max_cpm == 0.0;
  if (!no_rhythm && !(d.tempo.min_cpm > 0.0 && d.tempo.min_cpm <= d.tempo.default_cpm &&
                      d.tempo.default_cpm <= d.tempo.max_cpm && std::isfinite(d.tempo.max_cpm))) {
    return "tempo needs 0 < min_cpm <= default_cpm <= max_cpm (or all three 0: no rhythm)";
  }
  if (d.actuators.empty()) return "the technique declares no actuators";
  for (const auto& a : d.actuators) {
    if (!std::regex_match(a.id, kActuator))
      return fmt::format("actuator '{}' is not an id or a family like airbag.*", a.id);
  }
  return {};
}

Expected<LoadedTechnique, std::string> load_technique(const std::filesystem::path& path) {
  const std::string where = path.string();
  if (auto reason = loose_permissions(path)) return Unexpected{*reason};

  auto discovery = discover_plugin(path);
  if (!discovery) return Unexpected{discovery.error()};
  if (!discovery->has_record) {
    return Unexpected{
        fmt::format("{}: exports no '{}' record; not a chaird plugin (build it with "
                    "CHAIRD_TECHNIQUE_PLUGIN)",
                    where, sdk::kRecordSymbol)};
  }
  if (!contains(discovery->aliases, sdk::kFactoryAlias)) {
    return Unexpected{fmt::format("{}: exports no '{}' factory alias", where, sdk::kFactoryAlias)};
  }

  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    // The throwing overload: its message carries dlerror()'s text ("undefined symbol: ...").
    library->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return Unexpected{fmt::format("{}: the loader refused it: {}", where, e.what())};
  }

  LoadedTechnique out;
  out.path = where;
  try {
    const auto& record = library->get<const chaird_plugin_record>(sdk::kRecordSymbol);
    out.abi_version = record.abi_version;
    if (record.abi_version != sdk::kAbiVersion) {
      return Unexpected{
          fmt::format("{}: built for plugin ABI {}, but this chaird speaks ABI {}; "
                      "rebuild it against this chaird's SDK",
                      where, record.abi_version, sdk::kAbiVersion)};
    }
    if (record.cxx11_abi != sdk::kCxx11Abi) {
      return Unexpected{
          fmt::format("{}: built with a different C++ standard library ABI "
                      "(_GLIBCXX_USE_CXX11_ABI={}, chaird has {})",
                      where, record.cxx11_abi, sdk::kCxx11Abi)};
    }
    if (record.layout != sdk::kLayoutSignature) {
      return Unexpected{
          fmt::format("{}: built against a different plugin_sdk.hpp (layout {:08x}, "
                      "chaird has {:08x}); rebuild it against this chaird's SDK",
                      where, record.layout, sdk::kLayoutSignature)};
    }
    out.name = safe_string(record.name);
    out.version = safe_string(record.version);
  } catch (const std::exception& e) {
    return Unexpected{fmt::format("{}: cannot read its record: {}", where, e.what())};
  }

  std::unique_ptr<sdk::Technique> made;
  try {
    auto& factory = library->get_alias<sdk::TechniqueFactory>(sdk::kFactoryAlias);
    made = factory();
  } catch (const std::exception& e) {
    return Unexpected{fmt::format("{}: its factory failed: {}", where, e.what())};
  } catch (...) {
    return Unexpected{fmt::format("{}: its factory threw a non-standard exception", where)};
  }
  if (!made) return Unexpected{fmt::format("{}: its factory returned nothing", where)};

  // The deleter owns a reference to the library: the object's code and vtable stay mapped
  // until the last user lets go of it.
  out.technique = std::shared_ptr<const sdk::Technique>(
      made.release(), [library](const sdk::Technique* t) { delete t; });

  try {
    out.description = out.technique->describe();
  } catch (const std::exception& e) {
    return Unexpected{fmt::format("{}: describe() failed: {}", where, e.what())};
  } catch (...) {
    return Unexpected{fmt::format("{}: describe() threw a non-standard exception", where)};
  }
  if (out.description.name != out.name) {
    return Unexpected{fmt::format("{}: its record says '{}' but the technique calls itself '{}'",
                                  where, out.name, out.description.name)};
  }
  if (auto problem = check_description(out.description); !problem.empty()) {
    return Unexpected{fmt::format("{}: technique '{}': {}", where, out.name, problem)};
  }
  return out;
}

}  // namespace chaird
