#include "platform/file_lock.h"

#include <windows.h>

#include <utility>

#include "platform/win32/win32_text.h"

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
    if (handle_ != kNone) ::CloseHandle(static_cast<HANDLE>(handle_));
    handle_ = kNone;
}

Result<FileLock> FileLock::try_acquire(const std::string& path) {
    FileLock lock;
    // No sharing: a second opener fails with ERROR_SHARING_VIOLATION, which means "busy".
    HANDLE h = ::CreateFileW(win32::widen(path).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                             OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        const DWORD code = ::GetLastError();
        if (code == ERROR_SHARING_VIOLATION) return lock;  // busy: not a failure
        return Status::error("cannot open lock file " + path + ": " + win32::system_message(code));
    }
    lock.handle_ = h;
    return lock;
}

}  // namespace fixtray
