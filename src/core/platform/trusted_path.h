// Whether a file may be trusted as the administrator's: the feed's keys and configuration, the
// machine's packs, the site config the admin helper reads. posix/trusted_path.cpp.
#pragma once

#include <string>

namespace fixtray {

// "" when path and every directory above it are owned by root and not writable by group or
// others (a root-owned sticky directory such as /tmp is accepted), else the reason.
std::string check_root_owned(const std::string& path);

}  // namespace fixtray
