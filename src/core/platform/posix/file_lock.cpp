#include "platform/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace fixtray {

FileLock::~FileLock() {
    release();
}

FileLock::FileLock(FileLock&& other) noexcept : handle_(std::exchange(other.handle_, kNone)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        release();
        handle_ = std::exchange(other.handle_, kNone);
    }
    return *this;
}

void FileLock::release() {
    if (handle_ != kNone) ::close(handle_);  // closing drops the flock
    handle_ = kNone;
}

Result<FileLock> FileLock::try_acquire(const std::string& path) {
    FileLock lock;
    // flock locks belong to the open file description: a second open in this process gets a
    // separate one, so two FileLocks in one process exclude each other as well.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Status::error("cannot open lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        ::close(fd);
        if (e == EWOULDBLOCK) return lock;  // busy: not a failure
        return Status::error("cannot lock " + path + ": " + std::strerror(e));
    }
    lock.handle_ = fd;
    return lock;
}

}  // namespace fixtray
