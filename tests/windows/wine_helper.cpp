// A small program the Wine tests run as a step (tests/windows/wine_process_tests.cpp); Windows
// API only. Modes (the first argument):
//   out N           writes N bytes of 'x' to stdout
//   err TEXT        writes TEXT to stderr
//   exit CODE       exits with CODE
//   sleep MS        sleeps MS milliseconds, then exits 0
//   stdin           prints how many bytes stdin held (it should be at its end at once)
//   env NAME        prints the variable NAME
//   cwd             prints the current directory
//   args ...        prints each argument as Windows parses the command line, one per line
//   grandchild FILE MS
//                   starts itself as "sleep 600000" (a grandchild of the runner), writes that
//                   process's id to FILE, then sleeps MS milliseconds (0: exits at once)
#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <shellapi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <string>

namespace {

void print_utf8(const std::wstring& w, FILE* stream) {
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), nullptr,
                                        0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, w.c_str(), static_cast<int>(w.size()), s.data(), n, nullptr,
                          nullptr);
    std::fwrite(s.data(), 1, s.size(), stream);
}

}  // namespace

int main() {
    // Bytes as written: no "\n" -> "\r\n" translation.
    ::_setmode(::_fileno(stdout), _O_BINARY);
    ::_setmode(::_fileno(stderr), _O_BINARY);
    int argc = 0;
    wchar_t** argv = ::CommandLineToArgvW(::GetCommandLineW(), &argc);
    if (argv == nullptr || argc < 2) return 100;
    const std::wstring mode = argv[1];
    if (mode == L"out" && argc >= 3) {
        const long n = std::wcstol(argv[2], nullptr, 10);
        const std::string chunk(64 * 1024, 'x');
        for (long done = 0; done < n;) {
            const long part = std::min<long>(n - done, static_cast<long>(chunk.size()));
            std::fwrite(chunk.data(), 1, static_cast<std::size_t>(part), stdout);
            done += part;
        }
        return 0;
    }
    if (mode == L"err" && argc >= 3) {
        print_utf8(argv[2], stderr);
        return 0;
    }
    if (mode == L"exit" && argc >= 3) return static_cast<int>(std::wcstol(argv[2], nullptr, 10));
    if (mode == L"sleep" && argc >= 3) {
        ::Sleep(static_cast<DWORD>(std::wcstol(argv[2], nullptr, 10)));
        return 0;
    }
    if (mode == L"stdin") {
        char buffer[256];
        DWORD got = 0;
        DWORD total = 0;
        const HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
        while (::ReadFile(in, buffer, sizeof buffer, &got, nullptr) && got > 0) total += got;
        std::printf("%lu", static_cast<unsigned long>(total));
        return 0;
    }
    if (mode == L"env" && argc >= 3) {
        wchar_t value[4096];
        const DWORD n = ::GetEnvironmentVariableW(argv[2], value, 4096);
        if (n == 0 || n >= 4096) return 1;
        print_utf8(std::wstring(value, n), stdout);
        return 0;
    }
    if (mode == L"cwd") {
        wchar_t dir[MAX_PATH * 4];
        const DWORD n = ::GetCurrentDirectoryW(MAX_PATH * 4, dir);
        print_utf8(std::wstring(dir, n), stdout);
        return 0;
    }
    if (mode == L"args") {
        for (int i = 2; i < argc; ++i) {
            print_utf8(argv[i], stdout);
            std::fputs("\n", stdout);
        }
        return 0;
    }
    if (mode == L"grandchild" && argc >= 4) {
        wchar_t self[MAX_PATH * 4];
        ::GetModuleFileNameW(nullptr, self, MAX_PATH * 4);
        std::wstring command = L"\"" + std::wstring(self) + L"\" sleep 600000";
        STARTUPINFOW startup{};
        startup.cb = sizeof startup;
        PROCESS_INFORMATION info{};
        // Inherits nothing; stays in our job (no breakaway). No console (DETACHED_PROCESS): a
        // console would bring a conhost.exe, and Wine's can outlive a client killed while it
        // starts, keeping the prefix alive.
        if (!::CreateProcessW(self, command.data(), nullptr, nullptr, FALSE, DETACHED_PROCESS,
                              nullptr, nullptr, &startup, &info))
            return 101;
        ::CloseHandle(info.hThread);
        ::CloseHandle(info.hProcess);
        FILE* f = ::_wfopen(argv[2], L"w");
        if (f == nullptr) return 102;
        std::fprintf(f, "%lu", static_cast<unsigned long>(info.dwProcessId));
        std::fclose(f);
        std::puts("started");
        std::fflush(stdout);
        ::Sleep(static_cast<DWORD>(std::wcstol(argv[3], nullptr, 10)));
        return 0;
    }
    return 100;
}
