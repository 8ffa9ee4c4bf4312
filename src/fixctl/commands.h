// fixctl's commands: each takes parsed options, prints, and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace fixtray::cli {

// Exit codes (a contract: scripts and the tray rely on them).
enum Exit : int {
    kOk = 0,          // fixed, nothing to fix, command succeeded
    kNotFixed = 1,    // not fixed; validate: some file is invalid
    kUsage = 2,       // bad usage or invalid input
    kRefused = 3,     // refused: declined, needs admin rights, does not apply
    kCancelled = 130  // cancelled (Ctrl-C)
};

struct GlobalOptions {
    std::vector<std::string> pack_dirs;  // --packs, in order
    std::string config_file;             // --config
    bool no_builtin = false;             // --no-builtin
    std::string lang;                    // from LC_ALL / LC_MESSAGES / LANG
};

int cmd_list(const GlobalOptions& g, bool json, bool all_platforms);
int cmd_show(const GlobalOptions& g, const std::string& id, bool json);
int cmd_validate(const std::vector<std::string>& paths, bool quiet);
int cmd_run(const GlobalOptions& g, const std::string& id, bool yes, bool dry_run, bool json,
            bool verbose);

}  // namespace fixtray::cli
