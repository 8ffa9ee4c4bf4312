// Whether a file may be trusted as the administrator's: the feed's keys and configuration, the
// machine's packs, the site config the admin helper reads; and the primitives the feed store's
// own checks are built on. posix/trusted_path.cpp (Windows has no implementation yet).
#pragma once

#include <string>

#include "base/status.h"

namespace fixtray {

// Ok when path and every directory above it are owned by root and not writable by group or
// others (a root-owned sticky directory such as /tmp is accepted), else fails with the reason
// ("/etc/fixtray/keys is writable by users other than root").
Status check_root_owned(const std::string& path);

// One entry seen without following a link (lstat), for the checks of a store the machine keeps.
struct EntryInfo {
    enum class Type { missing, directory, file, symlink, other };
    Type type = Type::missing;
    bool root_owned = false;        // owned by root (uid 0)
    bool others_may_write = false;  // writable by its group or by others
    unsigned mode = 0;              // the permission bits (07777)
};

// The entry at `path`; Type::missing when nothing is there. Fails with the system's words
// ("Permission denied") when it cannot be looked at.
Result<EntryInfo> inspect_entry(const std::string& path);

// Creates the directory `dir` with permission bits `mode` (less the umask): true when created,
// false when something is at `dir` already (of whatever type). Fails with the system's words.
Result<bool> make_directory(const std::string& dir, unsigned mode);

// Sets the permission bits of `path` to `mode`. Fails with the system's words.
Status set_mode(const std::string& path, unsigned mode);

}  // namespace fixtray
