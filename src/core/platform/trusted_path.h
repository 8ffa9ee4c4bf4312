// Whether a file may be trusted as the administrator's: the feed's keys and configuration, the
// machine's packs, the site config the admin helper reads. posix/trusted_path.cpp.
#pragma once

#include <string>

#include "base/status.h"

namespace fixtray {

// Ok when path and every directory above it are owned by root and not writable by group or
// others (a root-owned sticky directory such as /tmp is accepted), else fails with the reason
// ("/etc/fixtray/keys is writable by users other than root").
Status check_root_owned(const std::string& path);

}  // namespace fixtray
