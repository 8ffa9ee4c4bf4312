// "Start at login" for the employee's own session: the XDG autostart entry fixtray.desktop.
//
// The package may install a machine-wide entry (/etc/xdg/autostart/fixtray.desktop); the XDG
// Autostart spec lets a user's $XDG_CONFIG_HOME/autostart/fixtray.desktop override it by name:
// with Hidden=true it turns the machine's entry off for that user. So:
//   on:  the user's own entry is removed when the machine's starts fixtray, else written;
//   off: the user's entry says Hidden=true when the machine has one, else it is removed.
// Only the user's own config directory is ever written.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace fixtray {

struct AutostartPaths {
    std::string user_file;                  // $XDG_CONFIG_HOME/autostart/fixtray.desktop
    std::vector<std::string> system_files;  // each $XDG_CONFIG_DIRS entry/autostart/fixtray.desktop
};

// From the environment: XDG_CONFIG_HOME (or ~/.config), XDG_CONFIG_DIRS (or /etc/xdg).
AutostartPaths autostart_paths(const std::string& user_config_dir);

// Whether the session starts fixtray at login: the user's entry decides when there is one
// (Hidden=true or X-GNOME-Autostart-enabled=false: no), else the first machine entry.
bool starts_at_login(const AutostartPaths& paths);

// Turns it on or off as described above; `exec` is the program the user's own entry starts
// (the running fixtray). Afterwards starts_at_login() answers `on`.
Status set_start_at_login(const AutostartPaths& paths, bool on, const std::string& exec);

}  // namespace fixtray
