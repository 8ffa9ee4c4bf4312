// Hands a URI (mailto:, https:) to the desktop's handler for it: the employee's mail program for
// a mailto: link. Linux and other Unix: xdg-open; macOS: open; Windows: ShellExecuteW.
#pragma once

#include <string>

#include "base/status.h"
#include "platform/process_runner.h"

namespace fixtray {

// Fails, saying why, when there is no handler or it could not be started; the caller then tells
// the employee what to do by hand.
Status open_uri(const std::string& uri, ProcessRunner& runner);

}  // namespace fixtray
