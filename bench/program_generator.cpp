#include "program_generator.hpp"

#include <fmt/format.h>

namespace chaird::bench {

std::string thirty_minute_program() {
  const char* techniques[] = {"shiatsu", "kneading",      "tapping",
                              "rolling", "trigger_point", "acupressure"};
  const char* zones[] = {"shoulders", "scapula", "thoracic", "lumbar", "upper_back", "back"};
  std::string rollers;
  for (int i = 0; i < 150; ++i) {
    rollers += fmt::format(
        "    items {{ step {{ name: \"r{}\" technique: \"{}\" zone: \"{}\" duration_ms: 12000 "
        "intensity: {:.2f} }} }}\n",
        i, techniques[i % 6], zones[(i / 6) % 6], 0.2 + 0.04 * (i % 6));
  }
  std::string air;
  for (int i = 0; i < 40; ++i) {
    air += fmt::format(
        "    items {{ step {{ name: \"a{}\" technique: \"compression\" zone: \"{}\" duration_ms: "
        "45000 "
        "intensity: 0.5 }} }}\n",
        i, i % 2 == 0 ? "legs" : "arms");
  }
  std::string heat;
  for (int i = 0; i < 10; ++i) {
    heat += fmt::format(
        "    items {{ step {{ name: \"h{}\" technique: \"heat\" zone: \"calves\" duration_ms: "
        "180000 "
        "intensity: 0.5 }} }}\n",
        i);
  }
  return fmt::format(
      "metadata {{ id: \"bench_30min\" name: \"Benchmark\" total_duration_ms: 1800000 "
      "intensity_class: MODERATE }}\n"
      "phases {{\n  kind: MAIN\n"
      "  tracks {{\n    kind: BACK_ROLLERS\n{}  }}\n"
      "  tracks {{\n    kind: AIR\n{}  }}\n"
      "  tracks {{\n    kind: HEAT\n{}  }}\n"
      "}}\n",
      rollers, air, heat);
}

}  // namespace chaird::bench
