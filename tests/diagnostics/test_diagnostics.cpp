// Diagnostics: the default sets, real facts, commands and files on this machine, timeouts, caps,
// refused private keys, parallelism, cancellation and progress.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel_token.h"
#include "diagnostics/diagnostics.h"
#include "packs/catalog.h"
#include "packs/pack_loader.h"
#include "packs/variables.h"
#include "platform/process_runner.h"
#include "support/private_cups.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using fixtray::test::PrivateCups;
using fixtray::test::TempDir;
using fixtray::test::write_file;

namespace {

const std::string kFixes = std::string(FIXTRAY_SOURCE_DIR) + "/fixes";

DiagnosticItem command(const std::string& name, std::vector<std::string> argv) {
    DiagnosticItem i;
    i.kind = DiagnosticItem::Kind::command;
    i.name = name;
    i.argv = std::move(argv);
    return i;
}
DiagnosticItem file(const std::string& name, const std::string& path) {
    DiagnosticItem i;
    i.kind = DiagnosticItem::Kind::file;
    i.name = name;
    i.path = path;
    return i;
}
DiagnosticItem fact(const std::string& id) {
    DiagnosticItem i;
    i.kind = DiagnosticItem::Kind::fact;
    i.name = id;
    i.fact = id;
    return i;
}

DiagnosticsReport collect(const std::vector<DiagnosticItem>& items, DiagnosticsOptions options = {},
                          DiagnosticsObserver* observer = nullptr) {
    SystemProcessRunner runner;
    CancelToken cancel;
    return collect_diagnostics(items, runner, options, cancel, observer);
}

const DiagnosticResult& by_name(const DiagnosticsReport& r, const std::string& name) {
    for (const auto& i : r.items)
        if (i.name == name) return i;
    FAIL("no item " << name);
    return r.items.front();
}

}  // namespace

TEST_CASE(
    "diagnostics: the shipped default sets load, and the catalog does not take them for packs") {
    // fixes/diagnostics/{linux,windows,macos}.diag.xml are valid; loading fixes/ reports nothing.
    for (const char* p : {"linux", "windows", "macos"}) {
        const auto set = load_diagnostics_set(kFixes + "/diagnostics/" + p + ".diag.xml");
        INFO(p);
        for (const auto& problem : set.problems) INFO(problem.str());
        CHECK(set.ok());
        CHECK(set.items.size() >= 13);
    }
    Catalog catalog;
    for (const auto& p : catalog.add_directory(kFixes)) {
        INFO(p.str());
        CHECK(p.severity == PackProblem::Severity::warning);
    }
    const auto files = pack_files_under(kFixes);
    REQUIRE(files.ok());
    for (const auto& f : *files) CHECK_FALSE(f.ends_with(".diag.xml"));
    const std::string def = default_diagnostics_file(Platform::linux);
    CHECK(def.ends_with("diagnostics/linux.diag.xml"));
    CHECK(load_default_diagnostics(Platform::linux).ok());
}

TEST_CASE("diagnostics: errors in a default set come with file:line:col") {
    // A wrong root, an unknown fact, an unknown element and a relative path.
    CHECK(parse_diagnostics_set("<fixpack/>", "d.xml").problems.front().str().find("d.xml:1:") ==
          0);
    const auto set = parse_diagnostics_set(
        "<diagnostics>\n  <fact name=\"nope\"/>\n  <shell name=\"x\"/>\n"
        "  <file name=\"f\" path=\"etc/hosts\"/>\n  <command name=\"c\"/>\n</diagnostics>",
        "d.xml");
    REQUIRE(set.problems.size() == 4);
    CHECK(set.items.empty());
    CHECK(set.problems[0].str().find("d.xml:2:") == 0);
    CHECK(set.problems[0].message.find("unknown fact \"nope\"") != std::string::npos);
    CHECK(set.problems[1].where.line == 3);
    CHECK(set.problems[2].where.line == 4);
    CHECK(set.problems[3].message.find("<arg>") != std::string::npos);
    CHECK(parse_diagnostics_set("<diagnostics><fact", "d.xml")
              .problems.front()
              .message.find("not well-formed") != std::string::npos);
}

