// SystemProcessRunner on Windows: CreateProcessW inside a Job object.
//
// Compiled on Debian with mingw-w64 (tests/windows/compile.sh) and run under Wine by
// tests/windows/run.sh (tests/windows/wine_process_tests.cpp: output, exit codes, timeout,
// cancel, what a step leaves running, a grandchild ended with its job); not yet built or run on
// real Windows, where tests/platform's process runner scenarios (written for /bin/sh) have no
// counterpart yet.
//
// How the contract maps to Windows:
//   - "own process group"      -> a Job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; the child
//                                 starts suspended and is assigned before it runs, so every
//                                 descendant is in the job too.
//   - "no inherited handles"   -> PROC_THREAD_ATTRIBUTE_HANDLE_LIST names exactly the 3 stdio
//                                 handles; our own pipe ends are not inheritable.
//   - "stdin closed"           -> stdin is the NUL device (reads see EOF at once).
//   - drained concurrently     -> anonymous pipes have no overlapped I/O: one reader thread per
//                                 stream queues chunks; the calling thread delivers them to
//                                 on_output, so the callback still runs on the running thread.
//   - timeout / cancel         -> Windows has no SIGTERM for an arbitrary console program without
//                                 a shared console, so there is no graceful stage: the job is
//                                 terminated at once (TerminateJobObject), killed = true and
//                                 kill_grace is unused. term_signal stays 0.
//   - normal exit              -> what the program left running in its job is ended the same way
//                                 (left_running = how many, killed = true), unless detach: then
//                                 the kill-on-close limit is lifted before the job handle is
//                                 closed and they are left alone, their output read for 500 ms.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include "base/bounded_output.h"
#include "base/cancel_token.h"
#include "platform/process_runner.h"
#include "platform/process_runner_platform.h"
#include "platform/win32/win32_text.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cwchar>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace fixtray {

using win32::narrow;
using win32::system_message;
using win32::widen;

