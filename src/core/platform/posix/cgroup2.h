// The cgroup (v2) hierarchy as this process sees it (POSIX platform code only).
#pragma once

#include <string>

namespace fixtray::posix {

// Where the cgroup2 hierarchy is mounted ("/sys/fs/cgroup", or "/sys/fs/cgroup/unified" on a
// hybrid machine), and this process's own cgroup directory under it; both "" when there is no
// cgroup2 hierarchy (or it is not mounted whole).
struct Cgroup2Location {
    std::string mount_point;
    std::string own_dir;
};
Cgroup2Location own_cgroup2();

}  // namespace fixtray::posix
