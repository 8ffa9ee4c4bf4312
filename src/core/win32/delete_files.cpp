// delete_files for Windows. NOT BUILT ON LINUX (src/CMakeLists.txt globs core/win32/*.cpp only
// when WIN32); written against the Win32 API, not yet compiled or tested on Windows.
//
// Same contract and outcome rules as posix/delete_files.cpp. A reparse point (symbolic link,
// junction, mount point, OneDrive placeholder...) is never followed: a matching one is removed
// as a link (RemoveDirectoryW for directory links, DeleteFileW otherwise, neither follows), and
// a directory that is a reparse point is never entered. The root itself must not be a reparse
// point. Windows has no openat, so the walk uses full paths (\\?\ prefixed for long paths); each
// directory is re-checked for FILE_ATTRIBUTE_REPARSE_POINT right before it is entered.
#include <windows.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>

#include "builtin_steps.h"
#include "builtin_text.h"
#include "cancel_token.h"
#include "clock.h"

namespace fixtray {
namespace {

constexpr int max_depth = 128;
constexpr std::size_t max_listed = 200;

std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    const int n =
        ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

std::string narrow(const std::wstring& w) {
    if (w.empty()) return {};
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr,
                                        0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), s.data(), n, nullptr,
                          nullptr);
    return s;
}

std::string win_error(DWORD code) {
    wchar_t* buf = nullptr;
    ::FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, code, 0, reinterpret_cast<LPWSTR>(&buf), 0, nullptr);
    std::wstring w = buf ? buf : L"error";
    if (buf) ::LocalFree(buf);
    while (!w.empty() && (w.back() == L'\n' || w.back() == L'\r' || w.back() == L'.')) w.pop_back();
    return narrow(w) + " (" + std::to_string(code) + ")";
}

// Windows roots: "C:\\..." (or with '/'), normalised, not the drive itself, not a top-level
// folder, nothing under Windows / Program Files / ProgramData, not a whole user profile.
std::string validate_windows_root(const std::string& root) {
    if (root.size() < 3 || !std::isalpha(static_cast<unsigned char>(root[0])) || root[1] != ':' ||
        (root[2] != '\\' && root[2] != '/'))
        return "the root must be an absolute path with a drive letter";
    std::string lower = root.substr(2);
    for (char& c : lower)
        c = c == '\\' ? '/' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The POSIX rules cover normalisation, the drive root and top-level folders.
    if (std::string why = validate_delete_root(lower); !why.empty()) return why;
    for (const std::string bad :
         {"/windows", "/program files", "/program files (x86)", "/programdata"})
        if (lower == bad || lower.rfind(bad + "/", 0) == 0)
            return "the root must not be under " + bad.substr(1);
    if (lower.rfind("/users/", 0) == 0 && std::count(lower.begin(), lower.end(), '/') < 3)
        return "the root must not be a whole user profile";
    return {};
}

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

struct Walk {
    Walk(const Step& s, BuiltinContext& c)
        : step(s), ctx(c), deadline(c.clock.steady_now() + s.timeout), now_wall(c.clock.now()) {}

    const Step& step;
    BuiltinContext& ctx;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::system_clock::time_point now_wall;
    std::uint64_t files = 0, bytes = 0, dirs_removed = 0, failed = 0, unreadable = 0;
    std::size_t listed = 0;
    bool cancelled = false, timed_out = false;
    std::string listing, errors;

    bool should_stop() {
        if (cancelled || timed_out) return true;
        if (ctx.cancel.cancelled())
            cancelled = true;
        else if (ctx.clock.steady_now() >= deadline)
            timed_out = true;
        return cancelled || timed_out;
    }
    bool old_enough(const WIN32_FIND_DATAW& fd) const {
        return step.older_than.count() <= 0 ||
               now_wall - to_time_point(fd.ftLastWriteTime) >= step.older_than;
    }
    void list(const std::string& rel) {
        if (listed < max_listed)
            builtin_text::append_line(listing, rel);
        else if (listed == max_listed)
            builtin_text::append_line(listing, "...");
        ++listed;
    }
    void fail(const std::string& rel, const char* what, DWORD code, bool is_delete) {
        ++(is_delete ? failed : unreadable);
        builtin_text::append_line(errors, std::string(what) + " " + rel + ": " + win_error(code));
    }