TEST_CASE("diagnostics: every built-in fact produces content on this machine") {
    // The whole fact list against the real machine, with a run record given by the caller, a
    // private CUPS with one queue (the "printers" fact), and a text log to fall back on when the
    // machine's journal has nothing (this CI machine has no journald).
    REQUIRE_MESSAGE(geteuid() == 0, "this test starts a private cupsd and needs root");
    PrivateCups cups;
    REQUIRE(cups.cups({"lpadmin", "-p", "Office", "-E", "-v", cups.uri(1), "-m", "everywhere"})
                .exit_code == 0);
    for (const char* name : {"CUPS_SERVER", "CUPS_SERVERROOT"})
        ::setenv(name, cups.env().at(name).c_str(), 1);  // lpstat, run by the fact, reads them
    TempDir logs;
    std::string log_text;
    for (int i = 1; i <= 250; ++i)
        log_text += "Dec  5 07:00:00 vm test[1]: line " + std::to_string(i) + "\n";
    write_file(logs.path() / "syslog", log_text);
    DiagnosticsOptions options;
    options.run_record_json = R"({"run_id":"r1","outcome":"not-fixed"})";
    options.dns_test_hosts = {"localhost"};
    options.log_files = {(logs.path() / "missing").string(), (logs.path() / "syslog").string()};
    options.log_lines = 200;
    std::vector<DiagnosticItem> items;
    for (const auto& id : known_fact_ids()) items.push_back(fact(id));
    items.push_back(fact("disk.free"));  // an older spelling the built-in packs use
    items.push_back(fact("no.such.fact"));
    const auto report = collect(items, options);
    REQUIRE(report.items.size() == items.size());
    for (const auto& r : report.items) {
        INFO(r.name << ": " << r.error);
        if (r.name == "no.such.fact") {
            CHECK(r.error.find("unknown fact") != std::string::npos);
            continue;
        }
        CHECK(r.ok());
        CHECK(!r.content.empty());
    }
    CHECK(by_name(report, "os").content.find("PRETTY_NAME=") != std::string::npos);
    CHECK(by_name(report, "os").content.find("kernel: Linux") != std::string::npos);
    CHECK(by_name(report, "uptime").content.find("up ") == 0);
    CHECK(by_name(report, "memory").content.find("MemTotal:") != std::string::npos);
    CHECK(by_name(report, "disk").content.find("mounted on") != std::string::npos);
    CHECK(by_name(report, "network.interfaces").content.find("lo: state") != std::string::npos);
    CHECK(by_name(report, "network.addresses").content.find("lo inet 127.0.0.1/8") !=
          std::string::npos);
    CHECK(by_name(report, "network.routes").content.find("IPv4") != std::string::npos);
    CHECK(by_name(report, "dns.config").content.find("/etc/resolv.conf") != std::string::npos);
    CHECK(by_name(report, "dns.test").content.find("ok: localhost resolves") != std::string::npos);
    CHECK(by_name(report, "run.record").content.find("\"run_id\": \"r1\"") != std::string::npos);
    const auto& log = by_name(report, "log.recent");
    if (!log.argv.empty() && log.argv.front() == "journalctl") {
        // A machine whose journal has entries: the journal's own lines.
        CHECK(log.content.find("-- No entries --") == std::string::npos);
    } else {
        // No journal: the last 200 lines of the first log file that exists, exactly.
        CHECK(log.source == "last 200 lines of " + (logs.path() / "syslog").string());
        CHECK(log.content.rfind("Dec  5 07:00:00 vm test[1]: line 51\n", 0) == 0);
        CHECK(log.content.find("line 50\n") == std::string::npos);
        CHECK(log.content.substr(log.content.size() -
                                 std::min<std::size_t>(9, log.content.size())) == "line 250\n");
    }
    const auto& printers = by_name(report, "printers");
    CHECK(printers.content.find("scheduler is running") != std::string::npos);
    CHECK(printers.content.find("device for Office: " + cups.uri(1)) != std::string::npos);
    ::unsetenv("CUPS_SERVER");
    ::unsetenv("CUPS_SERVERROOT");
}

