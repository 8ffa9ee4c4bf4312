// An advisory lock on a file, held by one process at a time. The operating system releases it
// when the holder exits, even on kill -9, so a crashed sender never blocks the next one.
#pragma once

#include <string>

#include "base/status.h"

namespace fixtray {

class FileLock {
public:
    FileLock() = default;
    ~FileLock();
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    // Creates the file if needed and takes the lock without waiting. A held lock, or an unheld
    // one when another process (or another FileLock in this one) holds it; fails when the file
    // cannot be opened or locked ("cannot open lock file /x/lock: Permission denied").
    static Result<FileLock> try_acquire(const std::string& path);

    bool held() const { return handle_ != kNone; }

private:
#ifdef _WIN32
    using Handle = void*;
    static constexpr Handle kNone = nullptr;
#else
    using Handle = int;
    static constexpr Handle kNone = -1;
#endif
    Handle handle_ = kNone;
    void release();
};

}  // namespace fixtray
