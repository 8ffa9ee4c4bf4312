// delete_platform.h for Windows. NOT BUILT ON LINUX (src/CMakeLists.txt globs core/win32/*.cpp
// only when WIN32); written against the Win32 API, not yet compiled or tested on Windows.
//
// A reparse point (symbolic link, junction, mount point, OneDrive placeholder...) is never
// followed: a matching one is removed as a link (RemoveDirectoryW for directory links,
// DeleteFileW otherwise, neither follows), and a directory that is a reparse point is never
// entered. The root itself must not be a reparse point. Windows has no openat, so the walk uses
// full paths (\\?\ prefixed for long paths); each directory is re-checked for
// FILE_ATTRIBUTE_REPARSE_POINT right before it is entered.
#include <windows.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/delete_platform.h"
#include "platform/win32/win32_text.h"

namespace fixtray::delete_platform {
namespace {

std::chrono::system_clock::time_point to_time_point(const FILETIME& ft) {
    ULARGE_INTEGER u;
    u.LowPart = ft.dwLowDateTime;
    u.HighPart = ft.dwHighDateTime;
    // FILETIME: 100 ns ticks since 1601-01-01; the Unix epoch is 11644473600 s later.
    const auto since_1601 =
        std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>(u.QuadPart);
    const auto since_1970 = since_1601 - std::chrono::seconds(11'644'473'600LL);
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_1970));
}

Outcome failed(DWORD code, std::string& error) {
    error = win32::error_with_code(code);
    return Outcome::failed;
}

// A directory by its full \\?\ path. list() keeps what FindFirstFileExW said about each entry;
// inspect() and remove() answer from that, as the walk asks about the names list() returned.
class WindowsDirectory final : public Directory {
public:
    explicit WindowsDirectory(std::wstring path) : path_(std::move(path)) {}

    Outcome list(std::vector<std::string>& names, std::string& error) override {
        WIN32_FIND_DATAW fd;
        HANDLE h = ::FindFirstFileExW((path_ + L"\\*").c_str(), FindExInfoBasic, &fd,
                                      FindExSearchNameMatch, nullptr, FIND_FIRST_EX_LARGE_FETCH);
        if (h == INVALID_HANDLE_VALUE) {
            const DWORD e = ::GetLastError();
            return e == ERROR_FILE_NOT_FOUND ? Outcome::gone : failed(e, error);
        }
        do {
            const std::wstring wname = fd.cFileName;
            if (wname == L"." || wname == L"..") continue;
            std::string name = win32::narrow(wname);
            if (found_.emplace(name, fd).second) names.push_back(std::move(name));
        } while (::FindNextFileW(h, &fd));
        ::FindClose(h);
        return Outcome::ok;
    }

    Outcome inspect(const std::string& name, Entry& entry, std::string& error) override {
        const WIN32_FIND_DATAW* fd = find(name);
        if (!fd) return Outcome::gone;
        const bool is_reparse = fd->dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT;
        entry.is_directory = (fd->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !is_reparse;
        entry.size = is_reparse
                         ? 0
                         : (static_cast<std::uint64_t>(fd->nFileSizeHigh) << 32) | fd->nFileSizeLow;
        entry.modified = to_time_point(fd->ftLastWriteTime);
        (void)error;
        return Outcome::ok;
    }

    Outcome enter(const std::string& name, const Entry&, std::unique_ptr<Directory>& sub,
                  std::string&) override {
        const WIN32_FIND_DATAW* fd = find(name);
        if (!fd) return Outcome::gone;
        const std::wstring full = path_ + L"\\" + fd->cFileName;
        // Re-check just before entering: a folder swapped for a junction is not followed.
        const DWORD attrs = ::GetFileAttributesW(full.c_str());
        if (attrs == INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_REPARSE_POINT) ||
            !(attrs & FILE_ATTRIBUTE_DIRECTORY))
            return Outcome::gone;
        sub = std::make_unique<WindowsDirectory>(full);
        return Outcome::ok;
    }

