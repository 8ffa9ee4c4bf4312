// Under Wine: SystemProcessRunner's Windows side (platform/win32/system_process_runner.cpp: job
// objects, pipes, timeouts, cancel, what a step leaves running) and the process finder
// (platform/win32/process_platform.cpp), with wine_helper.exe and cmd.exe as the steps.
#include <doctest/doctest.h>
#include <windows.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "base/cancel_token.h"
#include "platform/process_platform.h"
#include "platform/process_runner.h"
#include "platform/win32/win32_text.h"

using namespace fixtray;
using namespace std::chrono_literals;

namespace {

std::string here() {
    wchar_t self[MAX_PATH * 4];
    const DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH * 4);
    std::wstring path(self, n);
    return win32::narrow(path.substr(0, path.find_last_of(L"\\/")));
}

std::string helper() {
    return here() + "\\wine_helper.exe";
}

ProcessRequest request(std::vector<std::string> args) {
    ProcessRequest r;
    r.argv = {helper()};
    r.argv.insert(r.argv.end(), args.begin(), args.end());
    r.timeout = 60s;
    return r;
}

ProcessResult run(const ProcessRequest& r) {
    SystemProcessRunner runner;
    CancelToken cancel;
    return runner.run(r, cancel);
}

std::string temp_file(const char* name) {
    wchar_t base[MAX_PATH];
    ::GetTempPathW(MAX_PATH, base);
    return win32::narrow(base) + name + std::to_string(::GetCurrentProcessId());
}

unsigned long read_pid(const std::string& file) {
    FILE* f = ::_wfopen(win32::widen(file).c_str(), L"r");
    if (f == nullptr) return 0;
    unsigned long pid = 0;
    if (std::fscanf(f, "%lu", &pid) != 1) pid = 0;
    std::fclose(f);
    ::DeleteFileW(win32::widen(file).c_str());
    return pid;
}

// Whether the process has ended within `wait`.
bool ended(unsigned long pid, DWORD wait = 5000) {
    HANDLE h = ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h == nullptr) return true;  // no such process any more
    const bool gone = ::WaitForSingleObject(h, wait) == WAIT_OBJECT_0;
    ::CloseHandle(h);
    return gone;
}

void end_process(unsigned long pid) {
    if (HANDLE h = ::OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid)) {
        ::TerminateProcess(h, 1);
        ::WaitForSingleObject(h, 5000);
        ::CloseHandle(h);
    }
}

}  // namespace

TEST_CASE("win32 runner: stdout, stderr and the exit code of a program") {
    ProcessResult r = run(request({"err", "to stderr"}));
    REQUIRE_MESSAGE(r.started, r.error);
    CHECK(r.exited());
    CHECK(r.exit_code == 0);
    CHECK(r.err == "to stderr");
    CHECK(r.out.empty());

    r = run(request({"exit", "7"}));
    CHECK(r.exited());
    CHECK(r.exit_code == 7);
    CHECK_FALSE(r.killed);
    CHECK(r.left_running == 0);
}

TEST_CASE("win32 runner: cmd.exe, found on PATH, runs a command") {
    ProcessRequest r;
    r.argv = {"cmd.exe", "/c", "echo", "hello"};
    r.timeout = 60s;
    const ProcessResult result = run(r);
    REQUIRE_MESSAGE(result.started, result.error);
    CHECK(result.exit_code == 0);
    CHECK(result.out.rfind("hello", 0) == 0);
    CHECK(find_program("cmd").has_value());
}

TEST_CASE("win32 runner: arguments arrive as given, quotes and backslashes included") {
    const std::vector<std::string> args = {
        "plain",      "with space",         "",          "quote\"inside",
        "trailing\\", "back\\\\slash\\\"q", "tab\there", "\xc3\xbcml\xc3\xa4ut"};
    std::vector<std::string> argv = {"args"};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult r = run(request(argv));
    REQUIRE_MESSAGE(r.started, r.error);
    std::string expected;
    for (const auto& a : args) expected += a + "\n";
    CHECK(r.out == expected);
}

TEST_CASE("win32 runner: stdin is at its end at once, extra_env and working_dir arrive") {
    CHECK(run(request({"stdin"})).out == "0");

    ProcessRequest env = request({"env", "FIXTRAY_WINE_TEST"});
    env.extra_env["FIXTRAY_WINE_TEST"] = "value \xc3\xa9";
    CHECK(run(env).out == "value \xc3\xa9");

    wchar_t windir[MAX_PATH];
    const UINT n = ::GetWindowsDirectoryW(windir, MAX_PATH);
    ProcessRequest cwd = request({"cwd"});
    cwd.working_dir = win32::narrow(std::wstring(windir, n));
    const ProcessResult r = run(cwd);
    CHECK(r.out == cwd.working_dir);
}

TEST_CASE("win32 runner: megabytes of output are drained and kept within the cap") {
    ProcessRequest r = request({"out", "5000000"});
    r.output_cap = 64 * 1024;
    std::size_t seen = 0;
    SystemProcessRunner runner;
    CancelToken cancel;
    const ProcessResult result = runner.run(r, cancel, [&](OutputStream s, std::string_view c) {
        if (s == OutputStream::out) seen += c.size();
    });
    REQUIRE(result.started);
    CHECK(result.exit_code == 0);
    CHECK(result.out_bytes == 5000000);
    CHECK(seen == 5000000);
    CHECK(result.out_truncated);
    CHECK(result.out.size() < 70 * 1024);
}

