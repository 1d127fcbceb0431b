#include "token_command.hpp"

#include <exception>
#include <ostream>

#include "access/token_file.hpp"
#include "access/token_hash.hpp"
#include "control_client.hpp"

namespace chairctl {

int new_token_line(const std::string& name, const std::string& role, std::ostream& out,
                   std::ostream& err) {
  std::string token;
  try {
    token = chaird::access::new_token();
  } catch (const std::exception& e) {
    err << "chairctl: no token made: " << e.what() << '\n';
    return kExitRefused;
  }
  const std::string line = name + " " + role + " sha256:" + chaird::access::sha256_hex(token);
  // The line is checked as chaird will check it, so that a name chaird refuses is caught here.
  if (auto parsed = chaird::access::parse_token_file(line, "the new line"); !parsed) {
    err << "chairctl: " << parsed.error() << '\n';
    return kExitRefused;
  }
  out << token << '\n' << line << '\n';
  err << "The first line is the token: give it to the client now, it is not kept anywhere.\n"
         "Add the second line to chaird's tokens file and restart chaird.\n";
  return kExitOk;
}

}  // namespace chairctl
