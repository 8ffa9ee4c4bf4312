// SystemProcessRunner against real processes (/bin/sh, sleep, head, cat...), plus BoundedOutput.
#include <doctest/doctest.h>

#include "base/bounded_output.h"
#include "base/cancel_token.h"
#include "platform/posix/cgroup2.h"
#include "platform/process_runner.h"
#include "support/test_helpers.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace fixtray;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

ProcessRequest shell(const std::string& script) {
    ProcessRequest request;
    request.argv = {"/bin/sh", "-c", script};
    request.timeout = 5s;
    request.kill_grace = 500ms;
    return request;
}

ProcessResult run(const ProcessRequest& request, const OutputCallback& on_output = {}) {
    SystemProcessRunner runner;
    CancelToken cancel;
    return runner.run(request, cancel, on_output);
}

// A fresh, empty directory under the system temp dir; removed at scope exit.
struct TempDir {
    TempDir() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("fixtray-runner-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path path;
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// True once the process is gone or a zombie (dead, waiting for a reaper), polling up to 2 s.
bool process_ends(pid_t pid) {
    const auto until = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < until) {
        const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
        if (stat.empty()) return true;
        const auto paren = stat.rfind(')');
        if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') {
            return true;
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

// Our children that have exited but were never reaped (a leak of the runner).
int zombie_children() {
    int zombies = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string stat = read_file(entry.path() / "stat");
        const auto paren = stat.rfind(')');
        if (paren == std::string::npos || paren + 2 >= stat.size()) continue;
        // After ") ": state, then ppid.
        const char state = stat[paren + 2];
        const long ppid = std::strtol(stat.c_str() + paren + 4, nullptr, 10);
        if (state == 'Z' && ppid == static_cast<long>(::getpid())) ++zombies;
    }
    return zombies;
}

}  // namespace

// Exit codes 0, 1 and 3 are reported as normal exits.
TEST_CASE("process runner: exit codes") {
    ProcessRequest request;
    request.argv = {"true"};
    auto result = run(request);
    CHECK(result.started);
    CHECK(result.exited());
    CHECK(result.exit_code == 0);
    CHECK(result.term_signal == 0);

    request.argv = {"/bin/false"};
    CHECK(run(request).exit_code == 1);

    result = run(shell("exit 3"));
    CHECK(result.exited());
    CHECK(result.exit_code == 3);
    CHECK_FALSE(result.timed_out);
    CHECK_FALSE(result.killed);
    CHECK_FALSE(result.cancelled);
}

// A program that is not on PATH, or a path that does not exist, is a value, not an exception.
TEST_CASE("process runner: missing program") {
    ProcessRequest request;
    request.argv = {"fixtray-no-such-program"};
    auto result = run(request);
    CHECK_FALSE(result.started);
    CHECK(result.error == "program not found: fixtray-no-such-program");

    request.argv = {"/nonexistent/fixtray-tool", "--flag"};
    result = run(request);
    CHECK_FALSE(result.started);
    CHECK(result.error == "program not found: /nonexistent/fixtray-tool");

    request.argv = {};
    CHECK_FALSE(run(request).started);
}

// A directory or a file without the execute bit is not "not found": the message says what it is.
TEST_CASE("process runner: a directory or a file that is not executable says so") {
    test::TempDir tmp;
    std::filesystem::create_directories(tmp / "tool-dir");
    test::write_file(tmp / "tool-file", "#!/bin/sh\necho hi\n");
    ::chmod((tmp / "tool-file").c_str(), 0644);
    ProcessRequest request;
    request.argv = {tmp / "tool-dir"};
    auto result = run(request);
    CHECK_FALSE(result.started);
    CHECK(result.error == "cannot run " + (tmp / "tool-dir") + ": it is a directory");

    request.argv = {tmp / "tool-file"};
    result = run(request);
    CHECK_FALSE(result.started);
    CHECK(result.error ==
          "cannot run " + (tmp / "tool-file") + ": it is not executable (no execute permission)");

    // A name looked up on PATH that finds only a directory and a plain file.
    std::filesystem::create_directories(tmp / "bin1/fixtray-odd-tool");
    std::filesystem::create_directories(tmp / "bin2");
    test::write_file(tmp / "bin2/fixtray-odd-tool", "data");
    const char* old_path = std::getenv("PATH");
    const std::string saved = old_path ? old_path : "";
    ::setenv("PATH", (tmp.str() + "/bin1:" + tmp.str() + "/bin2").c_str(), 1);
    request.argv = {"fixtray-odd-tool"};
    result = run(request);
    ::setenv("PATH", saved.c_str(), 1);
    CHECK_FALSE(result.started);
    CHECK(result.error == "program not found: fixtray-odd-tool (" +
                              (tmp / "bin1/fixtray-odd-tool") +
                              " is on PATH, but it is a directory)");
}

// An executable file the kernel cannot run fails to start with the system's reason.
TEST_CASE("process runner: exec failure is reported, not thrown") {
    TempDir dir;
    const auto bogus = dir.path / "bogus";
    std::ofstream(bogus) << '\x01' << '\x02' << "not a program";
    fs::permissions(bogus, fs::perms::owner_all);
    ProcessRequest request;
    request.argv = {bogus.string()};
    const auto result = run(request);
    CHECK_FALSE(result.started);
    CHECK(result.error.find("could not start") != std::string::npos);
    CHECK(zombie_children() == 0);
}

// find_program resolves through PATH and accepts paths with a slash as they are.
TEST_CASE("process runner: find_program") {
    const auto sh = find_program("sh");
    REQUIRE(sh);
    CHECK(sh->front() == '/');
    CHECK(find_program("/bin/sh") == std::optional<std::string>("/bin/sh"));
    CHECK_FALSE(find_program("fixtray-no-such-program"));
    CHECK_FALSE(find_program(""));
    CHECK_FALSE(find_program("/etc/hostname-fixtray-missing"));
}

// stdout and stderr are captured separately and completely when small.
TEST_CASE("process runner: stdout and stderr are separate") {
    const auto result = run(shell("echo out; echo err >&2; printf tail"));
    CHECK(result.exit_code == 0);
    CHECK(result.out == "out\ntail");
    CHECK(result.err == "err\n");
    CHECK(result.out_bytes == 8);
    CHECK(result.err_bytes == 4);
    CHECK_FALSE(result.out_truncated);
    CHECK_FALSE(result.err_truncated);
}

// 5 MB on stdout and 3 MB on stderr at once: no deadlock, exact totals, head and tail kept.
TEST_CASE("process runner: megabytes of output are bounded") {
    auto request = shell(
        "echo START; head -c 3000000 /dev/zero >&2 & head -c 5000000 /dev/zero; wait; "
        "echo END");
    request.output_cap = 1024;
    const auto result = run(request);
    REQUIRE(result.started);
    CHECK(result.exit_code == 0);
    CHECK_FALSE(result.timed_out);
    CHECK(result.out_bytes == 6 + 5'000'000 + 4);
    CHECK(result.err_bytes == 3'000'000);
    CHECK(result.out_truncated);
    CHECK(result.err_truncated);
    CHECK(result.out.rfind("START\n", 0) == 0);
    CHECK(result.out.size() >= 4);
    CHECK(result.out.substr(result.out.size() - 4) == "END\n");
    const std::string marker =
        "\n[... " + std::to_string(result.out_bytes - 1024) + " bytes omitted ...]\n";
    CHECK(result.out.find(marker) == 512);
    CHECK(result.out.size() == 1024 + marker.size());
    CHECK(result.duration < 3s);
}

// A hung step is ended at its timeout, grandchildren included.
TEST_CASE("process runner: timeout kills the whole group") {
    TempDir dir;
    const auto pid_file = dir.path / "grandchild.pid";
    auto request =
        shell("echo before; sleep 1000 & echo $! > '" + pid_file.string() + "'; sleep 1000");
    request.timeout = 300ms;
    request.kill_grace = 1s;
    const auto result = run(request);
    REQUIRE(result.started);
    CHECK(result.timed_out);
    CHECK_FALSE(result.cancelled);
    CHECK_FALSE(result.killed);       // everything obeyed SIGTERM
    CHECK(result.out == "before\n");  // output up to the timeout is kept
    CHECK(result.term_signal == SIGTERM);
    CHECK_FALSE(result.exited());
    CHECK(result.duration >= 300ms);
    CHECK(result.duration < 1500ms);

    const std::string pid_text = read_file(pid_file);
    REQUIRE_FALSE(pid_text.empty());
    CHECK(process_ends(static_cast<pid_t>(std::stol(pid_text))));
}

// A step that ignores SIGTERM is SIGKILLed after the grace period.
TEST_CASE("process runner: SIGTERM ignored leads to SIGKILL") {
    TempDir dir;
    const auto pid_file = dir.path / "grandchild.pid";
    auto request =
        shell("trap '' TERM; sleep 1000 & echo $! > '" + pid_file.string() + "'; sleep 1000");
    request.timeout = 200ms;
    request.kill_grace = 300ms;
    const auto result = run(request);
    REQUIRE(result.started);
    CHECK(result.timed_out);
    CHECK(result.killed);
    CHECK(result.term_signal == SIGKILL);
    CHECK(result.duration >= 500ms);
    CHECK(result.duration < 2s);
    const std::string pid_text = read_file(pid_file);
    REQUIRE_FALSE(pid_text.empty());
    CHECK(process_ends(static_cast<pid_t>(std::stol(pid_text))));
}

// Cancelling from another thread ends the run quickly, far below its timeout.
TEST_CASE("process runner: cancel from another thread") {
    SystemProcessRunner runner;
    CancelToken cancel;
    ProcessRequest request;
    request.argv = {"sleep", "30"};
    request.timeout = 20s;
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        cancel.cancel();
    });
    const auto result = runner.run(request, cancel);
    canceller.join();
    CHECK(result.started);
    CHECK(result.cancelled);
    CHECK_FALSE(result.timed_out);
    CHECK_FALSE(result.killed);
    CHECK(result.term_signal == SIGTERM);
    CHECK(result.duration < 1s);

    // A token cancelled before the call starts nothing.
    const auto again = runner.run(request, cancel);
    CHECK_FALSE(again.started);
    CHECK(again.cancelled);
}

