// fixctl run under signals, from the outside: a real fixctl process, real signals. Whatever
// ends the run (Ctrl-C, kill, the terminal closing, the reader of its output going away), the
// steps end, what the repair changed is undone, and the run is on record.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// fixctl started in the background; its stdout is a pipe the test reads (or closes).
struct Fixctl {
    pid_t pid = -1;
    int out = -1;  // read end of fixctl's stdout
    int status = 0;
    bool reaped = false;

    Fixctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::dup2(fds[1], STDOUT_FILENO);
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, STDERR_FILENO);
            exec_fixctl(args, env);
        }
        ::close(fds[1]);
        out = fds[0];
    }
    ~Fixctl() {
        if (!reaped) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
    }
    void close_output() {
        ::close(out);
        out = -1;
    }
    // Reads (and drops) fixctl's output until it exits or `limit` passes; its exit code, or -1.
    int wait(std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            if (out >= 0) {
                const int flags = ::fcntl(out, F_GETFL);
                ::fcntl(out, F_SETFL, flags | O_NONBLOCK);
                while (::read(out, buf, sizeof buf) > 0) {
                }
            }
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                reaped = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }
};

bool wait_for_file(const fs::path& p, std::chrono::milliseconds limit = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!fs::exists(p)) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(100ms);  // the step is past its first command
    return true;
}

// The audit log's lines, parsed.
std::vector<nlohmann::json> audit(const fs::path& home) {
    std::vector<nlohmann::json> lines;
    const std::string text = read_file(home / ".local/state/fixtray/audit.jsonl");
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return lines;
}

// A fix whose repair marks the machine changed, then waits; its revert undoes the mark (and,
// with `slow_undo`, then waits too).
std::string changing_fix(const TempDir& dir, bool slow_undo) {
    const std::string d = dir.str();
    return pack_with_fix("<steps><run><arg>touch</arg><arg>" + d +
                         "/changed</arg></run>"
                         "<run timeout=\"60s\"><arg>sh</arg><arg>-c</arg><arg>touch " +
                         d +
                         "/waiting; sleep 60</arg></run></steps>"
                         "<revert><run timeout=\"60s\"><arg>sh</arg><arg>-c</arg><arg>rm -f " +
                         d + "/changed; touch " + d + "/undoing" + (slow_undo ? "; sleep 60" : "") +
                         "</arg></run></revert>");
}

}  // namespace

TEST_CASE("fixctl run: Ctrl-C during the repair undoes its changes, and the run is recorded") {
    // Scenario: the repair has changed something when Ctrl-C comes; before, the revert steps
    // did not run after a cancel and the machine stayed half changed.
    TempDir dir, home, packs;
    write_file(packs.path() / "p.xml", changing_fix(dir, false));
    Fixctl f({"--no-builtin", "--packs", packs.str(), "run", "t"}, isolated_env(home.path()));
    REQUIRE(wait_for_file(dir.path() / "waiting"));
    REQUIRE(fs::exists(dir.path() / "changed"));
    ::kill(f.pid, SIGINT);
    CHECK(f.wait(30s) == 130);
    CHECK_FALSE(fs::exists(dir.path() / "changed"));
    const auto lines = audit(home.path());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "cancelled");
    CHECK(lines[0]["message"].get<std::string>().find("The changes were undone.") !=
          std::string::npos);
    CHECK(lines[0]["steps"].back()["phase"] == "revert");
}

TEST_CASE("fixctl run: a second Ctrl-C cancels the undo, and fixctl still records the run") {
    // Scenario: the undo itself takes long; a second Ctrl-C ends it. Before, a second Ctrl-C
    // killed fixctl at once, with no record.
    TempDir dir, home, packs;
    write_file(packs.path() / "p.xml", changing_fix(dir, true));
    Fixctl f({"--no-builtin", "--packs", packs.str(), "run", "t"}, isolated_env(home.path()));
    REQUIRE(wait_for_file(dir.path() / "waiting"));
    ::kill(f.pid, SIGINT);
    REQUIRE(wait_for_file(dir.path() / "undoing"));
    const auto t0 = std::chrono::steady_clock::now();
    ::kill(f.pid, SIGINT);
    CHECK(f.wait(30s) == 130);
    CHECK(std::chrono::steady_clock::now() - t0 < 15s);  // not the undo's 60 s sleep
    const auto lines = audit(home.path());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "cancelled");
    CHECK(lines[0]["message"].get<std::string>().find("Undoing the changes was cancelled.") !=
          std::string::npos);
}

