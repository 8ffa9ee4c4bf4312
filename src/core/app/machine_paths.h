// Where the machine keeps fixtray's configuration and state, as one value that is passed in.
// Everything that reads the machine's configuration takes a MachinePaths, so a test (or fixctl
// under test) points it at a directory of its own and never reads the machine's /etc/fixtray.
#pragma once

#include <string>
#include <vector>

namespace fixtray {

struct MachinePaths {
    std::string config_dir;      // /etc/fixtray
    std::string config_file;     // /etc/fixtray/fixtray.json: site values, "feed", "policy"
    std::string packs_dir;       // /etc/fixtray/packs: the administrator's own packs
    std::string keys_dir;        // /etc/fixtray/keys: trusted feed keys (feed.keys overrides)
    std::string feed_state_dir;  // /var/lib/fixtray/feed (feed.state_dir overrides)
    std::vector<std::string> builtin_pack_dirs;  // <prefix>/share/fixtray/fixes (or the source's)
};

// The machine's own locations (platform_paths.h; ProgramData / Library on the others).
MachinePaths real_machine_paths();

// The machine's locations moved under `root` (an absolute directory): root/etc/fixtray/...,
// root/var/lib/fixtray/feed. The built-in packs stay those of the running binary.
MachinePaths machine_paths_under(const std::string& root);

// The variable fixctl reads its machine root from, for tests that run the real fixctl binary.
inline constexpr const char* kMachineRootVariable = "FIXTRAY_MACHINE_ROOT";

// fixctl's machine paths: machine_paths_under($FIXTRAY_MACHINE_ROOT) when it is set to an
// absolute path, else real_machine_paths().
//
// Trust decision: only fixctl calls this. It is honoured even as root, because whoever sets a
// process's environment already controls that process (and sudo's env_reset and pkexec drop
// the variable), but never in a set-user-id or otherwise elevated start (secure_getenv), and
// never by the admin helper: fixtray-admin uses real_machine_paths() and trusts nothing its
// caller sends, environment included (tests/app/test_machine_catalog.cpp checks that).
MachinePaths fixctl_machine_paths();

}  // namespace fixtray