// stdin is at EOF: cat ends at once instead of waiting for input.
TEST_CASE("process runner: stdin is closed") {
    ProcessRequest request;
    request.argv = {"cat"};
    request.timeout = 5s;
    const auto result = run(request);
    CHECK(result.exited());
    CHECK(result.exit_code == 0);
    CHECK(result.out.empty());
    CHECK(result.duration < 1s);
}

// The child leads its own process group.
TEST_CASE("process runner: own process group") {
    const auto result = run(shell("echo $$; ps -o pgid= $$"));
    REQUIRE(result.exit_code == 0);
    const auto newline = result.out.find('\n');
    REQUIRE(newline != std::string::npos);
    const long pid = std::stol(result.out.substr(0, newline));
    const long pgid = std::stol(result.out.substr(newline + 1));
    CHECK(pgid == pid);
    CHECK(pgid != static_cast<long>(::getpgrp()));
}

// Only stdio crosses into the child, even descriptors we opened without O_CLOEXEC.
TEST_CASE("process runner: no inherited descriptors") {
    const int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
    REQUIRE(leaky >= 0);
    // ls lists the descriptors of the shell (its parent), so its own directory fd is not shown.
    const auto result = run(shell("ls /proc/$$/fd"));
    ::close(leaky);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "0\n1\n2\n");
}

