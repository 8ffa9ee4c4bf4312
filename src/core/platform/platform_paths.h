// Per-user and per-machine locations and identity, computed explicitly (XDG on Linux).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fixtray {

struct UserEnvironment {
    std::string home;       // $HOME (or the password database)
    std::string cache;      // XDG_CACHE_HOME or ~/.cache
    std::string config;     // XDG_CONFIG_HOME or ~/.config
    std::string state;      // XDG_STATE_HOME or ~/.local/state
    std::string data;       // XDG_DATA_HOME or ~/.local/share
    std::string trash;      // the desktop's trash: <data>/Trash (~/.Trash on macOS)
    std::string temp;       // TMPDIR or /tmp
    std::string user;       // login name
    std::string host;       // host name
    bool is_admin = false;  // effective uid 0 (Administrator token on Windows)
    // The user a fix runs for, when that is not this process's user (the admin helper serving
    // its caller): whose processes skip-if-running looks at. Empty: this process's.
    std::optional<unsigned> uid;
};

// Reads the environment of this process. Relative XDG values are ignored, as the spec says.
UserEnvironment current_user_environment();

// The environment of another user, from the password database only (no environment variables
// are read): what the admin helper uses for the user who asked it. is_admin is this process's.
UserEnvironment user_environment_for_uid(unsigned uid);

// fixtray's own state directory (audit log, run records): <state>/fixtray.
std::string fixtray_state_dir(const UserEnvironment& env);

// The machine-wide config file: /etc/fixtray/fixtray.json (ProgramData on Windows,
// /Library/Application Support on macOS).
std::string system_config_file();

// Directories holding the built-in fix packs, best first: next to an installed binary
// (<prefix>/share/fixtray/fixes) and, for a build tree, the source tree's fixes/.
// Only directories that exist are returned.
std::vector<std::string> builtin_pack_dirs();

// The directory holding fixtray's message catalogs (<dir>/de/LC_MESSAGES/fixtray.mo): next to
// an installed binary (<prefix>/share/locale), a build tree's share/locale, else the configured
// install location.
std::string locale_dir();

// Where the machine keeps the packs synced from the help desk's feed (root-owned; written by
// `fixctl feed sync` as root): /var/lib/fixtray/feed (ProgramData / Library on the others).
std::string machine_feed_dir();

// The default directory of trusted feed signing keys (*.pub): /etc/fixtray/keys.
std::string machine_keys_dir();

// The machine's own pack directory (/etc/fixtray/packs; Library on macOS). The admin helper
// loads it after the built-in packs and the synced feed; whether it is trustworthy is checked
// by the helper.
std::vector<std::string> machine_pack_dirs();

}  // namespace fixtray