TEST_CASE("fixctl run: the terminal closing (SIGHUP) cancels like Ctrl-C, with a record") {
    // Before: SIGHUP ended fixctl at once, the step's processes were orphaned and nothing was
    // recorded.
    TempDir dir, home, packs;
    write_file(packs.path() / "p.xml", changing_fix(dir, false));
    Fixctl f({"--no-builtin", "--packs", packs.str(), "run", "t"}, isolated_env(home.path()));
    REQUIRE(wait_for_file(dir.path() / "waiting"));
    ::kill(f.pid, SIGHUP);
    CHECK(f.wait(30s) == 130);
    CHECK_FALSE(fs::exists(dir.path() / "changed"));
    const auto lines = audit(home.path());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "cancelled");
}

TEST_CASE("fixctl run -v | head: the reader going away cancels the run, which is recorded") {
    // Scenario: `fixctl run t -v | head -1`. Before: fixctl died of SIGPIPE mid-step, leaving
    // the step running and no record.
    TempDir dir, home, packs;
    write_file(packs.path() / "p.xml",
               pack_with_fix("<steps><run timeout=\"60s\"><arg>sh</arg><arg>-c</arg><arg>touch " +
                             dir.str() +
                             "/waiting; while :; do echo line; sleep 0.1; done</arg></run>"
                             "</steps>"));
    Fixctl f({"--no-builtin", "--packs", packs.str(), "run", "t", "-v"}, isolated_env(home.path()));
    REQUIRE(wait_for_file(dir.path() / "waiting"));
    f.close_output();
    CHECK(f.wait(30s) == 130);
    const auto lines = audit(home.path());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["outcome"] == "cancelled");
}

namespace {

// Processes whose command line is exactly `sleep N`.
std::vector<pid_t> sleeping(const std::string& seconds) {
    std::vector<pid_t> found;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmdline = read_file(e.path() / "cmdline");
        if (cmdline == std::string("sleep\0", 6) + seconds + std::string(1, '\0') &&
            process_alive(name))
            found.push_back(static_cast<pid_t>(std::stoi(name)));
    }
    return found;
}

}  // namespace

