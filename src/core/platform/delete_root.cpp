// The POSIX rules for a delete_files root, shared by both platforms' validate_root (Windows
// checks the path below its drive letter with them).
#include <string>
#include <string_view>
#include <vector>

#include "platform/delete_platform.h"

namespace fixtray {

namespace {

std::vector<std::string_view> split_segments(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = s.find('/', start);
        if (slash == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, slash - start));
        start = slash + 1;
    }
}

}  // namespace

// Deliberately conservative: a pack that deletes under "/", a top-level directory, a pseudo
// file system or a whole home directory is refused rather than trusted. POSIX paths only; the
// Windows build has its own rules in win32/delete_platform.cpp.
Status validate_delete_root(const std::string& root_in) {
    if (root_in.empty()) return Status::error("the root is empty");
    if (root_in.find('\0') != std::string::npos)
        return Status::error("the root contains a NUL character");
    if (root_in.front() != '/') return Status::error("the root must be an absolute path");
    std::string root = root_in;
    if (root.size() > 1 && root.back() == '/') root.pop_back();  // one trailing '/' is tolerated
    if (root == "/") return Status::error("the root must not be \"/\"");
    const auto segs = split_segments(std::string_view(root).substr(1));
    for (std::string_view seg : segs) {
        if (seg.empty()) return Status::error("the root must be normalised (no \"//\")");
        if (seg == "." || seg == "..")
            return Status::error("the root must be normalised (no \".\" or \"..\")");
    }
    if (segs.size() == 1)
        return Status::error("the root must not be a top-level directory (" + root + ")");
    static const std::string_view pseudo[] = {"proc", "sys", "dev", "boot", "run"};
    for (std::string_view p : pseudo)
        if (segs[0] == p) return Status::error("the root must not be under /" + std::string(p));
    if (segs.size() == 2) {
        static const std::string_view system_top[] = {"usr",   "etc",   "bin",    "sbin", "lib",
                                                      "lib32", "lib64", "libx32", "opt",  "srv"};
        for (std::string_view p : system_top)
            if (segs[0] == p)
                return Status::error("the root must not be a system directory (" + root + ")");
        if (segs[0] == "var" && (segs[1] == "lib" || segs[1] == "log" || segs[1] == "cache"))
            return Status::error("the root must not be a system directory (" + root + ")");
        if (segs[0] == "home" || segs[0] == "Users")
            return Status::error("the root must not be a whole home directory (" + root + ")");
    }
    return {};
}

}  // namespace fixtray
