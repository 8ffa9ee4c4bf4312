// Under Wine: UTF-8 <-> UTF-16 and system messages (platform/win32/win32_text), and the small
// file primitives that take UTF-8 paths (win32/read_file.cpp, win32/file_lock.cpp).
#include <doctest/doctest.h>
#include <windows.h>

#include <cstdio>
#include <string>

#include "platform/file_lock.h"
#include "platform/read_file.h"
#include "platform/win32/win32_text.h"

using namespace fixtray;

namespace {

// A fresh folder under %TEMP% whose name is not ASCII, removed at the end.
class TempDir {
public:
    TempDir() {
        wchar_t base[MAX_PATH];
        ::GetTempPathW(MAX_PATH, base);
        wide_ = std::wstring(base) + L"fixtray-wine-J\u00fcrgen-\u65e5\u672c-" +
                std::to_wstring(::GetCurrentProcessId());
        ::CreateDirectoryW(wide_.c_str(), nullptr);
        path_ = win32::narrow(wide_);
    }
    ~TempDir() {
        for (const wchar_t* name : {L"\\a.txt", L"\\lock", L"\\empty"})
            ::DeleteFileW((wide_ + name).c_str());
        ::RemoveDirectoryW(wide_.c_str());
    }
    const std::string& path() const { return path_; }
    const std::wstring& wide() const { return wide_; }

private:
    std::wstring wide_;
    std::string path_;
};

void write_file(const std::wstring& path, const std::string& bytes) {
    FILE* f = ::_wfopen(path.c_str(), L"wb");
    REQUIRE(f != nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

}  // namespace

TEST_CASE("win32 text: UTF-8 and UTF-16 convert both ways") {
    CHECK(win32::widen("").empty());
    CHECK(win32::narrow(L"").empty());
    CHECK(win32::widen("abc") == L"abc");
    const std::string german =
        "Gr\xc3\xbc\xc3\x9f"
        "e";  // Grüße
    CHECK(win32::widen(german) == L"Gr\u00fc\u00dfe");
    CHECK(win32::narrow(win32::widen(german)) == german);
    const std::string japanese = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";  // 日本語
    CHECK(win32::widen(japanese).size() == 3);
    CHECK(win32::narrow(win32::widen(japanese)) == japanese);
    // Outside the Basic Multilingual Plane: one code point, two UTF-16 units.
    const std::string emoji = "\xf0\x9f\x98\x80";
    CHECK(win32::widen(emoji).size() == 2);
    CHECK(win32::narrow(win32::widen(emoji)) == emoji);
    // An embedded NUL is kept (the sizes are explicit, not NUL-terminated).
    CHECK(win32::widen(std::string("a\0b", 3)) == std::wstring(L"a\0b", 3));
    CHECK(win32::narrow(std::wstring(L"a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("win32 text: text that is not valid turns into replacement characters, not nothing") {
    // A lone surrogate (UTF-16 that is not valid) and a byte that is not UTF-8.
    const std::string from_wide = win32::narrow(std::wstring(1, static_cast<wchar_t>(0xD800)));
    CHECK_FALSE(from_wide.empty());
    const std::wstring from_bytes = win32::widen(
        "a\xff"
        "b");
    CHECK(from_bytes.size() >= 2);
    CHECK(from_bytes.front() == L'a');
    CHECK(from_bytes.back() == L'b');
}

TEST_CASE("win32 text: system messages have no line break, and one-line details the code") {
    const std::string message = win32::system_message(ERROR_ACCESS_DENIED);
    INFO(message);
    CHECK_FALSE(message.empty());
    CHECK(message.back() != '\n');
    CHECK(message.back() != '\r');
    const std::string detail = win32::error_with_code(ERROR_ACCESS_DENIED);
    INFO(detail);
    CHECK(detail.size() > 4);
    CHECK(detail.substr(detail.size() - 4) == " (5)");
    CHECK(detail.find(". (") == std::string::npos);
    // A code the system has no text for.
    CHECK(win32::system_message(0x2000ABCD) == "error " + std::to_string(0x2000ABCD));
}

TEST_CASE("win32 read_file: a UTF-8 path outside the ANSI code page is read, with its bound") {
    TempDir dir;
    write_file(dir.wide() + L"\\a.txt", "hello, world");
    std::string text;
    REQUIRE(read_file_bounded(dir.path() + "\\a.txt", 100, text).ok());
    CHECK(text == "hello, world");
    ByteBuffer bounded;
    REQUIRE(read_file_bounded(dir.path() + "\\a.txt", 5, bounded).ok());
    CHECK(bounded.size() == 6);  // max_bytes + 1: "too large" is visible
    write_file(dir.wide() + L"\\empty", "");
    CHECK(read_file_bounded(dir.path() + "\\empty", 5, text).ok());
    CHECK(text.empty());
    const Status missing = read_file_bounded(dir.path() + "\\missing", 5, text);
    CHECK_FALSE(missing.ok());
    CHECK(missing.message().rfind("cannot open: ", 0) == 0);
}

TEST_CASE("win32 file lock: one holder at a time, free again once released") {
    TempDir dir;
    const std::string path = dir.path() + "\\lock";
    Result<FileLock> first = FileLock::try_acquire(path);
    REQUIRE(first.ok());
    CHECK(first->held());
    Result<FileLock> second = FileLock::try_acquire(path);
    REQUIRE(second.ok());
    CHECK_FALSE(second->held());  // busy, not a failure
    *first = FileLock();          // released
    Result<FileLock> third = FileLock::try_acquire(path);
    REQUIRE(third.ok());
    CHECK(third->held());
    const Result<FileLock> bad = FileLock::try_acquire(dir.path() + "\\no-such-dir\\lock");
    CHECK_FALSE(bad.ok());
    CHECK(bad.message().find("cannot open lock file") == 0);
}