TEST_CASE("diagnostics: log.recent says so when there is no log at all") {
    // Scenario: the journal has nothing and no text log exists: an error that says what was
    // looked for, not an empty item. (Where journald has entries this case cannot happen.)
    TempDir logs;
    DiagnosticsOptions options;
    options.log_files = {(logs.path() / "none").string()};
    const auto report = collect({fact("log.recent")}, options);
    const auto& log = report.items.front();
    if (!log.argv.empty() && log.argv.front() == "journalctl" && log.error.empty()) {
        CHECK(!log.content.empty());
    } else {
        CHECK(log.content.empty());
        CHECK(log.error == "no system log found (journal or syslog)");
    }
}

TEST_CASE("diagnostics: the proxy fact shows the environment's proxies without credentials") {
    // A proxy URL with a password, and a scheme-less user:password@host form.
    ::setenv("https_proxy", "http://user:S3cretProxy@proxy:3128", 1);
    ::setenv("ALL_PROXY", "bob:An0therPw@socks:1080", 1);
    const auto report = collect({fact("proxy")});
    ::unsetenv("https_proxy");
    ::unsetenv("ALL_PROXY");
    const auto& r = report.items.front();
    CHECK(r.content.find("S3cretProxy") == std::string::npos);
    CHECK(r.content.find("An0therPw") == std::string::npos);
    CHECK(r.content.find("https_proxy=http://***@proxy:3128") != std::string::npos);
    CHECK(r.content.find("ALL_PROXY=***@socks:1080") != std::string::npos);
}

TEST_CASE("diagnostics: a hung command is cut at its timeout while the others finish") {
    // sleep 30 with a 1 s item timeout next to quick items; everything is back in a few seconds.
    DiagnosticsOptions options;
    options.timeout = 1s;
    const auto t0 = std::chrono::steady_clock::now();
    const auto report = collect({command("hang", {"/bin/sh", "-c", "echo started; sleep 30"}),
                                 command("quick", {"echo", "hello"}),
                                 command("fails", {"/bin/sh", "-c", "echo oops >&2; exit 3"}),
                                 command("missing", {"no-such-program-fixtray"}), fact("os")},
                                options);
    CHECK(std::chrono::steady_clock::now() - t0 < 8s);
    const auto& hang = by_name(report, "hang");
    CHECK(hang.timed_out);
    CHECK(hang.exit_code == -1);
    CHECK(hang.content.find("started") != std::string::npos);
    CHECK(hang.error.find("timed out") != std::string::npos);
    CHECK(hang.duration < 5s);
    CHECK(by_name(report, "quick").content == "hello\n");
    CHECK(by_name(report, "quick").exit_code == 0);
    CHECK(by_name(report, "quick").source == "echo hello");
    CHECK(by_name(report, "fails").exit_code == 3);
    CHECK(by_name(report, "fails").content.find("--- stderr ---\noops") != std::string::npos);
    CHECK(by_name(report, "missing").error.find("program not found") != std::string::npos);
    CHECK(by_name(report, "os").ok());
}

