// A fixture for scripts/check_layers.py: safety stands below session, so this include is refused.
#pragma once
#include "session/status_hub.hpp"