TEST_CASE("win32 runner: a timeout ends the program and the process it started") {
    const std::string pid_file = temp_file("fixtray-grandchild-timeout-");
    ProcessRequest r = request({"grandchild", pid_file, "600000"});
    r.timeout = 2000ms;
    const auto start = std::chrono::steady_clock::now();
    const ProcessResult result = run(r);
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_MESSAGE(result.started, result.error);
    CHECK(result.timed_out);
    CHECK(result.killed);
    CHECK_FALSE(result.exited());
    CHECK(took < 20s);
    const unsigned long grandchild = read_pid(pid_file);
    REQUIRE(grandchild != 0);
    CHECK(ended(grandchild));
    if (!ended(grandchild, 0)) end_process(grandchild);
}

TEST_CASE("win32 runner: a cancel ends the program and the process it started") {
    const std::string pid_file = temp_file("fixtray-grandchild-cancel-");
    ProcessRequest r = request({"grandchild", pid_file, "600000"});
    SystemProcessRunner runner;
    CancelToken cancel;
    std::thread canceller([&] {
        std::this_thread::sleep_for(1500ms);
        cancel.cancel();
    });
    const ProcessResult result = runner.run(r, cancel);
    canceller.join();
    REQUIRE_MESSAGE(result.started, result.error);
    CHECK(result.cancelled);
    CHECK_FALSE(result.timed_out);
    CHECK(result.out.rfind("started", 0) == 0);
    const unsigned long grandchild = read_pid(pid_file);
    REQUIRE(grandchild != 0);
    CHECK(ended(grandchild));
    if (!ended(grandchild, 0)) end_process(grandchild);

    CancelToken already;
    already.cancel();
    const ProcessResult never = runner.run(request({"sleep", "1"}), already);
    CHECK_FALSE(never.started);
    CHECK(never.cancelled);
}

TEST_CASE("win32 runner: what a program leaves running is ended, unless the step detaches") {
    const std::string pid_file = temp_file("fixtray-grandchild-left-");
    const ProcessResult left = run(request({"grandchild", pid_file, "0"}));
    REQUIRE_MESSAGE(left.started, left.error);
    CHECK(left.exit_code == 0);
    CHECK(left.left_running == 1);
    const unsigned long ended_one = read_pid(pid_file);
    REQUIRE(ended_one != 0);
    CHECK(ended(ended_one));
    if (!ended(ended_one, 0)) end_process(ended_one);

    ProcessRequest detach = request({"grandchild", pid_file, "0"});
    detach.detach = true;
    const ProcessResult kept = run(detach);
    REQUIRE(kept.started);
    CHECK(kept.exit_code == 0);
    CHECK(kept.left_running == 0);
    const unsigned long alive = read_pid(pid_file);
    REQUIRE(alive != 0);
    CHECK_FALSE(ended(alive, 1000));  // still there after the run, its job closed
    end_process(alive);
}

TEST_CASE("win32 runner: a missing program or a batch file is not started") {
    ProcessRequest missing;
    missing.argv = {"no-such-program-fixtray"};
    ProcessResult r = run(missing);
    CHECK_FALSE(r.started);
    CHECK(r.error == "program not found: no-such-program-fixtray");

    const std::string bat = temp_file("fixtray-wine-") + ".bat";
    FILE* f = ::_wfopen(win32::widen(bat).c_str(), L"w");
    REQUIRE(f != nullptr);
    std::fputs("@echo hi\r\n", f);
    std::fclose(f);
    ProcessRequest batch;
    batch.argv = {bat};
    r = run(batch);
    ::DeleteFileW(win32::widen(bat).c_str());
    CHECK_FALSE(r.started);
    CHECK(r.error.rfind("batch files are not run directly", 0) == 0);
}

TEST_CASE("win32 process finder: finds a running program by name and ends it") {
    CHECK_FALSE(process_platform::check_name("a\\b").ok());
    CHECK(process_platform::check_name("wine_helper").ok());

    const std::wstring exe = win32::widen(helper());
    std::wstring command = L"\"" + exe + L"\" sleep 600000";
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION info{};
    // No console: see wine_helper.cpp (grandchild).
    REQUIRE(::CreateProcessW(exe.c_str(), command.data(), nullptr, nullptr, FALSE, DETACHED_PROCESS,
                             nullptr, nullptr, &startup, &info));
    ::CloseHandle(info.hThread);
    auto found = process_platform::find_processes("wine_helper", false);
    bool ours = false;
    for (auto& p : found) {
        if (p->pid() != static_cast<long>(info.dwProcessId)) continue;
        ours = true;
        CHECK(p->running());
        CHECK(p->ask_to_end().ok());  // no windows: nothing to close, not an error
        CHECK(p->force_end().ok());
        CHECK(::WaitForSingleObject(info.hProcess, 5000) == WAIT_OBJECT_0);
        CHECK_FALSE(p->running());
    }
    CHECK(ours);
    if (!ours) ::TerminateProcess(info.hProcess, 1);
    ::CloseHandle(info.hProcess);
    CHECK(std::string(process_platform::forced_end_word) == "terminated");
}