// extra_env is added to the inherited environment; working_dir is honoured.
TEST_CASE("process runner: extra_env and working_dir") {
    TempDir dir;
    auto request = shell("echo \"$FIXTRAY_A|$FIXTRAY_B\"; pwd; test -n \"$PATH\" && echo path");
    request.extra_env = {{"FIXTRAY_A", "one"}, {"FIXTRAY_B", "two words"}};
    request.working_dir = dir.path.string();
    const auto result = run(request);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "one|two words\n" + fs::canonical(dir.path).string() + "\npath\n");

    request.working_dir = (dir.path / "missing").string();
    const auto missing = run(request);
    CHECK_FALSE(missing.started);
    CHECK(missing.error.find("working directory") != std::string::npos);
}

// A relative program path is resolved against our directory, not working_dir.
TEST_CASE("process runner: relative program path with working_dir") {
    TempDir dir;
    const auto cwd = fs::current_path();
    fs::current_path("/bin");
    ProcessRequest request;
    request.argv = {"./sh", "-c", "pwd"};
    request.working_dir = dir.path.string();
    const auto result = run(request);
    fs::current_path(cwd);
    CHECK(result.exit_code == 0);
    CHECK(result.out == fs::canonical(dir.path).string() + "\n");
}

// Four threads run steps at once on one runner: each gets its own output, and no child
// inherits a pipe of a step being started on another thread at the same moment.
TEST_CASE("process runner: concurrent runs") {
    SystemProcessRunner runner;
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    std::atomic<long long> slowest_ms{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            CancelToken cancel;
            for (int i = 0; i < 8; ++i) {
                const std::string tag = "thread " + std::to_string(t) + " run " + std::to_string(i);
                // No pipeline in the script: the shell briefly holds a pipeline's own pipe fds.
                auto request =
                    shell("echo " + tag + "; ls /proc/$$/fd; head -c 100000 /dev/zero >&2");
                const auto result = runner.run(request, cancel);
                if (result.exit_code == 0 && result.out == tag + "\n0\n1\n2\n" &&
                    result.err_bytes == 100000) {
                    ++good;
                }
                long long ms = result.duration.count();
                long long seen = slowest_ms.load();
                while (ms > seen && !slowest_ms.compare_exchange_weak(seen, ms)) {
                }
            }
        });
    }
    // Meanwhile a longer step runs on this thread.
    auto long_step = shell("sleep 1; echo slept");
    const auto long_result = runner.run(long_step, CancelToken{});
    for (auto& thread : threads) thread.join();
    CHECK(long_result.out == "slept\n");
    CHECK(good.load() == 32);
    CHECK(slowest_ms.load() < 2000);  // loose: nobody waited for another step's child
}