namespace {

using Clock = std::chrono::steady_clock;

constexpr DWORD kPollMs = 50;
constexpr auto kDrainAfterExit = std::chrono::milliseconds(500);
constexpr DWORD kReadChunk = 64 * 1024;
constexpr UINT kTerminatedExitCode = 1;

class UniqueHandle {
public:
    UniqueHandle() = default;
    explicit UniqueHandle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    UniqueHandle(UniqueHandle&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
    UniqueHandle& operator=(UniqueHandle&& other) noexcept {
        if (this != &other) reset(std::exchange(other.h_, nullptr));
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;
    ~UniqueHandle() { reset(); }
    HANDLE get() const { return h_; }
    explicit operator bool() const { return h_ != nullptr; }
    void reset(HANDLE h = nullptr) {
        if (h_ != nullptr) ::CloseHandle(h_);
        h_ = h;
    }

private:
    HANDLE h_ = nullptr;
};

// Quoting that CommandLineToArgvW and the MSVC runtime undo exactly.
void append_quoted(std::wstring& command_line, const std::wstring& arg) {
    if (!command_line.empty()) command_line += L' ';
    if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
        command_line += arg;
        return;
    }
    command_line += L'"';
    for (auto it = arg.begin();; ++it) {
        std::size_t backslashes = 0;
        while (it != arg.end() && *it == L'\\') {
            ++it;
            ++backslashes;
        }
        if (it == arg.end()) {
            command_line.append(backslashes * 2, L'\\');
            break;
        }
        if (*it == L'"') {
            command_line.append(backslashes * 2 + 1, L'\\');
        } else {
            command_line.append(backslashes, L'\\');
        }
        command_line += *it;
    }
    command_line += L'"';
}

struct CaseInsensitiveLess {
    bool operator()(const std::wstring& a, const std::wstring& b) const {
        return ::CompareStringOrdinal(a.c_str(), static_cast<int>(a.size()), b.c_str(),
                                      static_cast<int>(b.size()), TRUE) == CSTR_LESS_THAN;
    }
};

// The inherited environment plus extra_env, as a sorted, double-NUL-terminated UTF-16 block.
std::wstring environment_block(const std::map<std::string, std::string>& extra) {
    std::map<std::wstring, std::wstring, CaseInsensitiveLess> vars;
    if (wchar_t* block = ::GetEnvironmentStringsW()) {
        for (const wchar_t* p = block; *p != L'\0'; p += std::wcslen(p) + 1) {
            const std::wstring_view entry(p);
            // Names may start with '=' (per-drive current directories such as "=C:").
            const auto eq = entry.find(L'=', 1);
            if (eq == std::wstring_view::npos) continue;
            vars[std::wstring(entry.substr(0, eq))] = std::wstring(entry.substr(eq + 1));
        }
        ::FreeEnvironmentStringsW(block);
    }
    for (const auto& [name, value] : extra) vars[widen(name)] = widen(value);
    std::wstring out;
    for (const auto& [name, value] : vars) {
        out += name;
        out += L'=';
        out += value;
        out += L'\0';
    }
    out += L'\0';
    return out;
}

bool is_executable_file(const std::wstring& path) {
    const DWORD attrs = ::GetFileAttributesW(path.c_str());
    return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

// A chunk of output queued by a reader thread for the calling thread.
struct Chunk {
    OutputStream stream;
    std::string data;
};

// Reader threads push; the calling thread pops. `ready` is set while chunks are waiting.
class ChunkQueue {
public:
    ChunkQueue() : ready_(::CreateEventW(nullptr, TRUE, FALSE, nullptr)) {}
    HANDLE ready() const { return ready_.get(); }

    void push(Chunk chunk) {
        std::lock_guard lock(mutex_);
        chunks_.push_back(std::move(chunk));
        ::SetEvent(ready_.get());
    }
    void stream_closed() {
        std::lock_guard lock(mutex_);
        ++closed_;
        ::SetEvent(ready_.get());
    }
    std::deque<Chunk> take(int& closed) {
        std::lock_guard lock(mutex_);
        ::ResetEvent(ready_.get());
        closed = closed_;
        return std::exchange(chunks_, {});
    }

private:
    UniqueHandle ready_;
    std::mutex mutex_;
    std::deque<Chunk> chunks_;
    int closed_ = 0;
};

// Publishes a real handle to its own thread in `self` (for CancelSynchronousIo; the caller
// closes it after join: std::thread::native_handle() is not a HANDLE with every runtime).
void read_pipe(HANDLE pipe, OutputStream stream, ChunkQueue& queue, const std::atomic<bool>& stop,
               std::atomic<HANDLE>& self) {
    HANDLE me = nullptr;
    if (::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentThread(), ::GetCurrentProcess(), &me,
                          0, FALSE, DUPLICATE_SAME_ACCESS)) {
        self.store(me);
    }
    std::string buffer(kReadChunk, '\0');
    while (!stop.load()) {
        DWORD n = 0;
        // Fails with ERROR_BROKEN_PIPE at EOF, ERROR_OPERATION_ABORTED after CancelSynchronousIo.
        if (!::ReadFile(pipe, buffer.data(), kReadChunk, &n, nullptr) || n == 0) break;
        queue.push({stream, buffer.substr(0, n)});
    }
    queue.stream_closed();
}

// The processes in the job still running, but the console hosts (conhost.exe) Windows starts for
// console programs: what the program itself left running. The direct child, once it has exited,
// is not one of them.
int left_processes(HANDLE job) {
    constexpr DWORD kMaxListed = 1024;
    std::vector<unsigned char> buffer(sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) +
                                      kMaxListed * sizeof(ULONG_PTR));
    auto* list = reinterpret_cast<JOBOBJECT_BASIC_PROCESS_ID_LIST*>(buffer.data());
    if (!::QueryInformationJobObject(job, JobObjectBasicProcessIdList, list,
                                     static_cast<DWORD>(buffer.size()), nullptr) &&
        ::GetLastError() != ERROR_MORE_DATA) {
        JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info{};
        if (!::QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info,
                                         sizeof info, nullptr))
            return 0;
        return static_cast<int>(info.ActiveProcesses);
    }
    int left = static_cast<int>(list->NumberOfAssignedProcesses - list->NumberOfProcessIdsInList);
    for (DWORD i = 0; i < list->NumberOfProcessIdsInList; ++i) {
        const auto pid = static_cast<DWORD>(list->ProcessIdList[i]);
        UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
        wchar_t image[MAX_PATH * 4];
        DWORD size = static_cast<DWORD>(std::size(image));
        if (process && ::QueryFullProcessImageNameW(process.get(), 0, image, &size)) {
            std::wstring_view name(image, size);
            name.remove_prefix(std::min(name.size(), name.find_last_of(L"\\/") + 1));
            if (::CompareStringOrdinal(name.data(), static_cast<int>(name.size()), L"conhost.exe",
                                       -1, TRUE) == CSTR_EQUAL)
                continue;
        }
        ++left;
    }
    return left;
}

bool make_pipe(UniqueHandle& parent_read, UniqueHandle& child_write) {
    SECURITY_ATTRIBUTES sa{sizeof(sa), nullptr, TRUE};
    HANDLE read = nullptr;
    HANDLE write = nullptr;
    if (!::CreatePipe(&read, &write, &sa, 0)) return false;
    parent_read.reset(read);
    child_write.reset(write);
    // Only the child's end may be inherited (and only through the explicit handle list).
    return ::SetHandleInformation(read, HANDLE_FLAG_INHERIT, 0) != 0;
}

}  // namespace