TEST_CASE("diagnostics: output and files over the cap are truncated, head and tail kept") {
    // 200 KB of command output and a 200 KB file under a 10 KB cap.
    test::TempDir dir;
    std::string big = "FIRST-LINE\n" + std::string(200'000, 'x') + "\nLAST-LINE\n";
    test::write_file(dir / "big.log", big);
    DiagnosticsOptions options;
    options.item_cap = 10'000;
    const auto report = collect(
        {command("loud", {"/bin/sh", "-c",
                          "echo HEAD; head -c 200000 /dev/zero | tr '\\0' y; echo; echo TAIL"}),
         file("big", dir / "big.log"), command("small", {"echo", "ok"})},
        options);
    const auto& loud = by_name(report, "loud");
    CHECK(loud.truncated);
    CHECK(loud.content.size() <= 10'200);
    CHECK(loud.content.find("HEAD") == 0);
    CHECK(loud.content.find("TAIL") != std::string::npos);
    CHECK(loud.content.find("bytes omitted") != std::string::npos);
    const auto& f = by_name(report, "big");
    CHECK(f.truncated);
    CHECK(f.content.size() <= 10'200);
    CHECK(f.content.find("FIRST-LINE") == 0);
    CHECK(f.content.find("LAST-LINE") != std::string::npos);
    CHECK_FALSE(by_name(report, "small").truncated);
}

TEST_CASE("diagnostics: private keys are never collected, by path, by name or by content") {
    // ~/.ssh and ~/.gnupg files, id_* names, a .pem holding a key and a harmless-looking link to
    // it.
    test::TempDir dir;
    const std::string key =
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n";
    test::write_file(dir / ".ssh/config", "Host x\n");
    test::write_file(dir / ".gnupg/pubring.kbx", "x");
    test::write_file(dir / "keys/id_ed25519", "x");
    test::write_file(dir / "keys/server.pem", key);
    test::write_file(dir / "keys/tls.key", "cert\n" + key);
    test::write_file(dir / "keys/id_ed25519.pub", "ssh-ed25519 AAAA me@host\n");
    fs::create_symlink(dir / "keys/server.pem", dir / "notes.txt");
    fs::create_symlink(dir / ".ssh/config", dir / "ssh-config.txt");
    const auto report =
        collect({file("ssh", dir / ".ssh/config"), file("gpg", dir / ".gnupg/pubring.kbx"),
                 file("id", dir / "keys/id_ed25519"), file("pem", dir / "keys/server.pem"),
                 file("tls", dir / "keys/tls.key"), file("link", dir / "notes.txt"),
                 file("ssh-link", dir / "ssh-config.txt"), file("pub", dir / "keys/id_ed25519.pub"),
                 file("shadow", "/etc/shadow")});
    for (const char* name : {"ssh", "gpg", "id", "pem", "tls", "link", "ssh-link", "shadow"}) {
        const auto& r = by_name(report, name);
        INFO(name);
        CHECK(r.refused);
        CHECK(r.content.empty());
        CHECK(!r.error.empty());
    }
    CHECK(by_name(report, "pub").ok());
    CHECK(refused_path_reason("/root/.ssh/id_rsa").find(".ssh") != std::string::npos);
    CHECK(refused_path_reason("/etc/ssh/ssh_host_rsa_key") != "");
    CHECK(refused_path_reason("/etc/hosts") == "");
}

TEST_CASE("diagnostics: files that are missing, directories or FIFOs give an error, not a hang") {
    // A FIFO would block a reader forever; it is refused as not a regular file.
    test::TempDir dir;
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    fs::create_directories(dir / "d");
    const auto report = collect({file("fifo", dir / "fifo"), file("dir", dir / "d"),
                                 file("missing", dir / "nope"), file("proc", "/proc/self/status")});
    CHECK(by_name(report, "fifo").error == "not a regular file");
    CHECK(by_name(report, "dir").error == "not a regular file");
    CHECK(by_name(report, "missing").error == "no such file");
    CHECK(by_name(report, "proc").content.find("Name:") != std::string::npos);  // size 0 in stat
}

TEST_CASE("diagnostics: items run in parallel on a bounded pool") {
    // Six one-second sleeps with four workers take about two seconds, not six.
    DiagnosticsOptions options;
    options.parallelism = 4;
    std::vector<DiagnosticItem> items;
    for (int i = 0; i < 6; ++i) items.push_back(command("s" + std::to_string(i), {"sleep", "1"}));
    const auto t0 = std::chrono::steady_clock::now();
    const auto report = collect(items, options);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 1900ms);
    CHECK(took < 4s);
    for (const auto& r : report.items) CHECK(r.exit_code == 0);
}

namespace {
struct Recorder : DiagnosticsObserver {
    std::atomic<int> running{0};
    int max_running = 0;
    std::vector<std::string> events;
    void item_started(std::size_t i, const DiagnosticItem& item) override {
        max_running = std::max(max_running, ++running);
        events.push_back("start " + std::to_string(i) + " " + item.name);
    }
    void item_finished(std::size_t i, const DiagnosticResult& r) override {
        --running;
        events.push_back("done " + std::to_string(i) + " " + r.name);
    }
};
}  // namespace

TEST_CASE("diagnostics: progress reports each item's start and end, serialised") {
    // Five items, two workers: ten events, every start before its end, at most two running.
    DiagnosticsOptions options;
    options.parallelism = 2;
    Recorder rec;
    std::vector<DiagnosticItem> items;
    for (int i = 0; i < 5; ++i) items.push_back(command("c" + std::to_string(i), {"sleep", "0.1"}));
    collect(items, options, &rec);
    CHECK(rec.events.size() == 10);
    CHECK(rec.max_running <= 2);
    for (int i = 0; i < 5; ++i) {
        const auto s = std::find(rec.events.begin(), rec.events.end(),
                                 "start " + std::to_string(i) + " c" + std::to_string(i));
        const auto d = std::find(rec.events.begin(), rec.events.end(),
                                 "done " + std::to_string(i) + " c" + std::to_string(i));
        CHECK(s < d);
        CHECK(d != rec.events.end());
    }
}

TEST_CASE("diagnostics: cancelling stops running commands and skips the rest") {
    // Eight ten-second sleeps on two workers, cancelled after 300 ms.
    DiagnosticsOptions options;
    options.parallelism = 2;
    std::vector<DiagnosticItem> items;
    for (int i = 0; i < 8; ++i) items.push_back(command("s" + std::to_string(i), {"sleep", "10"}));
    SystemProcessRunner runner;
    CancelToken cancel;
    std::thread canceller([&] {
        std::this_thread::sleep_for(300ms);
        cancel.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const auto report = collect_diagnostics(items, runner, options, cancel);
    canceller.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    CHECK(report.cancelled);
    for (const auto& r : report.items) CHECK(r.cancelled);
}

namespace {
// A ProcessRunner that never starts anything: what tests of front ends inject.
struct FakeRunner : ProcessRunner {
    std::vector<std::vector<std::string>> seen;
    std::mutex m;
    ProcessResult run(const ProcessRequest& request, const CancelToken&,
                      const OutputCallback&) override {
        std::lock_guard<std::mutex> lock(m);
        seen.push_back(request.argv);
        ProcessResult r;
        r.started = true;
        r.exit_code = 0;
        r.out = "fake output of " + request.argv.front() + "\n";
        return r;
    }
};
}  // namespace

TEST_CASE("diagnostics: commands go through the injected ProcessRunner") {
    // A fake runner sees the item's argv (variables already expanded) and its output is used.
    FakeRunner fake;
    CancelToken cancel;
    const auto report = collect_diagnostics({command("nm", {"nmcli", "device"})}, fake, {}, cancel);
    REQUIRE(fake.seen.size() == 1);
    CHECK(fake.seen[0] == std::vector<std::string>{"nmcli", "device"});
    CHECK(report.items[0].content == "fake output of nmcli\n");
}

TEST_CASE("diagnostics: the items for a fix are the default set, then the fix's, expanded") {
    // The clear-caches fix's items after the default set; ${home} expands; duplicates go.
    auto loaded = load_pack_file(kFixes + "/linux/clear-caches.xml");
    REQUIRE(loaded.ok());
    const Fix& fix = loaded.pack->fixes.front();
    DiagnosticsSet defaults = load_diagnostics_set(kFixes + "/diagnostics/linux.diag.xml");
    defaults.items.push_back(fact("disk.free"));  // the fix has this one too
    Variables vars;
    vars.set("home", "/home/someone");
    vars.set("cache", "/home/someone/.cache");
    std::vector<std::string> problems;
    const auto items = diagnostic_items_for(defaults, &fix, vars, &problems);
    CHECK(problems.empty());
    CHECK(items.size() == defaults.items.size() + fix.diagnostics.size() - 1);
    bool found = false;
    for (const auto& i : items)
        if (i.name == "disk-space") {
            found = true;
            CHECK(i.argv ==
                  std::vector<std::string>{"df", "-h", "/home/someone", "/home/someone/.cache"});
        }
    CHECK(found);
    Variables empty;
    problems.clear();
    const auto partial = diagnostic_items_for(DiagnosticsSet{}, &fix, empty, &problems);
    CHECK(problems.size() == 2);  // cache-usage and disk-space need ${cache}
    CHECK(partial.size() == 1);
}