// on_output sees every byte of both streams, in order.
TEST_CASE("process runner: on_output receives all bytes") {
    auto request = shell(
        "i=0; while [ $i -lt 2000 ]; do echo line $i; echo err $i >&2; "
        "i=$((i+1)); done; head -c 300000 /dev/zero");
    request.output_cap = 256;
    std::string out_seen;
    std::size_t err_seen = 0;
    const auto result = run(request, [&](OutputStream stream, std::string_view chunk) {
        if (stream == OutputStream::out) {
            out_seen.append(chunk);
        } else {
            err_seen += chunk.size();
        }
    });
    CHECK(result.exit_code == 0);
    CHECK(out_seen.size() == result.out_bytes);
    CHECK(err_seen == result.err_bytes);
    CHECK(out_seen.rfind("line 0\nline 1\n", 0) == 0);
    CHECK(out_seen.find("line 1999\n") != std::string::npos);
    CHECK(result.out_truncated);
}

// An exception from on_output propagates to the caller after the step is killed.
TEST_CASE("process runner: on_output exception propagates") {
    auto request = shell("echo hello; sleep 30");
    request.timeout = 20s;
    const auto started = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(
        run(request,
            [](OutputStream, std::string_view) { throw std::runtime_error("observer failed"); }),
        std::runtime_error);
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    CHECK(zombie_children() == 0);
}

// A step that exits while a background child keeps its stdout open ends soon after it exits.
TEST_CASE("process runner: background child holding output does not hang the step") {
    auto request = shell("sleep 3 & echo done");
    request.timeout = 10s;
    const auto result = run(request);
    CHECK(result.exited());
    CHECK(result.out == "done\n");
    CHECK(result.duration < 1500ms);
}

// Issue 12, item 1: what a step leaves running after a normal exit ends with it (in its group,
// or gone from it with setsid), unless the request says detach.
TEST_CASE(
    "process runner: what a program leaves running after it exits is ended, unless detached") {
    TempDir dir;
    const fs::path in_group = dir.path / "in-group", away = dir.path / "away";
    const std::string script = "sleep 1000 & echo $! > '" + in_group.string() +
                               "'; setsid sh -c 'echo $$ > \"" + away.string() +
                               "\"; exec sleep 1000' >/dev/null 2>&1 & "
                               "while [ ! -s '" +
                               away.string() + "' ]; do sleep 0.01; done; echo done";
    auto request = shell(script);
    request.timeout = 10s;
    SUBCASE("ended") {
        const auto result = run(request);
        CHECK(result.exited());
        CHECK(result.exit_code == 0);
        CHECK(result.out == "done\n");
        CHECK(result.left_running == 2);
        CHECK_FALSE(result.timed_out);
        CHECK(process_ends(std::stoi(read_file(in_group))));
        CHECK(process_ends(std::stoi(read_file(away))));
        CHECK(result.duration < 2s);
    }
    SUBCASE("detached") {
        request.detach = true;
        const auto result = run(request);
        CHECK(result.exited());
        CHECK(result.left_running == 0);
        const pid_t a = std::stoi(read_file(in_group)), b = std::stoi(read_file(away));
        CHECK_FALSE(process_ends(a));  // still running after 2 s
        CHECK_FALSE(process_ends(b));
        ::kill(a, SIGKILL);
        ::kill(b, SIGKILL);
    }
    CHECK(zombie_children() == 0);
}