    std::uint64_t walk(const std::wstring& dir, const std::string& prefix, int depth) {
        std::uint64_t removed_here = 0;
        WIN32_FIND_DATAW fd;
        HANDLE h = ::FindFirstFileExW((dir + L"\\*").c_str(), FindExInfoBasic, &fd,
                                      FindExSearchNameMatch, nullptr, FIND_FIRST_EX_LARGE_FETCH);
        if (h == INVALID_HANDLE_VALUE) {
            const DWORD e = ::GetLastError();
            if (e != ERROR_FILE_NOT_FOUND)
                fail(prefix.empty() ? "." : prefix, "cannot read", e, false);
            return 0;
        }
        do {
            if (should_stop()) break;
            const std::wstring wname = fd.cFileName;
            if (wname == L"." || wname == L"..") continue;
            const std::string name = narrow(wname);
            const std::string rel = prefix.empty() ? name : prefix + "/" + name;
            const std::wstring full = dir + L"\\" + wname;
            const bool is_dir = fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY;
            const bool is_reparse = fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT;
            if (is_dir && !is_reparse) {
                removed_here += directory(full, rel, fd, depth);
                continue;
            }
            if (!glob_match(step.glob, rel) || !old_enough(fd)) continue;
            if (!ctx.dry_run) {
                if (fd.dwFileAttributes & FILE_ATTRIBUTE_READONLY)
                    ::SetFileAttributesW(full.c_str(),
                                         fd.dwFileAttributes & ~FILE_ATTRIBUTE_READONLY);
                // Neither call follows a reparse point: the link goes, its target stays.
                const BOOL done =
                    is_dir ? ::RemoveDirectoryW(full.c_str()) : ::DeleteFileW(full.c_str());
                if (!done) {
                    const DWORD e = ::GetLastError();
                    if (e != ERROR_FILE_NOT_FOUND) fail(rel, "cannot delete", e, true);
                    continue;
                }
                ++removed_here;
            }
            ++files;
            if (!is_reparse)
                bytes += (static_cast<std::uint64_t>(fd.nFileSizeHigh) << 32) | fd.nFileSizeLow;
            list(rel);
        } while (::FindNextFileW(h, &fd));
        ::FindClose(h);
        return removed_here;
    }

    std::uint64_t directory(const std::wstring& full, const std::string& rel,
                            const WIN32_FIND_DATAW& fd, int depth) {
        if (depth >= max_depth) {
            fail(rel, "not descending into", ERROR_CANT_RESOLVE_FILENAME, false);
            return 0;
        }
        // Re-check just before entering: a folder swapped for a junction is not followed.
        const DWORD attrs = ::GetFileAttributesW(full.c_str());
        if (attrs == INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_REPARSE_POINT) ||
            !(attrs & FILE_ATTRIBUTE_DIRECTORY))
            return 0;
        const std::uint64_t below = walk(full, rel, depth + 1);
        if (ctx.dry_run || cancelled || timed_out) return below;
        const bool selected = glob_match(step.glob, rel) && old_enough(fd);
        if (below == 0 && !selected) return 0;
        if (!::RemoveDirectoryW(full.c_str())) return 0;  // not empty: keep it
        ++dirs_removed;
        return below + 1;
    }
};

}  // namespace

BuiltinResult delete_files(const Step& step, BuiltinContext& ctx) {
    using builtin_text::count_noun;
    using builtin_text::format_size;
    BuiltinResult r;
    if (std::string why = validate_windows_root(step.root); !why.empty()) {
        r.message = "refusing to delete: " + why;
        return r;
    }
    if (std::string why = validate_glob(step.glob); !why.empty()) {
        r.message = "refusing to delete: " + why;
        return r;
    }
    std::wstring root = widen(step.root);
    for (wchar_t& c : root)
        if (c == L'/') c = L'\\';
    while (root.size() > 3 && root.back() == L'\\') root.pop_back();
    root = L"\\\\?\\" + root;
    const DWORD attrs = ::GetFileAttributesW(root.c_str());
    if (attrs == INVALID_FILE_ATTRIBUTES) {
        const DWORD e = ::GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) {
            r.ok = true;
            r.message = "nothing to delete: " + step.root + " does not exist";
        } else {
            r.message = "cannot open " + step.root + ": " + win_error(e);
        }
        return r;
    }
    if (attrs & FILE_ATTRIBUTE_REPARSE_POINT) {
        r.message = "refusing to delete: " + step.root + " is a link (reparse point)";
        return r;
    }
    if (!(attrs & FILE_ATTRIBUTE_DIRECTORY)) {
        r.message = "refusing to delete: " + step.root + " is not a directory";
        return r;
    }

    Walk w(step, ctx);
    w.walk(root, "", 0);

    const std::string what =
        count_noun(w.files, "file", "files") + " (" + format_size(w.bytes) + ")";
    r.message = (ctx.dry_run ? "would delete " : "deleted ") + what;
    if (!ctx.dry_run && w.dirs_removed > 0)
        r.message += " and " + count_noun(w.dirs_removed, "empty folder", "empty folders");
    if (w.failed > 0) r.message += "; " + std::to_string(w.failed) + " could not be deleted";
    if (w.unreadable > 0)
        r.message += "; " + count_noun(w.unreadable, "entry", "entries") + " could not be read";
    if (w.cancelled) {
        r.cancelled = true;
        r.message = "cancelled: " + r.message + " before stopping";
    } else if (w.timed_out) {
        r.timed_out = true;
        r.message = "stopped at the time limit: " + r.message + " before stopping";
    } else {
        r.ok = !(w.failed > 0 && w.files == 0);
    }
    r.detail = w.listing;
    if (!w.errors.empty()) builtin_text::append_line(r.detail, w.errors);
    return r;
}

}  // namespace fixtray
