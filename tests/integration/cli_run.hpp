// chairctl run as a user runs it, for the tests that drive chaird from the command line.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_support.hpp"

namespace chaird::test {

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout, and stderr too unless it was left out
};

// Runs chairctl with args (a shell word list); with_stderr: stderr joins the output, else it is
// dropped (when stdout is parsed, say).
inline CliRun run_chairctl(const std::string& args, bool with_stderr = true) {
  const std::string command =
      chairctl_binary() + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    run.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace chaird::test