// A process that clears its environment (no marker) and leaves the step's group: only the
// step's cgroup finds it. As root (CI) the runner can always make one below its own cgroup.
TEST_CASE("process runner: a process with an empty environment outside the group is ended too") {
    if (::geteuid() != 0) {
        MESSAGE("not root: a step cgroup may not be possible here; skipped");
        return;
    }
    TempDir dir;
    const fs::path pid_file = dir.path / "pid";
    const std::string start = "env -i /usr/bin/setsid /bin/sh -c 'echo $$ > \"" +
                              pid_file.string() +
                              "\"; exec /bin/sleep 1000' >/dev/null 2>&1 & "
                              "while [ ! -s '" +
                              pid_file.string() + "' ]; do sleep 0.01; done; ";
    SUBCASE("after a normal exit") {
        const auto result = run(shell(start + "echo done"));
        CHECK(result.exited());
        CHECK(result.left_running == 1);
    }
    SUBCASE("at a timeout") {
        auto request = shell(start + "sleep 1000");
        request.timeout = 1s;
        const auto result = run(request);
        CHECK(result.timed_out);
    }
    const pid_t escaped = std::stoi(read_file(pid_file));
    const bool ended = process_ends(escaped);
    CHECK(ended);
    if (!ended) ::kill(escaped, SIGKILL);
    CHECK(zombie_children() == 0);
}

// BoundedOutput keeps everything up to the cap, then head + marker + tail.
TEST_CASE("bounded output: head and tail") {
    BoundedOutput small(10);
    small.append("abc");
    small.append("de");
    CHECK(small.str() == "abcde");
    CHECK_FALSE(small.truncated());

    BoundedOutput exact(10);
    exact.append("0123456789");
    CHECK(exact.str() == "0123456789");
    CHECK_FALSE(exact.truncated());

    BoundedOutput big(10);
    for (char c = 'a'; c <= 'z'; ++c) big.append(std::string(1, c));
    CHECK(big.total() == 26);
    CHECK(big.truncated());
    CHECK(big.omitted() == 16);
    CHECK(big.str() == "abcde\n[... 16 bytes omitted ...]\nvwxyz");

    BoundedOutput one_chunk(4);
    one_chunk.append("0123456789");
    CHECK(one_chunk.str() == "01\n[... 6 bytes omitted ...]\n89");

    BoundedOutput none(0);
    none.append("xyz");
    CHECK(none.str() == "\n[... 3 bytes omitted ...]\n");
}

TEST_CASE(
    "process runner: a step cgroup nobody holds is ended by the next run, one a runner in "
    "another PID namespace holds is not") {
    // Scenario: runners share a cgroup directory across PID namespaces (the admin helper moves
    // to a cgroup above its caller's; a test runs fixctl in a PID namespace). A step cgroup is
    // the runner's while it holds its lock, whatever PID its name carries; before, a runner
    // took a name's PID that does not exist in its own namespace for a dead runner and killed
    // another runner's step.
    REQUIRE_MESSAGE(::geteuid() == 0, "makes cgroups");
    const std::string own = posix::own_cgroup2().own_dir;
    REQUIRE_MESSAGE(!own.empty(), "no cgroup2 hierarchy on this machine");
    const std::string tag = std::to_string(::getpid());
    // A cgroup as a runner names it, made an hour ago, with a process in it.
    const auto step_cgroup = [&](const std::string& name) {
        const std::string dir = own + "/" + name;
        REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
        const auto started = test::run_command(
            {"sh", "-c",
             "sh -c 'echo $$ > \"$0/cgroup.procs\" && exec sleep 1000' \"$0\" >/dev/null 2>&1 & "
             "echo $!",
             dir});
        REQUIRE(test::run_command({"touch", "-d", "1 hour ago", dir}).exit_code == 0);
        return std::pair{dir, static_cast<pid_t>(std::stoi(started.out))};
    };
    const auto [gone, gone_pid] = step_cgroup("fixtray-step-gone" + tag + "-999999998-1");
    const auto [held, held_pid] = step_cgroup("fixtray-step-held" + tag + "-999999999-1");
    const int lock = ::open(held.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(lock >= 0);
    REQUIRE(::flock(lock, LOCK_EX) == 0);  // its runner, alive in a namespace of its own

    const auto result = run(shell("true"));
    CHECK(result.exit_code == 0);
    CHECK(process_ends(gone_pid));
    CHECK_FALSE(process_ends(held_pid));  // still running after 2 s

    ::kill(held_pid, SIGKILL);
    ::kill(gone_pid, SIGKILL);  // gone already, unless the check above failed
    process_ends(held_pid);
    ::close(lock);
    for (int i = 0; i < 100 && ::rmdir(held.c_str()) != 0 && errno == EBUSY; ++i)
        std::this_thread::sleep_for(20ms);
    ::rmdir(gone.c_str());
}