TEST_CASE("fixctl run: a timeout ends the processes that left the step's process group") {
    // Scenario: the step starts `setsid sleep`, a setsid double fork and a `set -m` background
    // job, then waits; its timeout is 2 s. Before: all three survived, and fixctl waited 5 s
    // more on the pipe they held. Now all end, and fixctl returns soon after the timeout.
    TempDir home, packs;
    const std::string n = std::to_string(200000 + ::getpid() % 100000);  // unique sleep times
    const std::string a = n + "1", b = n + "2", c = n + "3";
    write_file(packs.path() / "p.xml",
               pack_with_fix("<steps><run timeout=\"2s\"><arg>sh</arg><arg>-c</arg><arg>"
                             "setsid sleep " +
                             a +
                             " &amp; "
                             "setsid sh -c 'sleep " +
                             b +
                             " &amp;' ; "
                             "set -m; sleep " +
                             c +
                             " &amp; "
                             "sleep 100</arg></run></steps>"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_fixctl({"--no-builtin", "--packs", packs.str(), "run", "t", "--json"},
                              isolated_env(home.path()), 60s);
    const auto took = std::chrono::steady_clock::now() - t0;
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(took < 6s);  // the 2 s timeout; before, 9 s
    // SIGTERM was sent: give the kernel a moment to finish them.
    for (int i = 0; i < 50 && !(sleeping(a).empty() && sleeping(b).empty() && sleeping(c).empty());
         ++i)
        std::this_thread::sleep_for(100ms);
    CHECK(sleeping(a).empty());
    CHECK(sleeping(b).empty());
    CHECK(sleeping(c).empty());
    for (const auto& s : {a, b, c})
        for (const pid_t p : sleeping(s)) ::kill(p, SIGKILL);  // never leave them behind
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["steps"][0]["status"] == "timed-out");
}

TEST_CASE(
    "fixctl run: killed with SIGKILL, its step dies with it, and the run shows as interrupted") {
    // Scenario: fixctl is killed (no handler runs) while a step sleeps and a process it started
    // with setsid sleeps too. Before: both kept running and the run was on record nowhere. Now
    // the step's own process dies with fixctl (PR_SET_PDEATHSIG), and the next fixctl run
    // records the run as interrupted and ends the process that left the step's group (it
    // carries FIXTRAY_RUN=<run id>).
    TempDir dir, home, packs;
    const std::string n = std::to_string(300000 + ::getpid() % 100000);
    const std::string away = n + "1", step = n + "2";
    write_file(packs.path() / "p.xml",
               pack_with_fix("<steps><run timeout=\"60s\"><arg>sh</arg><arg>-c</arg><arg>"
                             "setsid sleep " +
                             away + " &amp; touch " + dir.str() + "/waiting; exec sleep " + step +
                             "</arg></run></steps>"));
    {
        Fixctl f({"--no-builtin", "--packs", packs.str(), "run", "t"}, isolated_env(home.path()));
        REQUIRE(wait_for_file(dir.path() / "waiting"));
        for (int i = 0; i < 50 && (sleeping(away).empty() || sleeping(step).empty()); ++i)
            std::this_thread::sleep_for(100ms);
        REQUIRE(sleeping(away).size() == 1);
        REQUIRE(sleeping(step).size() == 1);
        ::kill(f.pid, SIGKILL);
        CHECK(f.wait(10s) == -1);  // killed: no exit code
    }
    for (int i = 0; i < 50 && !sleeping(step).empty(); ++i) std::this_thread::sleep_for(100ms);
    CHECK(sleeping(step).empty());  // died with its runner
    // The setsid sleep left the group: the next run ends it (by its FIXTRAY_RUN marker), or,
    // where steps get a cgroup, any other step started meanwhile (its runner's cgroup is an
    // orphan now): a parallel test may get there first.
    const fs::path state = home.path() / ".local/state/fixtray";
    CHECK_FALSE(fs::exists(state / "audit.jsonl"));
    int running = 0;
    for (const auto& e : fs::directory_iterator(state / "runs"))
        running += e.path().extension() == ".running";
    CHECK(running == 1);

    // The next run (of anything) finds it first.
    write_file(packs.path() / "p.xml", pack_with_fix("<steps><run><arg>true</arg></run></steps>"));
    const auto r = run_fixctl({"--no-builtin", "--packs", packs.str(), "run", "t"},
                              isolated_env(home.path()), 60s);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    for (int i = 0; i < 50 && !sleeping(away).empty(); ++i) std::this_thread::sleep_for(100ms);
    CHECK(sleeping(away).empty());
    for (const auto& s : {away, step})
        for (const pid_t p : sleeping(s)) ::kill(p, SIGKILL);  // never leave them behind
    const auto lines = audit(home.path());
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["outcome"] == "interrupted");
    CHECK(lines[0]["message"].get<std::string>().rfind("Interrupted: ", 0) == 0);
    CHECK(lines[1]["outcome"] == "fixed");
    const auto record = nlohmann::json::parse(
        read_file(state / "runs" / (lines[0]["run_id"].get<std::string>() + ".json")));
    CHECK(record["outcome"] == "interrupted");
    CHECK(record["fix_id"] == "t");
    for (const auto& e : fs::directory_iterator(state / "runs"))
        CHECK(e.path().extension() == ".json");  // no .running or .lock left
}

TEST_CASE("fixctl run: the policy sets how much output a run keeps and how many records stay") {
    // policy.run_output_limit_kib 0: each step keeps 4 KiB a stream; policy.keep_runs 2: the
    // third run's append prunes the oldest record. A value out of range is an error that names
    // the key and leaves the defaults.
    TempDir home, packs, conf;
    write_file(packs.path() / "p.xml",
               pack_with_fix("<steps><run><arg>sh</arg><arg>-c</arg><arg>yes some-text | head "
                             "-c 70000</arg></run></steps>"));
    write_file(conf.path() / "fixtray.json",
               R"({"policy": {"run_output_limit_kib": 0, "keep_runs": 2}})");
    const std::vector<std::string> args = {"--no-builtin", "--packs", packs.str(), "--config",
                                           (conf.path() / "fixtray.json").string(), "run", "t",
                                           "--json"};
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        const auto r = run_fixctl(args, isolated_env(home.path()), 60s);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["steps"][0]["stdout"].get<std::string>().size() < 5 * 1024);
        CHECK(j["steps"][0]["stdout_truncated"] == true);
        ids.push_back(j["run_id"].get<std::string>());
        std::this_thread::sleep_for(20ms);  // distinct modification times
    }
    const fs::path runs = home.path() / ".local/state/fixtray/runs";
    CHECK_FALSE(fs::exists(runs / (ids[0] + ".json")));
    CHECK(fs::exists(runs / (ids[1] + ".json")));
    CHECK(fs::exists(runs / (ids[2] + ".json")));
    CHECK(audit(home.path()).size() == 3);

    write_file(conf.path() / "fixtray.json", R"({"policy": {"keep_runs": 0}})");
    const auto bad = run_fixctl(args, isolated_env(home.path()), 60s);
    CHECK(bad.err.find("policy.keep_runs") != std::string::npos);
    CHECK(bad.err.find("must be a whole number from 1 to 100000") != std::string::npos);
}
