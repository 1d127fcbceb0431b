#include "common/log_session_label.hpp"

namespace chaird {

void LogSessionLabel::set(std::string_view session_id) {
  const auto now = label_.load();
  if (session_id.empty()) {
    if (now) label_.store(nullptr);
    return;
  }
  if (!now || *now != session_id) label_.store(std::make_shared<const std::string>(session_id));
}

}  // namespace chaird
