// delete_platform.h for POSIX: everything relative to directory file descriptors, so that no
// path is ever resolved twice and no symbolic link is ever followed. Directories are opened with
// O_NOFOLLOW and checked to be the same inode that fstatat saw, so a directory swapped for a
// link between the two calls is skipped.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "platform/delete_platform.h"

namespace fixtray::delete_platform {
namespace {

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

class PosixDirectory final : public Directory {
public:
    explicit PosixDirectory(int fd) : fd_(fd) {}

    Outcome list(std::vector<std::string>& names, std::string& error) override {
        const int dup_fd = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
        if (dup_fd < 0) return failed(errno, error);
        DIR* d = ::fdopendir(dup_fd);
        if (!d) {
            const int err = errno;
            ::close(dup_fd);
            return failed(err, error);
        }
        errno = 0;
        while (const dirent* e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                names.emplace_back(e->d_name);
        }
        ::closedir(d);
        return Outcome::ok;
    }

    Outcome inspect(const std::string& name, Entry& entry, std::string& error) override {
        struct stat st {};
        if (::fstatat(fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return errno == ENOENT ? Outcome::gone : failed(errno, error);
        entry.is_directory = S_ISDIR(st.st_mode);
        entry.size = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
        entry.modified = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(st.st_mtim.tv_sec) +
                std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
        entry.device = static_cast<std::uint64_t>(st.st_dev);
        entry.inode = static_cast<std::uint64_t>(st.st_ino);
        return Outcome::ok;
    }

    Outcome enter(const std::string& name, const Entry& entry, std::unique_ptr<Directory>& sub,
                  std::string& error) override {
        Fd fd(::openat(fd_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() < 0) {
            // ELOOP / ENOTDIR: replaced by a link or a file since fstatat; never followed.
            if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) return Outcome::gone;
            return failed(errno, error);
        }
        struct stat opened {};
        if (::fstat(fd.get(), &opened) != 0 ||
            static_cast<std::uint64_t>(opened.st_dev) != entry.device ||
            static_cast<std::uint64_t>(opened.st_ino) != entry.inode)
            return Outcome::gone;  // swapped between fstatat and openat
        sub = std::make_unique<PosixDirectory>(fd.release());
        return Outcome::ok;
    }

    Outcome remove(const std::string& name, std::string& error) override {
        if (::unlinkat(fd_.get(), name.c_str(), 0) == 0) return Outcome::ok;
        return errno == ENOENT ? Outcome::gone : failed(errno, error);
    }

    bool remove_empty_directory(const std::string& name) override {
        return ::unlinkat(fd_.get(), name.c_str(), AT_REMOVEDIR) == 0;
    }

private:
    static Outcome failed(int err, std::string& error) {
        error = std::strerror(err);
        return Outcome::failed;
    }

    Fd fd_;
};

}  // namespace

Status validate_root(const std::string& root) {
    return validate_delete_root(root);
}

OpenedRoot open_root(const std::string& root) {
    OpenedRoot out;
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        struct stat lst {};
        // With O_DIRECTORY a link gives ENOTDIR rather than ELOOP: lstat tells which it was.
        if (err == ENOENT) {
            out.status = OpenedRoot::Status::missing;
        } else if (err == ELOOP ||
                   (err == ENOTDIR && ::lstat(root.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode))) {
            out.status = OpenedRoot::Status::refused;
            out.why = "is a symbolic link";
        } else if (err == ENOTDIR) {
            out.status = OpenedRoot::Status::refused;
            out.why = "is not a directory";
        } else {
            out.why = "cannot open";
            out.error = std::strerror(err);
        }
        return out;
    }
    auto dir = std::make_unique<PosixDirectory>(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        out.why = "cannot inspect";
        out.error = std::strerror(errno);
        return out;
    }
    out.status = OpenedRoot::Status::ok;
    out.device = static_cast<std::uint64_t>(st.st_dev);
    out.dir = std::move(dir);
    return out;
}

}  // namespace fixtray::delete_platform
