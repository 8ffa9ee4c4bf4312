// clear-caches on a real temporary HOME: what goes, what stays, symlinks out of the cache.
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "support/test_helpers.h"

extern char** environ;

using namespace fixtray::test;
namespace fs = std::filesystem;

namespace {

// A home with caches of every kind the fix knows, and things that must survive.
struct CacheHome {
    TempDir home, outside;
    fs::path cache = home.path() / ".cache";

    CacheHome() {
        write_file(cache / "thumbnails/normal/a.png", std::string(4096, 'p'));
        write_file(cache / "thumbnails/large/b.png", std::string(8192, 'p'));
        write_file(cache / "mozilla/firefox/abc.default-esr/cache2/entries/E1", "entry");
        write_file(cache / "mozilla/firefox/abc.default-esr/startupCache/s.bin", "s");
        write_file(cache / "chromium/Default/Cache/Cache_Data/data_0", "c");
        write_file(cache / "chromium/Default/Code Cache/js/x", "js");
        write_file(home.path() / ".config/chromium/Default/GPUCache/data_1", "gpu");
        // Must survive: documents, settings, other caches' siblings, targets of symlinks.
        write_file(home.path() / "Documents/report.odt", "precious");
        write_file(home.path() / ".config/chromium/Default/Preferences", "{}");
        write_file(cache / "mozilla/firefox/abc.default-esr/not-a-cache.txt", "keep");
        write_file(outside.path() / "target.txt", "outside the cache");
        write_file(outside.path() / "dir/inner.txt", "outside too");
        fs::create_symlink(outside.path() / "target.txt", cache / "thumbnails/normal/link.png");
        fs::create_symlink(outside.path() / "dir", cache / "thumbnails/linked-dir");
    }
    std::map<std::string, std::string> env() const { return isolated_env(home.path()); }
};

}  // namespace

TEST_CASE("clear-caches --dry-run shows the plan with paths expanded and deletes nothing") {
    // Scenario: an employee previews the fix.
    CacheHome h;
    const auto r = run_fixctl({"run", "clear-caches", "--dry-run"}, h.env());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find((h.cache / "thumbnails").string()) != std::string::npos);
    CHECK(r.out.find("${") == std::string::npos);
    CHECK(fs::exists(h.cache / "thumbnails/normal/a.png"));
    CHECK(fs::exists(h.cache / "mozilla/firefox/abc.default-esr/cache2/entries/E1"));
    CHECK_FALSE(fs::exists(h.home.path() / ".local/state/fixtray/audit.jsonl"));
}

TEST_CASE("clear-caches deletes the caches, keeps everything else, never follows a symlink out") {
    // Scenario: browsers closed; caches cleared; link targets outside the cache survive.
    CacheHome h;
    const auto r = run_fixctl({"run", "clear-caches", "--yes", "--json"}, h.env());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto record = nlohmann::json::parse(r.out);
    CHECK(record["outcome"] == "fixed");

    CHECK_FALSE(fs::exists(h.cache / "thumbnails/normal/a.png"));
    CHECK_FALSE(fs::exists(h.cache / "thumbnails/large/b.png"));
    CHECK_FALSE(fs::exists(h.cache / "mozilla/firefox/abc.default-esr/cache2/entries/E1"));
    CHECK_FALSE(fs::exists(h.cache / "mozilla/firefox/abc.default-esr/startupCache/s.bin"));
    CHECK_FALSE(fs::exists(h.cache / "chromium/Default/Cache/Cache_Data/data_0"));
    CHECK_FALSE(fs::exists(h.cache / "chromium/Default/Code Cache/js/x"));
    CHECK_FALSE(fs::exists(h.home.path() / ".config/chromium/Default/GPUCache/data_1"));
    // The links themselves are removed, never their targets.
    CHECK_FALSE(fs::is_symlink(fs::symlink_status(h.cache / "thumbnails/normal/link.png")));
    CHECK_FALSE(fs::is_symlink(fs::symlink_status(h.cache / "thumbnails/linked-dir")));
    CHECK(read_file(h.outside.path() / "target.txt") == "outside the cache");
    CHECK(read_file(h.outside.path() / "dir/inner.txt") == "outside too");
    CHECK(read_file(h.home.path() / "Documents/report.odt") == "precious");
    CHECK(fs::exists(h.home.path() / ".config/chromium/Default/Preferences"));
    CHECK(fs::exists(h.cache / "mozilla/firefox/abc.default-esr/not-a-cache.txt"));
    CHECK(fs::is_directory(h.cache / "thumbnails"));  // the root itself stays
}

TEST_CASE("clear-caches leaves a running browser's cache alone") {
    // Scenario: a process named firefox-esr runs for the employee; its cache is skipped. The
    // employee is user nobody here, so that the stand-in browser is invisible to tests that
    // run in parallel as root (skip-if-running looks at the employee's own processes only).
    REQUIRE_MESSAGE(geteuid() == 0, "this test switches to user nobody");
    CacheHome h;
    for (const auto* dir : {&h.home, &h.outside}) {
        fs::permissions(dir->path(), fs::perms::owner_all | fs::perms::group_read |
                                         fs::perms::group_exec | fs::perms::others_read |
                                         fs::perms::others_exec);
        run_command({"chown", "-R", "65534:65534", dir->str()});
    }
    const fs::path fake_name = h.outside.path() / "firefox-esr";
    fs::copy_file("/bin/sleep", fake_name);
    fs::permissions(fake_name,
                    fs::perms::owner_all | fs::perms::others_exec | fs::perms::others_read);
    // A real process under that name, owned by nobody, spawned by the test and ended by it.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    const std::string prog = fake_name.string();
    std::vector<std::string> words{
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", prog, "30"};
    std::vector<char*> child_argv;
    for (auto& w : words) child_argv.push_back(w.data());
    child_argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawnp(&pid, "setpriv", nullptr, &attr, child_argv.data(), environ) == 0);
    posix_spawnattr_destroy(&attr);
    for (int i = 0;
         i < 100 && read_file("/proc/" + std::to_string(pid) + "/comm") != "firefox-esr\n"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto r = run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                FIXCTL_PATH, "run", "clear-caches", "--yes", "--json"},
                               h.env());
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(h.cache / "mozilla/firefox/abc.default-esr/cache2/entries/E1"));
    CHECK_FALSE(fs::exists(h.cache / "chromium/Default/Cache/Cache_Data/data_0"));
    bool skipped = false;
    const auto record = nlohmann::json::parse(r.out);
    for (const auto& s : record["steps"])
        if (s["status"] == "skipped" &&
            s["message"].get<std::string>().find("firefox-esr is running") != std::string::npos)
            skipped = true;
    CHECK(skipped);
}
