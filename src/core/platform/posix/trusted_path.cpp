#include <sys/stat.h>

#include <cerrno>
#include <cstring>
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

Result<EntryInfo> inspect_entry(const std::string& path) {
    struct stat st {};
    EntryInfo info;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return info;
        return Status::error(std::strerror(errno));
    }
    info.type = S_ISLNK(st.st_mode)   ? EntryInfo::Type::symlink
                : S_ISDIR(st.st_mode) ? EntryInfo::Type::directory
                : S_ISREG(st.st_mode) ? EntryInfo::Type::file
                                      : EntryInfo::Type::other;
    info.root_owned = st.st_uid == 0;
    info.others_may_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    info.mode = static_cast<unsigned>(st.st_mode & 07777);
    return info;
}

Result<bool> make_directory(const std::string& dir, unsigned mode) {
    if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) == 0) return true;
    if (errno == EEXIST) return false;
    return Status::error(std::strerror(errno));
}

Status set_mode(const std::string& path, unsigned mode) {
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
        return Status::error(std::strerror(errno));
    return {};
}

}  // namespace fixtray
