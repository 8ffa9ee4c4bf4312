#include "platform/durable_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace fixtray {
namespace {

std::string errno_message(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

Status make_private_dirs(const std::string& dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return {};
    std::filesystem::path p(dir);
    std::filesystem::path built;
    for (const auto& part : p) {
        built /= part;
        if (std::filesystem::is_directory(built, ec)) continue;
        if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST)
            return Status::error(errno_message("cannot create directory", built.string()));
    }
    return {};
}

Status write_file_atomic(const std::string& path, std::string_view content) {
    const std::filesystem::path target(path);
    const std::string dir = target.parent_path().string();
    const std::string tmp =
        path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::error(errno_message("cannot create", tmp));
    if (!write_all(fd, content) || ::fsync(fd) != 0) {
        const std::string msg = errno_message("cannot write", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return Status::error(msg);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string msg = errno_message("cannot rename onto", path);
        ::unlink(tmp.c_str());
        return Status::error(msg);
    }
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

Status append_line_durable(const std::string& path, std::string_view line) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return Status::error(errno_message("cannot open", path));
    const auto fail = [&](const std::string& message) {
        ::close(fd);
        return Status::error(message);
    };
    // Every appender holds the lock: what one cuts back below is its own bytes only.
    while (::flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) return fail(errno_message("cannot lock", path));
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(errno_message("cannot read the size of", path));
    const off_t before = st.st_size;
    std::string buf;
    buf.reserve(line.size() + 2);
    char last = '\n';
    if (before > 0 && ::pread(fd, &last, 1, before - 1) != 1)
        return fail(errno_message("cannot read", path));
    if (last != '\n') buf.push_back('\n');  // an earlier line cut short stays apart from this
    buf.append(line);
    buf.push_back('\n');
    // One write(2); on a regular file it is short only when the file system is full (or a size
    // limit is reached): then nothing of the line stays.
    ssize_t n;
    do {
        n = ::write(fd, buf.data(), buf.size());
    } while (n < 0 && errno == EINTR);
    std::string error;
    if (n < 0) {
        error = errno_message("cannot append to", path);
    } else if (static_cast<std::size_t>(n) != buf.size()) {
        // Not written again for the reason: past a size limit that would be SIGXFSZ.
        error = "cannot append to " + path + ": only " + std::to_string(n) + " of " +
                std::to_string(buf.size()) + " bytes were written (no space left on the device?)";
    } else if (::fsync(fd) != 0) {
        error = errno_message("cannot flush", path);
    }
    if (!error.empty()) {
        if (::ftruncate(fd, before) != 0)
            error +=
                "; cutting the partial line back failed too: " + std::string(std::strerror(errno));
        return fail(error);
    }
    if (::close(fd) != 0) return Status::error(errno_message("cannot append to", path));
    return {};
}

Status sync_path(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error(errno_message("cannot open", path));
    const bool ok = ::fsync(fd) == 0;
    const Status status = ok ? Status() : Status::error(errno_message("cannot flush", path));
    ::close(fd);
    return status;
}

Status write_new_file(const std::string& path, std::string_view content, unsigned mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                          static_cast<mode_t>(mode));
    if (fd < 0) return Status::error(errno_message("cannot create", path));
    // Exactly `mode`: open(2) applies the caller's umask.
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
        const std::string msg = errno_message("cannot set the mode of", path);
        ::close(fd);
        return Status::error(msg);
    }
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string msg = errno_message("cannot write", path);
            ::close(fd);
            return Status::error(msg);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return Status::error(errno_message("cannot write", path));
    return {};
}

Status sync_filesystem(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error(errno_message("cannot open", path));
#if defined(__linux__)
    const bool ok = ::syncfs(fd) == 0;
#else
    const bool ok = ::fsync(fd) == 0;
    ::sync();
#endif
    const Status status = ok ? Status() : Status::error(errno_message("cannot flush", path));
    ::close(fd);
    return status;
}

}  // namespace fixtray
