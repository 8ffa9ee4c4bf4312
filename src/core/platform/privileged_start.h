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

// Whether this process has the machine's full rights, as the admin helper requires: effective
// uid 0 (POSIX); an elevated token (Windows: TokenElevation).
bool running_with_full_rights();

// Replaces what the process inherited:
//   - the environment: cleared, then PATH = kPrivilegedPath and LANG = C.UTF-8 only;
//   - the umask: 022;
//   - resource limits: file size, CPU time, address space, data, processes, locks and
//     pending signals unlimited; open files 1024 (hard 4096); stack 8 MiB; core dumps off;
//   - signals: every disposition back to the default, none blocked.
// Fails (with why) only when a limit cannot be set: the helper then refuses to run anything.
Status reset_inherited_state();

// Once the helper has the request, the caller cannot stop it half-way: a step run as root that
// is cut off in the middle (a file half written, a service stopped and not started again) is
// worse than one that finishes, and every step ends by itself at the latest at its own timeout,
// which the pack sets. So the helper
//   - ignores the signals a caller can have sent to it: by its terminal (Ctrl-C, Ctrl-\, Ctrl-Z,
//     hang-up, background reads and writes), relayed by sudo (TERM, HUP, INT, QUIT, USR1, USR2,
//     ALRM), and SIGPIPE (a caller gone while the record is written); the steps it runs get
//     these back at their defaults;
//   - leaves every cgroup (v2) the caller controls: a cgroup owned by the caller (systemd
//     delegates user@UID.service and what is below it) could be killed (cgroup.kill) or frozen
//     (cgroup.freeze) by the caller with everything in it. The helper moves itself to the
//     nearest ancestor above all of them that takes it (the root cgroup at last).
// Cancelling a run while an admin step runs therefore stops the run after that step. Fails
// (with why) when the helper cannot leave such a cgroup: it then refuses to run anything.
Status shield_from_caller(unsigned caller_uid);

// The user a request comes from, as the launcher says: pkexec's PKEXEC_UID or sudo's SUDO_UID
// (read before reset_inherited_state clears them). Strict: decimal digits only, an existing
// account, never root (0); both variables set at once is refused (a launcher sets one, a caller
// could add the other). Neither set: `own_uid` (the helper started directly).
Result<unsigned> launcher_caller_uid(const char* pkexec_uid, const char* sudo_uid,
                                     unsigned own_uid);

}  // namespace fixtray
