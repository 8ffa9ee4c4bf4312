// What the privileged helper (fixtray-admin) does before anything else: it trusts nothing it
// inherits from whoever started it (pkexec keeps the caller's umask, resource limits and signal
// dispositions; `sudo` without secure_path keeps the caller's PATH).
#pragma once

#include <string>

#include "base/status.h"

namespace fixtray {

// The PATH every program run as root is looked up in (Debian's secure_path).
inline constexpr const char* kPrivilegedPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Replaces what the process inherited:
//   - the environment: cleared, then PATH = kPrivilegedPath and LANG = C.UTF-8 only;
//   - the umask: 022;
//   - resource limits: file size, CPU time, address space, data, processes, locks and
//     pending signals unlimited; open files 1024 (hard 4096); stack 8 MiB; core dumps off;
//   - signals: every disposition back to the default, none blocked.
// Fails (with why) only when a limit cannot be set: the helper then refuses to run anything.
Status reset_inherited_state();

// The user a request comes from, as the launcher says: pkexec's PKEXEC_UID or sudo's SUDO_UID
// (read before reset_inherited_state clears them). Strict: decimal digits only, an existing
// account, never root (0); both variables set at once is refused (a launcher sets one, a caller
// could add the other). Neither set: `own_uid` (the helper started directly).
Result<unsigned> launcher_caller_uid(const char* pkexec_uid, const char* sudo_uid,
                                     unsigned own_uid);

}  // namespace fixtray
