#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "platform/trusted_path.h"

namespace fixtray {

Status check_root_owned(const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(path, ec);
    if (ec) return Status::error("cannot resolve " + path);
    p = p.lexically_normal();
    bool leaf = true;
    for (;;) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) return Status::error(p.string() + " does not exist");
        if (S_ISLNK(st.st_mode)) return Status::error(p.string() + " is a symbolic link");
        if (st.st_uid != 0) return Status::error(p.string() + " is not owned by root");
        const bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
        const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
        if (others_write && (leaf || !sticky_dir))
            return Status::error(p.string() + " is writable by users other than root");
        leaf = false;
        if (!p.has_parent_path() || p.parent_path() == p) break;
        p = p.parent_path();
    }
    return {};
}

}  // namespace fixtray
