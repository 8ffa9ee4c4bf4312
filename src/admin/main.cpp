// fixtray-admin: runs one admin step of a trusted fix pack for an unprivileged fixtray.
// Started through pkexec; see src/core/admin_step.h for what it trusts (nothing from the caller).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <unistd.h>

#include "app/admin_helper.h"
#include "app/machine_paths.h"
#include "platform/privileged_start.h"

int main(int argc, char** argv) try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::puts(
            "usage: fixtray-admin run-step --pack ID --version N --fix ID --phase PHASE "
            "--index N --item VALUE\n\n"
            "The privileged helper of fixtray, started through pkexec by fixctl and the tray "
            "app.\nIt runs one step marked admin=\"true\" of a fix pack installed by an "
            "administrator,\nafter checking the request against that pack and the machine "
            "config. Prints the step record as JSON.\nExit codes: 0 the step ran, 2 malformed "
            "request, 3 refused.");
        return args.empty() ? 2 : 0;
    }
    // The user the step runs for: pkexec and sudo tell us (strictly parsed); otherwise
    // ourselves. Read before the environment goes.
    const fixtray::Result<unsigned> caller =
        fixtray::launcher_caller_uid(std::getenv("PKEXEC_UID"), std::getenv("SUDO_UID"), getuid());
    // Nothing inherited decides anything from here on: environment, umask, limits, signals.
    if (fixtray::Status reset = fixtray::reset_inherited_state(); !reset) {
        std::fprintf(stderr, "fixtray-admin: %s\n", reset.message().c_str());
        return fixtray::kAdminRefused;
    }
    if (!caller) {
        std::fprintf(stderr, "fixtray-admin: %s\n", caller.message().c_str());
        return fixtray::kAdminRefused;
    }
    const unsigned uid = *caller;
    // From here on the caller cannot stop the step half-way (signals, its cgroup).
    if (fixtray::Status shield = fixtray::shield_from_caller(uid); !shield) {
        std::fprintf(stderr, "fixtray-admin: %s\n", shield.message().c_str());
        return fixtray::kAdminRefused;
    }
    std::string out, err;
    // The machine's real paths, always: the helper runs as root for a user and trusts nothing
    // of the user's, so FIXTRAY_MACHINE_ROOT (fixctl's, for tests) is not read here.
    const int code =
        fixtray::serve_admin_request(args, uid, fixtray::real_machine_paths(), &out, &err);
    if (!out.empty()) std::fwrite(out.data(), 1, out.size(), stdout);
    if (!err.empty()) std::fprintf(stderr, "%s\n", err.c_str());
    return code;
} catch (const std::exception& e) {
    std::fprintf(stderr, "fixtray-admin: internal error: %s\n", e.what());
    return 70;
}