std::string program_not_found_message(const std::string& name) {
    return "program not found: " + name;
}

std::optional<std::string> find_program(const std::string& name) {
    if (name.empty()) return std::nullopt;
    const std::wstring wide = widen(name);
    if (wide.find_first_of(L"/\\") != std::wstring::npos) {
        if (is_executable_file(wide)) return name;
        if (is_executable_file(wide + L".exe")) return name + ".exe";
        return std::nullopt;
    }
    // SearchPathW with an explicit PATH (not the default search order, which starts in the
    // application and current directories).
    const DWORD path_len = ::GetEnvironmentVariableW(L"PATH", nullptr, 0);
    if (path_len == 0) return std::nullopt;
    std::wstring path(path_len, L'\0');
    path.resize(::GetEnvironmentVariableW(L"PATH", path.data(), path_len));
    for (const wchar_t* extension : {L".exe", L".com"}) {
        wchar_t found[MAX_PATH * 4];
        const DWORD n = ::SearchPathW(path.c_str(), wide.c_str(), extension,
                                      static_cast<DWORD>(std::size(found)), found, nullptr);
        if (n > 0 && n < std::size(found)) return narrow(std::wstring_view(found, n));
    }
    return std::nullopt;
}

ProcessResult run_found_program(const ProcessRequest& request, const CancelToken& cancel,
                                const OutputCallback& on_output, const std::string& found) {
    const std::string& program = request.argv.front();
    const std::string& exe = found;
    if (request.run_as_uid)
        return not_started("running a step as the caller is not supported on Windows: " + program);
    // cmd.exe re-parses the command line of a batch file with different rules: arguments could
    // turn into commands. Steps that need a script must run cmd.exe or powershell.exe explicitly.
    {
        std::string lower = exe;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower.ends_with(".bat") || lower.ends_with(".cmd")) {
            return not_started("batch files are not run directly: " + program);
        }
    }

    const auto started_at = Clock::now();
    const std::wstring application = widen(exe);
    std::wstring command_line;
    for (const auto& arg : request.argv) append_quoted(command_line, widen(arg));
    std::wstring environment = environment_block(request.extra_env);
    const std::wstring working_dir = widen(request.working_dir);

    UniqueHandle out_read, out_write, err_read, err_write;
    if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)) {
        return not_started("cannot create a pipe: " + system_message(::GetLastError()));
    }
    SECURITY_ATTRIBUTES inheritable{sizeof(inheritable), nullptr, TRUE};
    UniqueHandle null_in(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                       &inheritable, OPEN_EXISTING, 0, nullptr));
    if (!null_in) return not_started("cannot open NUL: " + system_message(::GetLastError()));

    UniqueHandle job(::CreateJobObjectW(nullptr, nullptr));
    if (!job) return not_started("cannot create a job object: " + system_message(::GetLastError()));
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    ::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits,
                              sizeof(limits));

    // Inherit exactly the three stdio handles, nothing else the process has open.
    HANDLE inherited[] = {null_in.get(), out_write.get(), err_write.get()};
    SIZE_T attr_size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attr_size);
    std::vector<char> attr_storage(attr_size);
    auto* attrs = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attr_storage.data());
    if (!::InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) ||
        !::UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                     sizeof(inherited), nullptr, nullptr)) {
        return not_started("cannot prepare the process: " + system_message(::GetLastError()));
    }
    struct AttrListGuard {
        LPPROC_THREAD_ATTRIBUTE_LIST list;
        ~AttrListGuard() { ::DeleteProcThreadAttributeList(list); }
    } attr_guard{attrs};

    STARTUPINFOEXW startup{};
    startup.StartupInfo.cb = sizeof(startup);
    startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    startup.StartupInfo.hStdInput = null_in.get();
    startup.StartupInfo.hStdOutput = out_write.get();
    startup.StartupInfo.hStdError = err_write.get();
    startup.lpAttributeList = attrs;

    PROCESS_INFORMATION info{};
    const DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW |
                        EXTENDED_STARTUPINFO_PRESENT | CREATE_NEW_PROCESS_GROUP;
    if (!::CreateProcessW(application.c_str(), command_line.data(), nullptr, nullptr, TRUE, flags,
                          environment.data(), working_dir.empty() ? nullptr : working_dir.c_str(),
                          &startup.StartupInfo, &info)) {
        return not_started("could not start " + exe + ": " + system_message(::GetLastError()));
    }
    UniqueHandle process(info.hProcess);
    UniqueHandle thread(info.hThread);
    if (!::AssignProcessToJobObject(job.get(), process.get())) {
        const DWORD error = ::GetLastError();
        ::TerminateProcess(process.get(), kTerminatedExitCode);
        return not_started("could not start " + exe + ": " + system_message(error));
    }
    ::ResumeThread(thread.get());
    thread.reset();
    // Our copies of the child's ends: EOF arrives when the child side closes them.
    null_in.reset();
    out_write.reset();
    err_write.reset();

    ProcessResult result;
    result.started = true;
    BoundedOutput out_kept(request.output_cap);
    BoundedOutput err_kept(request.output_cap);
    ChunkQueue queue;
    std::atomic<bool> stop_reading{false};
    std::atomic<HANDLE> out_reader_handle{nullptr};
    std::atomic<HANDLE> err_reader_handle{nullptr};
    std::thread out_reader(read_pipe, out_read.get(), OutputStream::out, std::ref(queue),
                           std::cref(stop_reading), std::ref(out_reader_handle));
    std::thread err_reader(read_pipe, err_read.get(), OutputStream::err, std::ref(queue),
                           std::cref(stop_reading), std::ref(err_reader_handle));

    const auto deadline =
        request.timeout.count() > 0 ? started_at + request.timeout : Clock::time_point::max();
    std::optional<Clock::time_point> drain_end;
    bool exited = false;
    bool terminated = false;
    bool checked_left = false;
    int closed = 0;
    std::exception_ptr callback_error;

    auto terminate_job = [&] {
        ::TerminateJobObject(job.get(), kTerminatedExitCode);
        terminated = true;
        result.killed = true;
    };

    for (;;) {
        HANDLE waits[] = {process.get(), queue.ready()};
        const DWORD n_waits = exited ? 1 : 2;
        HANDLE* first = exited ? &waits[1] : &waits[0];
        ::WaitForMultipleObjects(n_waits, first, FALSE, kPollMs);

        for (auto& chunk : queue.take(closed)) {
            auto& kept = chunk.stream == OutputStream::out ? out_kept : err_kept;
            kept.append(chunk.data);
            if (on_output && !callback_error) {
                try {
                    on_output(chunk.stream, chunk.data);
                } catch (...) {
                    callback_error = std::current_exception();
                }
            }
        }
        if (callback_error && !terminated) terminate_job();

        if (!exited) exited = ::WaitForSingleObject(process.get(), 0) == WAIT_OBJECT_0;
        const auto now = Clock::now();
        if (!terminated) {
            if (cancel.cancelled()) {
                result.cancelled = true;
                terminate_job();
            } else if (now >= deadline) {
                result.timed_out = true;
                terminate_job();
            } else if (exited && !request.detach && !checked_left) {
                // What the program started and left running ends with the step
                // (ProcessRequest::detach keeps it).
                checked_left = true;
                if (const int left = left_processes(job.get()); left > 0) {
                    result.left_running = left;
                    terminate_job();
                }
            }
        }
        if (exited && closed == 2) break;
        if (exited) {
            // Descendants may still hold the pipes: read a little longer, then stop listening.
            if (!drain_end) drain_end = now + kDrainAfterExit;
            if (now >= *drain_end) {
                // Stop the readers. CancelSynchronousIo only hits a ReadFile in progress, so
                // repeat it until both have noticed; the pipe handles stay open meanwhile (closing
                // a handle another thread may still pass to ReadFile invites handle reuse).
                stop_reading = true;
                while (closed < 2) {
                    for (HANDLE h : {out_reader_handle.load(), err_reader_handle.load()}) {
                        if (h != nullptr) ::CancelSynchronousIo(h);
                    }
                    ::WaitForSingleObject(queue.ready(), 10);
                    for (auto& chunk : queue.take(closed)) {
                        (chunk.stream == OutputStream::out ? out_kept : err_kept)
                            .append(chunk.data);
                    }
                }
                break;
            }
        }
    }
    out_reader.join();
    err_reader.join();
    for (HANDLE h : {out_reader_handle.load(), err_reader_handle.load()}) {
        if (h != nullptr) ::CloseHandle(h);
    }

    DWORD code = 0;
    if (::GetExitCodeProcess(process.get(), &code) && code != STILL_ACTIVE) {
        result.exit_code = static_cast<int>(code);
    }
    if (!terminated && request.detach) {
        // A detached step's processes outlive it: closing the job must not kill them.
        limits.BasicLimitInformation.LimitFlags = 0;
        ::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits,
                                  sizeof(limits));
    }
    job.reset();

    result.out = out_kept.str();
    result.err = err_kept.str();
    result.out_bytes = out_kept.total();
    result.err_bytes = err_kept.total();
    result.out_truncated = out_kept.truncated();
    result.err_truncated = err_kept.truncated();
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at);
    if (callback_error) std::rethrow_exception(callback_error);
    return result;
}

}  // namespace fixtray
