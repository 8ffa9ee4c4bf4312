// fixtray-admin, the privileged helper: one request in (names and positions only), one step
// record out as JSON. See admin_step.h for the trust model.
#pragma once

#include <string>
#include <vector>

#include "app/machine_paths.h"

namespace fixtray {

// Exit codes of fixtray-admin.
enum AdminHelperExit : int {
    kAdminStepRan = 0,  // *out holds the step record (whatever the step's own result)
    kAdminUsage = 2,    // malformed request
    kAdminRefused = 3,  // the request does not hold against the trusted pack and config
};

// Serves one request. args: the helper's arguments after the program name. `invoking_uid` is
// the user the step runs for (${home} etc.), from pkexec's PKEXEC_UID or sudo's SUDO_UID.
// `paths`: the machine's (real_machine_paths() in fixtray-admin, which never takes them from
// its caller or the environment). Writes the step record (JSON) to *out and a one-line reason
// to *err.
int serve_admin_request(const std::vector<std::string>& args, unsigned invoking_uid,
                        const MachinePaths& paths, std::string* out, std::string* err);

}  // namespace fixtray
