// process_platform.h for Windows. NOT BUILT ON LINUX (src/CMakeLists.txt globs
// core/win32/*.cpp only when WIN32); written against the Win32 API, not yet compiled or tested
// on Windows.
//
// Processes come from a Toolhelp32 snapshot; a name matches the executable name with or without
// ".exe", case-insensitively ("firefox" and "firefox.exe" both match firefox.exe). Without
// admin only processes in our own session whose token user is ours are considered; never the
// System/Idle processes (pid 0 and 4) nor fixtray itself. Windows has no SIGTERM: the polite
// request is WM_CLOSE posted to the process's top-level windows (console and windowless
// processes have none and simply reach the grace deadline); the forced end is TerminateProcess.
// Each target is held by an open process handle from the moment it is chosen, so a reused pid
// is never hit.
#include <windows.h>

// tlhelp32.h needs windows.h first.
#include <tlhelp32.h>

#include <algorithm>
#include <cwctype>
#include <memory>
#include <string>
#include <vector>

#include "platform/process_platform.h"
#include "platform/win32/win32_text.h"

namespace fixtray::process_platform {
namespace {

std::wstring lower(std::wstring s) {
    for (wchar_t& c : s) c = static_cast<wchar_t>(std::towlower(c));
    return s;
}

bool name_matches(const std::wstring& exe_file, const std::wstring& wanted_lower) {
    const std::wstring exe = lower(exe_file);
    if (exe == wanted_lower) return true;
    return exe.size() > 4 && exe.compare(exe.size() - 4, 4, L".exe") == 0 &&
           exe.substr(0, exe.size() - 4) == wanted_lower;
}

struct HandleCloser {
    void operator()(HANDLE h) const {
        if (h && h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
    }
};
using Handle = std::unique_ptr<void, HandleCloser>;

// The SID of a process's token user equals ours.
bool same_user(HANDLE process, PSID me) {
    HANDLE token = nullptr;
    if (!::OpenProcessToken(process, TOKEN_QUERY, &token)) return false;
    Handle t(token);
    DWORD len = 0;
    ::GetTokenInformation(token, TokenUser, nullptr, 0, &len);
    std::vector<unsigned char> buf(len);
    if (!::GetTokenInformation(token, TokenUser, buf.data(), len, &len)) return false;
    return ::EqualSid(reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid, me) != FALSE;
}

struct OwnSid {
    std::vector<unsigned char> buf;
    PSID sid() {
        return buf.empty() ? nullptr : reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid;
    }
};

OwnSid own_sid() {
    OwnSid out;
    HANDLE token = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return out;
    Handle t(token);
    DWORD len = 0;
    ::GetTokenInformation(token, TokenUser, nullptr, 0, &len);
    out.buf.resize(len);
    if (!::GetTokenInformation(token, TokenUser, out.buf.data(), len, &len)) out.buf.clear();
    return out;
}

BOOL CALLBACK close_windows_of(HWND hwnd, LPARAM lparam) {
    DWORD pid = 0;
    ::GetWindowThreadProcessId(hwnd, &pid);
    if (pid == static_cast<DWORD>(lparam) && ::GetWindow(hwnd, GW_OWNER) == nullptr)
        ::PostMessageW(hwnd, WM_CLOSE, 0, 0);
    return TRUE;
}

class WindowsProcess final : public Process {
public:
    WindowsProcess(DWORD pid, Handle process) : pid_(pid), process_(std::move(process)) {}

    long pid() const override { return static_cast<long>(pid_); }
    bool running() const override {
        return ::WaitForSingleObject(process_.get(), 0) == WAIT_TIMEOUT;
    }
    Status ask_to_end() override {
        ::EnumWindows(close_windows_of, static_cast<LPARAM>(pid_));
        return {};  // a process without windows simply reaches the grace deadline
    }
    Status force_end() override {
        if (::TerminateProcess(process_.get(), 1)) return {};
        return Status::error(win32::error_with_code(::GetLastError()));
    }

private:
    DWORD pid_;
    Handle process_;
};

}  // namespace

const char* const forced_end_word = "terminated";

Status check_name(const std::string& name) {
    if (name.empty() || name.find_first_of(std::string("/\\\0", 3)) != std::string::npos)
        return Status::error("the process name must be a plain name, without '/' or '\\'");
    return {};
}

std::vector<std::unique_ptr<Process>> find_processes(const std::string& name, bool any_user,
                                                     std::optional<unsigned> /*owner*/) {
    std::vector<std::unique_ptr<Process>> out;
    const std::wstring wanted = lower(win32::widen(name));
    OwnSid me = own_sid();
    const DWORD self = ::GetCurrentProcessId();
    DWORD my_session = 0;
    ::ProcessIdToSessionId(self, &my_session);
    Handle snap(::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
    if (snap.get() == INVALID_HANDLE_VALUE) return out;
    PROCESSENTRY32W pe{};
    pe.dwSize = sizeof pe;
    for (BOOL more = ::Process32FirstW(snap.get(), &pe); more;
         more = ::Process32NextW(snap.get(), &pe)) {
        if (pe.th32ProcessID <= 4 || pe.th32ProcessID == self) continue;
        if (!name_matches(pe.szExeFile, wanted)) continue;
        HANDLE h =
            ::OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE,
                          FALSE, pe.th32ProcessID);
        if (!h) continue;  // not ours to end (or already gone)
        Handle process(h);
        if (!any_user) {
            DWORD session = 0;
            if (!::ProcessIdToSessionId(pe.th32ProcessID, &session) || session != my_session)
                continue;
            if (!me.sid() || !same_user(h, me.sid())) continue;
        }
        DWORD code = 0;
        if (::GetExitCodeProcess(h, &code) && code != STILL_ACTIVE) continue;
        out.push_back(std::make_unique<WindowsProcess>(pe.th32ProcessID, std::move(process)));
    }
    return out;
}

std::vector<long> processes_with_environment_entry(const std::string&, long) {
    return {};  // see process_platform.h
}

std::size_t force_end_with_environment_entry(const std::string&) {
    return 0;
}

}  // namespace fixtray::process_platform
