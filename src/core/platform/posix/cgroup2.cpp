#include "platform/posix/cgroup2.h"

#include <fstream>
#include <sstream>

namespace fixtray::posix {

Cgroup2Location own_cgroup2() {
    std::string path;  // "0::/path" in /proc/self/cgroup
    {
        std::ifstream in("/proc/self/cgroup");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("0::", 0) == 0) path = line.substr(3);
    }
    if (path.empty() || path.front() != '/' || path.find("..") != std::string::npos) return {};
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);) {
        // "... MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
        const auto dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream fields(line.substr(0, dash));
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (root != "/" || mount_point.empty()) continue;
        return {mount_point, mount_point + (path == "/" ? "" : path)};
    }
    return {};
}

}  // namespace fixtray::posix