    Outcome remove(const std::string& name, std::string& error) override {
        const WIN32_FIND_DATAW* fd = find(name);
        if (!fd) return Outcome::gone;
        const std::wstring full = path_ + L"\\" + fd->cFileName;
        if (fd->dwFileAttributes & FILE_ATTRIBUTE_READONLY)
            ::SetFileAttributesW(full.c_str(), fd->dwFileAttributes & ~FILE_ATTRIBUTE_READONLY);
        // Neither call follows a reparse point: the link goes, its target stays.
        const BOOL done = (fd->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                              ? ::RemoveDirectoryW(full.c_str())
                              : ::DeleteFileW(full.c_str());
        if (done) return Outcome::ok;
        const DWORD e = ::GetLastError();
        return e == ERROR_FILE_NOT_FOUND ? Outcome::gone : failed(e, error);
    }

    bool remove_empty_directory(const std::string& name) override {
        const WIN32_FIND_DATAW* fd = find(name);
        return fd && ::RemoveDirectoryW((path_ + L"\\" + fd->cFileName).c_str());
    }

private:
    const WIN32_FIND_DATAW* find(const std::string& name) const {
        const auto it = found_.find(name);
        return it == found_.end() ? nullptr : &it->second;
    }

    std::wstring path_;
    std::map<std::string, WIN32_FIND_DATAW> found_;  // by UTF-8 name, from the last list()
};

}  // namespace

// Windows roots: "C:\\..." (or with '/'), normalised, not the drive itself, not a top-level
// folder, nothing under Windows / Program Files / ProgramData, not a whole user profile.
Status validate_root(const std::string& root) {
    if (root.size() < 3 || !std::isalpha(static_cast<unsigned char>(root[0])) || root[1] != ':' ||
        (root[2] != '\\' && root[2] != '/'))
        return Status::error("the root must be an absolute path with a drive letter");
    std::string lower = root.substr(2);
    for (char& c : lower)
        c = c == '\\' ? '/' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The POSIX rules cover normalisation, the drive root and top-level folders.
    if (Status rules = validate_delete_root(lower); !rules) return rules;
    for (const std::string bad :
         {"/windows", "/program files", "/program files (x86)", "/programdata"})
        if (lower == bad || lower.rfind(bad + "/", 0) == 0)
            return Status::error("the root must not be under " + bad.substr(1));
    if (lower.rfind("/users/", 0) == 0 && std::count(lower.begin(), lower.end(), '/') < 3)
        return Status::error("the root must not be a whole user profile");
    return {};
}

OpenedRoot open_root(const std::string& root_utf8) {
    OpenedRoot out;
    std::wstring root = win32::widen(root_utf8);
    for (wchar_t& c : root)
        if (c == L'/') c = L'\\';
    while (root.size() > 3 && root.back() == L'\\') root.pop_back();
    root = L"\\\\?\\" + root;
    const DWORD attrs = ::GetFileAttributesW(root.c_str());
    if (attrs == INVALID_FILE_ATTRIBUTES) {
        const DWORD e = ::GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) {
            out.status = OpenedRoot::Status::missing;
        } else {
            out.why = "cannot open";
            out.error = win32::error_with_code(e);
        }
        return out;
    }
    if (attrs & FILE_ATTRIBUTE_REPARSE_POINT) {
        out.status = OpenedRoot::Status::refused;
        out.why = "is a link (reparse point)";
        return out;
    }
    if (!(attrs & FILE_ATTRIBUTE_DIRECTORY)) {
        out.status = OpenedRoot::Status::refused;
        out.why = "is not a directory";
        return out;
    }
    out.status = OpenedRoot::Status::ok;
    out.dir = std::make_unique<WindowsDirectory>(std::move(root));
    return out;
}

}  // namespace fixtray::delete_platform
