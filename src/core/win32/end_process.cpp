// end_process and process_running for Windows. NOT BUILT ON LINUX (src/CMakeLists.txt globs
// core/win32/*.cpp only when WIN32); written against the Win32 API, not yet compiled or tested
// on Windows.
//
// Processes come from a Toolhelp32 snapshot; a name matches the executable name with or without
// ".exe", case-insensitively ("firefox" and "firefox.exe" both match firefox.exe). Without
// admin only processes in our own session whose token user is ours are considered; never the
// System/Idle processes (pid 0 and 4) nor fixtray itself. Windows has no SIGTERM: the polite
// request is WM_CLOSE posted to the process's top-level windows (console and windowless
// processes have none and simply reach the grace deadline); TerminateProcess after step.grace.
// Each target is held by an open process handle from the moment it is chosen, so a reused pid
// is never hit.
#include <windows.h>

// tlhelp32.h needs windows.h first.
#include <tlhelp32.h>

#include <algorithm>
#include <chrono>
#include <cwctype>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "builtin_steps.h"
#include "builtin_text.h"
#include "cancel_token.h"

namespace fixtray {
namespace {

std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    const int n =
        ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

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

struct Target {
    DWORD pid = 0;
    Handle process;
};

std::vector<Target> find_processes(const std::string& name, bool any_user) {
    std::vector<Target> out;
    const std::wstring wanted = lower(widen(name));
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
        out.push_back(Target{pe.th32ProcessID, std::move(process)});
    }
    return out;
}

BOOL CALLBACK close_windows_of(HWND hwnd, LPARAM lparam) {
    DWORD pid = 0;
    ::GetWindowThreadProcessId(hwnd, &pid);
    if (pid == static_cast<DWORD>(lparam) && ::GetWindow(hwnd, GW_OWNER) == nullptr)
        ::PostMessageW(hwnd, WM_CLOSE, 0, 0);
    return TRUE;
}

bool running(const Target& t) {
    return ::WaitForSingleObject(t.process.get(), 0) == WAIT_TIMEOUT;
}

// Returns false when cancelled.
bool wait_gone(const std::vector<Target>& ts, std::chrono::milliseconds limit,
               const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
        bool any = false;
        for (const auto& t : ts) any = any || running(t);
        if (!any) return true;
        if (cancel.cancelled()) return false;
        if (std::chrono::steady_clock::now() >= deadline) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

bool process_running(const std::string& name) {
    if (name.empty() || name.find_first_of("/\\") != std::string::npos) return false;
    return !find_processes(name, false).empty();
}

BuiltinResult end_process(const Step& step, BuiltinContext& ctx) {
    using builtin_text::count_noun;
    BuiltinResult r;
    const std::string& name = step.process_name;
    if (name.empty() || name.find_first_of("/\\") != std::string::npos) {
        r.message = "the process name must be a plain name, without '/' or '\\'";
        return r;
    }
    std::vector<Target> targets = find_processes(name, step.admin);
    if (targets.empty()) {
        r.ok = true;
        r.message = "no " + name + " process was running";
        return r;
    }
    const std::string noun =
        count_noun(targets.size(), (name + " process").c_str(), (name + " processes").c_str());
    if (ctx.dry_run) {
        r.ok = true;
        r.message = "would end " + noun;
        return r;
    }
    for (const auto& t : targets) ::EnumWindows(close_windows_of, static_cast<LPARAM>(t.pid));
    if (!wait_gone(targets, step.grace, ctx.cancel)) {
        r.cancelled = true;
        r.message = "cancelled while waiting for " + name + " to end";
        return r;
    }
    for (const auto& t : targets) {
        if (!running(t)) continue;
        if (::TerminateProcess(t.process.get(), 1))
            builtin_text::append_line(
                r.detail,
                std::to_string(t.pid) + " did not end within the grace period: terminated");
        else
            builtin_text::append_line(r.detail, "cannot end " + std::to_string(t.pid) + ": error " +
                                                    std::to_string(::GetLastError()));
    }
    if (!wait_gone(targets, std::chrono::milliseconds(2000), ctx.cancel)) {
        r.cancelled = true;
        r.message = "cancelled while waiting for " + name + " to end";
        return r;
    }
    std::size_t left = 0;
    for (const auto& t : targets) left += running(t) ? 1 : 0;
    r.ok = left == 0;
    r.message = r.ok
                    ? "ended " + noun
                    : count_noun(left, (name + " process").c_str(), (name + " processes").c_str()) +
                          " could not be ended";
    return r;
}

}  // namespace fixtray
