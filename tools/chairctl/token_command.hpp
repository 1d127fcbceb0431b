// chairctl token: a new bearer token, and the line that lets it in (offline; chaird reads the
// tokens file at start).
#pragma once

#include <iosfwd>
#include <string>

namespace chairctl {

// Prints the token (first line: give it to the client, it is shown only this once) and the
// tokens file's line for it (second line: it holds only the token's hash). Exit code.
int new_token_line(const std::string& name, const std::string& role, std::ostream& out,
                   std::ostream& err);

}  // namespace chairctl
