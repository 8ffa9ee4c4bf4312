// The typed built-in steps on real things: temporary trees, loopback sockets, child processes.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <thread>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/steps/builtin_steps.h"
#include "net/http_client.h"
#include "support/builtin_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace std::chrono_literals;
using test::present;
using test::TempDir;
using test::write_file;

namespace {

constexpr std::chrono::seconds days(long n) {
    return std::chrono::seconds(n * 86400);
}

struct Env {
    CurlHttpClient http;
    RealClock clock;
    CancelToken cancel;
    BuiltinContext ctx{http, clock, cancel};
};

Step delete_step(const std::string& root, const std::string& glob,
                 std::chrono::seconds older_than = std::chrono::seconds(0)) {
    Step s;
    s.kind = StepKind::delete_files;
    s.root = root;
    s.glob = glob;
    s.older_than = older_than;
    return s;
}

// delete_files with a fresh context, not a dry run.
BuiltinResult run_delete(const std::string& root, const std::string& glob) {
    Env env;
    return delete_files(delete_step(root, glob), env.ctx);
}

// Root ignores permissions: as root, the tree under `root` (these entries of it) is handed to
// nobody (65534) so that as_nobody_if_root can check what an ordinary user meets.
void give_to_nobody_if_root(const TempDir& tmp, const std::string& root,
                            std::initializer_list<const char*> entries) {
    if (::geteuid() != 0) return;
    ::chmod(tmp.path().c_str(), 0755);
    for (const char* p : entries) REQUIRE(::chown((root + p).c_str(), 65534, 65534) == 0);
}

// Runs `check` (which returns failure bits, 0 when all is well) as nobody in a child process
// when we are root, else right here. 100: the child could not drop its rights.
template <class Check>
int as_nobody_if_root(Check check) {
    if (::geteuid() != 0) return check();
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
        ::_exit(check());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

Step net_step(StepKind kind, const std::string& host, int port = 0,
              std::chrono::milliseconds timeout = Step{}.timeout) {
    Step s;
    s.kind = kind;
    s.host = host;
    s.port = port;
    s.timeout = timeout;
    return s;
}

// A copy of /bin/sleep under a unique name, started with "600" (it must outlive a slow test on
// a loaded machine); killed and reaped on destruction.
class SleepChild {
public:
    SleepChild(const TempDir& dir, const std::string& prefix, bool ignore_term = false,
               uid_t as_uid = static_cast<uid_t>(-1)) {
        static std::atomic<int> counter{0};
        // The pid padded to 7 digits: the name is over 15 characters (longer than comm can
        // hold) with any pid, also the 3-digit ones of a fresh container.
        char pid[16];
        std::snprintf(pid, sizeof pid, "%07d", static_cast<int>(::getpid()));
        name_ = prefix + pid + "-" + std::to_string(counter++);
        const std::string exe = dir / name_;
        std::filesystem::copy_file("/bin/sleep", exe);
        ::chmod(exe.c_str(), 0755);
        ::chmod(dir.path().c_str(), 0755);
        pid_ = ::fork();
        if (pid_ == 0) {
            if (ignore_term) ::signal(SIGTERM, SIG_IGN);  // stays ignored across exec
            if (as_uid != static_cast<uid_t>(-1) && ::setuid(as_uid) != 0) ::_exit(126);
            ::execl(exe.c_str(), exe.c_str(), "600", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Until its exec the child carries the test binary's name: the steps would not see it.
        const bool started = test::wait_for_exec(pid_, exe);
        if (!started) {
            ::kill(pid_, SIGKILL);
            reap();
        }
        REQUIRE_MESSAGE(started, exe << " did not start");
    }
    ~SleepChild() {
        if (!reaped_) {
            ::kill(pid_, SIGKILL);
            reap();
        }
    }
    // Returns the wait status.
    int reap() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return status;
    }
    const std::string& name() const { return name_; }
    pid_t pid() const { return pid_; }

private:
    std::string name_;
    pid_t pid_ = -1;
    bool reaped_ = false;
};

Step end_step(const std::string& name, std::chrono::milliseconds grace = 2000ms) {
    Step s;
    s.kind = StepKind::end_process;
    s.process_name = name;
    s.grace = grace;
    return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// glob_match, validate_glob, validate_delete_root

TEST_CASE("glob_match: table of patterns and paths") {
    // * and ? stay within a segment, ** spans whole segments, classes and trailing **.
    struct Row {
        const char* pattern;
        const char* path;
        bool match;
    };
    const Row rows[] = {
        {"*.log", "a.log", true},
        {"*.log", "dir/a.log", false},
        {"*.log", ".hidden.log", true},
        {"a?c", "abc", true},
        {"a?c", "a/c", false},
        {"a?c", "ac", false},
        {"**/*.log", "a.log", true},
        {"**/*.log", "x/y/z/a.log", true},
        {"**/*.log", "x/y/a.txt", false},
        {"x/**/a.log", "x/a.log", true},
        {"x/**/a.log", "x/1/2/a.log", true},
        {"x/**/a.log", "y/1/a.log", false},
        {"**", "anything/at/all", true},
        {"**", "f", true},
        {"cache/**", "cache/a", true},
        {"cache/**", "cache/a/b/c", true},
        {"cache/**", "other/a", false},
        {"**/tmp/**", "a/tmp/b/c", true},
        {"**/tmp/**", "a/tmpx/b", false},
        {"[abc].txt", "b.txt", true},
        {"[abc].txt", "d.txt", false},
        {"[!a-c].txt", "d.txt", true},
        {"[!a-c].txt", "b.txt", false},
        {"[a-z][0-9]", "q7", true},
        {"[a-z][0-9]", "Q7", false},
        {"[]x]", "]", true},
        {"[abc", "[abc", true},
        {"a*b*c", "aXXbYYc", true},
        {"a*b*c", "aXXbYY", false},
        {"*", "", true},
        {"thumb*/*.png", "thumbnails/large.png", true},
        {"thumb*/*.png", "thumbnails/sub/large.png", false},
        {"a**b", "aXb", true},
        {"a**b", "a/b", false},
    };
    for (const Row& row : rows) {
        CAPTURE(row.pattern);
        CAPTURE(row.path);
        CHECK(glob_match(row.pattern, row.path) == row.match);
    }
}

TEST_CASE("validate_glob: relative globs pass, absolute, .. and NUL are refused") {
    // Valid globs are ok, invalid ones fail with a reason.
    for (const char* ok : {"**", "*.log", "a/b/**/*.tmp", "[!.]*"}) {
        CAPTURE(ok);
        CHECK(validate_glob(ok).ok());
    }
    for (const std::string& bad :
         {std::string(""), std::string("/etc/*"), std::string("../x"), std::string("a/../b"),
          std::string("a/.."), std::string("C:/x"), std::string("a\\b"), std::string("a//b"),
          std::string("a\0b", 3)}) {
        CAPTURE(bad);
        CHECK_FALSE(validate_glob(bad).ok());
    }
}

TEST_CASE("validate_delete_root: normalised absolute roots below system directories only") {
    // "/", top-level and system directories, relative and non-normalised roots are refused.
    for (const char* ok : {"/tmp/fxt-abc", "/home/alice/.cache/thumbnails", "/var/tmp/x",
                           "/var/cache/app", "/tmp/fxt/"}) {
        CAPTURE(ok);
        const Status s = validate_delete_root(ok);
        CHECK_MESSAGE(s.ok(), s.message());
    }
    for (const char* bad : {"",
                            "/",
                            "//",
                            "/usr",
                            "/etc",
                            "/bin",
                            "/boot",
                            "/dev",
                            "/proc",
                            "/sys",
                            "/var",
                            "/lib",
                            "/tmp",
                            "/home",
                            "/usr/lib",
                            "/etc/ssl",
                            "/var/lib",
                            "/home/alice",
                            "/proc/self/cwd",
                            "/sys/fs/x",
                            "relative/dir",
                            "/tmp/../etc/x",
                            "/tmp/./x",
                            "/tmp//x"}) {
        CAPTURE(bad);
        const Status s = validate_delete_root(bad);
        CHECK_FALSE(s.ok());
        CHECK_FALSE(s.message().empty());
    }
}

// ---------------------------------------------------------------------------------------------
// delete_files

TEST_CASE("delete_files: only old files matching the glob are deleted") {
    // Old and new .log files in a tree; glob **/*.log older than 1 day removes only old logs.
    TempDir tmp;
    const std::string root = tmp / "cache";
    write_file(root + "/a/old.log", "12345", days(10));
    write_file(root + "/a/new.log", "new");
    write_file(root + "/b/c/older.log", "1234567890", days(3));
    write_file(root + "/b/c/old.txt", "keep", days(10));
    write_file(root + "/top.log", "x", days(2));
    Env env;
    const BuiltinResult r = run_builtin(delete_step(root, "**/*.log", days(1)), env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "deleted 3 files (16 bytes)");
    CHECK_FALSE(present(root + "/a/old.log"));
    CHECK_FALSE(present(root + "/b/c/older.log"));
    CHECK_FALSE(present(root + "/top.log"));
    CHECK(present(root + "/a/new.log"));
    CHECK(present(root + "/b/c/old.txt"));
    CHECK(r.detail.find("a/old.log\n") != std::string::npos);
    CHECK(r.detail.find("b/c/older.log\n") != std::string::npos);
}

TEST_CASE("delete_files: ** empties the root, removes emptied folders, keeps the root") {
    // Everything under the root goes, including sub-folders left empty; the root stays.
    TempDir tmp;
    const std::string root = tmp / "thumbs";
    write_file(root + "/x/1.png", std::string(2048, 'p'));
    write_file(root + "/x/y/2.png", std::string(1024, 'p'));
    write_file(root + "/3.png", "p");
    std::filesystem::create_directories(root + "/already-empty");
    const BuiltinResult r = run_delete(root, "**");
    CHECK(r.ok);
    CHECK(r.message == "deleted 3 files (3.0 KB) and 3 empty folders");
    CHECK(present(root));
    CHECK(std::filesystem::is_empty(root));
}

TEST_CASE("delete_files: a folder that still holds kept files is not removed") {
    // *.tmp deleted in a folder that also holds a .txt: the folder stays.
    TempDir tmp;
    const std::string root = tmp / "r";
    write_file(root + "/d/a.tmp", "a");
    write_file(root + "/d/keep.txt", "k");
    write_file(root + "/e/b.tmp", "b");
    const BuiltinResult r = run_delete(root, "**/*.tmp");
    CHECK(r.ok);
    CHECK(present(root + "/d/keep.txt"));
    CHECK_FALSE(present(root + "/e"));
    CHECK(r.message == "deleted 2 files (2 bytes) and 1 empty folder");
}

TEST_CASE(
    "delete_files: symlinks to outside files and folders are removed as links, targets survive") {
    // Inside the root: a link to a file and a link to a folder outside the root. ** deletes both
    // links; the outside file and the folder's content survive.
    TempDir tmp;
    const std::string root = tmp / "root";
    const std::string outside = tmp / "outside";
    write_file(outside + "/target.txt", "precious", days(30));
    write_file(outside + "/dir/inner.txt", "precious too", days(30));
    write_file(root + "/plain.txt", "x", days(30));
    std::filesystem::create_symlink(outside + "/target.txt", root + "/link-to-file");
    std::filesystem::create_directories(root + "/sub");
    std::filesystem::create_directory_symlink(outside + "/dir", root + "/sub/link-to-dir");
    const BuiltinResult r = run_delete(root, "**");
    CHECK(r.ok);
    CHECK_FALSE(present(root + "/link-to-file"));
    CHECK_FALSE(present(root + "/sub/link-to-dir"));
    CHECK_FALSE(present(root + "/plain.txt"));
    CHECK(present(outside + "/target.txt"));
    CHECK(present(outside + "/dir/inner.txt"));
    CHECK(r.message.find("deleted 3 files") == 0);
}

TEST_CASE("delete_files: a symlinked folder is never descended") {
    // glob "link-to-dir/*" would match the outside folder's files if the link were followed.
    TempDir tmp;
    const std::string root = tmp / "root";
    const std::string outside = tmp / "outside";
    write_file(outside + "/dir/inner.txt", "precious");
    std::filesystem::create_directories(root);
    std::filesystem::create_directory_symlink(outside + "/dir", root + "/link-to-dir");
    const BuiltinResult r = run_delete(root, "link-to-dir/*");
    CHECK(r.ok);
    CHECK(r.message == "deleted 0 files (0 bytes)");
    CHECK(present(outside + "/dir/inner.txt"));
    CHECK(present(root + "/link-to-dir"));
}

TEST_CASE("delete_files: a root that is a symlink is refused") {
    // root -> a real folder elsewhere: nothing is deleted there.
    TempDir tmp;
    write_file(tmp / "real/file.txt", "precious");
    std::filesystem::create_directory_symlink(tmp / "real", tmp / "root");
    const BuiltinResult r = run_delete(tmp / "root", "**");
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("symbolic link") != std::string::npos);
    CHECK(present(tmp / "real/file.txt"));
}

TEST_CASE("delete_files: dry run counts and deletes nothing") {
    // Three matching files, dry_run: "would delete 3 files", all still there.
    TempDir tmp;
    const std::string root = tmp / "r";
    write_file(root + "/a.tmp", "aa");
    write_file(root + "/b/b.tmp", "bb");
    write_file(root + "/b/c/c.tmp", "cc");
    Env env;
    env.ctx.dry_run = true;
    const BuiltinResult r = delete_files(delete_step(root, "**/*.tmp"), env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "would delete 3 files (6 bytes)");
    CHECK(present(root + "/a.tmp"));
    CHECK(present(root + "/b/b.tmp"));
    CHECK(present(root + "/b/c/c.tmp"));
}

TEST_CASE("delete_files: a missing root is fine, there is nothing to delete") {
    // The root does not exist: ok, and the message says so.
    TempDir tmp;
    const BuiltinResult r = run_delete(tmp / "nope", "**");
    CHECK(r.ok);
    CHECK(r.message.find("nothing to delete") == 0);
}

TEST_CASE("delete_files: invalid roots and globs are refused before touching anything") {
    // "/", "/usr", a relative root, a ".." root, and an absolute or ".." glob.
    TempDir tmp;
    write_file(tmp / "r/f", "x");
    Env env;
    for (const std::string& root :
         {std::string("/"), std::string("/usr"), std::string("rel/x"), tmp / "r/../r"}) {
        CAPTURE(root);
        const BuiltinResult r = delete_files(delete_step(root, "**"), env.ctx);
        CHECK_FALSE(r.ok);
        CHECK(r.message.find("refusing to delete") == 0);
    }
    for (const char* glob : {"/etc/*", "../**", "", "x/../../**"}) {
        CAPTURE(glob);
        const BuiltinResult r = delete_files(delete_step(tmp / "r", glob), env.ctx);
        CHECK_FALSE(r.ok);
        CHECK(r.message.find("refusing to delete") == 0);
    }
    CHECK(present(tmp / "r/f"));
}

TEST_CASE("delete_files: a root that is a file is refused") {
    // The root names a regular file.
    TempDir tmp;
    write_file(tmp / "file", "x");
    const BuiltinResult r = run_delete(tmp / "file", "**");
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("not a directory") != std::string::npos);
    CHECK(present(tmp / "file"));
}

TEST_CASE("delete_files: files that cannot be deleted are counted, the rest goes on") {
    // A read-only folder holds one file; another folder's file is deletable. Root ignores
    // permissions, so as root the step runs in a child that drops to nobody (65534).
    TempDir tmp;
    const std::string root = tmp / "r";
    write_file(root + "/locked/a.tmp", "a");
    write_file(root + "/open/b.tmp", "b");
    give_to_nobody_if_root(tmp, root, {"", "/locked", "/locked/a.tmp", "/open", "/open/b.tmp"});
    ::chmod((root + "/locked").c_str(), 0500);
    auto run = [&] {
        const BuiltinResult r = run_delete(root, "**");
        int failures = 0;
        failures += r.ok ? 0 : 1;
        failures +=
            r.message == "deleted 1 file (1 byte) and 1 empty folder; 1 could not be deleted" ? 0
                                                                                              : 2;
        failures +=
            r.detail.find("cannot delete locked/a.tmp: Permission denied") != std::string::npos ? 0
                                                                                                : 4;
        return failures;
    };
    const int failures = as_nobody_if_root(run);
    CHECK(failures == 0);  // bit 1: not ok, 2: message, 4: detail, 100: could not drop rights
    CHECK(present(root + "/locked/a.tmp"));
    CHECK_FALSE(present(root + "/open/b.tmp"));
    CHECK(present(root + "/locked"));
}

TEST_CASE("delete_files: when every matching file fails the step fails") {
    // Only the read-only folder's file matches: nothing could be deleted, ok=false.
    TempDir tmp;
    const std::string root = tmp / "r";
    write_file(root + "/locked/a.tmp", "a");
    give_to_nobody_if_root(tmp, root, {"", "/locked", "/locked/a.tmp"});
    ::chmod((root + "/locked").c_str(), 0500);
    auto run = [&] {
        const BuiltinResult r = run_delete(root, "**/*.tmp");
        return (r.ok ? 1 : 0) +
               (r.message == "deleted 0 files (0 bytes); 1 could not be deleted" ? 0 : 2);
    };
    const int failures = as_nobody_if_root(run);
    CHECK(failures == 0);  // bit 1: ok although nothing was deleted, 2: message
    CHECK(present(root + "/locked/a.tmp"));
}

TEST_CASE("delete_files: cancelled and over-budget walks stop and say so") {
    // A cancelled token deletes nothing; a zero budget times out.
    TempDir tmp;
    const std::string root = tmp / "r";
    write_file(root + "/a.tmp", "a");
    Env env;
    env.cancel.cancel();
    BuiltinResult r = delete_files(delete_step(root, "**"), env.ctx);
    CHECK_FALSE(r.ok);
    CHECK(r.cancelled);
    CHECK(present(root + "/a.tmp"));
    env.cancel.reset();
    Step s = delete_step(root, "**");
    s.timeout = 0ms;
    r = delete_files(s, env.ctx);
    CHECK_FALSE(r.ok);
    CHECK(r.timed_out);
    CHECK(present(root + "/a.tmp"));
}

TEST_CASE("delete_files: the detail lists at most 200 paths, then ...") {
    // 250 matching files: all deleted, 200 listed.
    TempDir tmp;
    const std::string root = tmp / "r";
    for (int i = 0; i < 250; ++i) write_file(root + "/f" + std::to_string(i), "");
    const BuiltinResult r = run_delete(root, "*");
    CHECK(r.ok);
    CHECK(r.message == "deleted 250 files (0 bytes)");
    std::size_t lines = 0;
    for (char c : r.detail) lines += c == '\n' ? 1 : 0;
    CHECK(lines == 201);
    CHECK(r.detail.substr(r.detail.size() - 4) == "...\n");
}

// ---------------------------------------------------------------------------------------------
// exists

TEST_CASE("exists: a single path by type, present or absent") {
    // A file, a folder, a missing path and a symlink checked with the type and expect options.
    TempDir tmp;
    write_file(tmp / "f.txt", "x");
    std::filesystem::create_directories(tmp / "d");
    std::filesystem::create_symlink(tmp / "f.txt", tmp / "link");
    Env env;
    Step s;
    s.kind = StepKind::exists;
    s.path = tmp / "f.txt";
    s.type = "file";
    CHECK(run_builtin(s, env.ctx).ok);
    s.type = "dir";
    BuiltinResult r = path_exists(s, env.ctx);
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("is not a folder") != std::string::npos);
    s.path = tmp / "d";
    CHECK(path_exists(s, env.ctx).ok);
    s.path = tmp / "missing";
    s.type = "";
    CHECK_FALSE(path_exists(s, env.ctx).ok);
    s.expect_present = false;
    r = path_exists(s, env.ctx);
    CHECK(r.ok);
    CHECK(r.message.find("is missing") != std::string::npos);
    // A link to a file is present as an entry but is not a file (never followed).
    s.path = tmp / "link";
    s.expect_present = true;
    CHECK(path_exists(s, env.ctx).ok);
    s.type = "file";
    CHECK_FALSE(path_exists(s, env.ctx).ok);
    s.type = "socket";
    CHECK_FALSE(path_exists(s, env.ctx).ok);
}

TEST_CASE("exists: root and glob, without following links out of the root") {
    // A .lock file under the root matches; one behind a linked folder does not.
    TempDir tmp;
    const std::string root = tmp / "r";
    write_file(root + "/a/b/x.lock", "");
    write_file(tmp / "outside/y.pid", "");
    std::filesystem::create_directory_symlink(tmp / "outside", root + "/linked");
    Env env;
    Step s;
    s.kind = StepKind::exists;
    s.root = root;
    s.glob = "**/*.lock";
    BuiltinResult r = path_exists(s, env.ctx);
    CHECK(r.ok);
    CHECK(r.detail.find("a/b/x.lock") != std::string::npos);
    s.glob = "**/*.pid";
    r = path_exists(s, env.ctx);
    CHECK_FALSE(r.ok);
    s.expect_present = false;
    CHECK(path_exists(s, env.ctx).ok);
    s.root = tmp / "missing";
    CHECK(path_exists(s, env.ctx).ok);
    s.glob = "../**";
    CHECK_FALSE(path_exists(s, env.ctx).ok);
}

// ---------------------------------------------------------------------------------------------
// dns_resolve / tcp_connect

TEST_CASE("dns_resolve: localhost resolves and the message lists its addresses") {
    // getaddrinfo("localhost") on the helper thread.
    Env env;
    const Step s = net_step(StepKind::dns_resolve, "localhost", 0, 5000ms);
    const BuiltinResult r = run_builtin(s, env.ctx);
    CHECK(r.ok);
    CHECK(r.message.find("localhost resolves to ") == 0);
    CHECK((r.message.find("127.0.0.1") != std::string::npos ||
           r.message.find("::1") != std::string::npos));
}

TEST_CASE("dns_resolve: a name under .invalid does not resolve") {
    // RFC 6761 reserves .invalid: the step fails (or times out where no resolver answers).
    Env env;
    const Step s = net_step(StepKind::dns_resolve, "nonexistent.invalid", 0, 5000ms);
    const auto t0 = std::chrono::steady_clock::now();
    const BuiltinResult r = dns_resolve(s, env.ctx);
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("nonexistent.invalid could not be resolved") == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 6s);
}

TEST_CASE("dns_resolve: a cancelled lookup returns at once") {
    // The token is already cancelled.
    Env env;
    env.cancel.cancel();
    const Step s = net_step(StepKind::dns_resolve, "localhost");
    const BuiltinResult r = dns_resolve(s, env.ctx);
    CHECK_FALSE(r.ok);
    CHECK(r.cancelled);
}

TEST_CASE("tcp_connect: a listening loopback socket accepts") {
    // A socket listening on 127.0.0.1:port (never accepting: the backlog completes the handshake).
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    Env env;
    const Step s = net_step(StepKind::tcp_connect, "127.0.0.1", ntohs(addr.sin_port), 5000ms);
    const BuiltinResult r = run_builtin(s, env.ctx);
    ::close(fd);
    CHECK(r.ok);
    CHECK(r.message.find("127.0.0.1:" + std::to_string(s.port) + " accepts connections") == 0);
}

TEST_CASE("tcp_connect: a closed port fails fast") {
    // Nothing listens: refused well before the 10 s timeout.
    Env env;
    const Step s = net_step(StepKind::tcp_connect, "127.0.0.1", test::closed_port(), 10'000ms);
    const auto t0 = std::chrono::steady_clock::now();
    const BuiltinResult r = tcp_connect(s, env.ctx);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.timed_out);
    CHECK(r.message.find("could not connect to 127.0.0.1:") == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("tcp_connect: bad ports are refused") {
    // Port 0 and 70000 are not ports.
    Env env;
    Step s = net_step(StepKind::tcp_connect, "127.0.0.1");
    for (int port : {0, -1, 70000}) {
        s.port = port;
        CHECK_FALSE(tcp_connect(s, env.ctx).ok);
    }
}

// ---------------------------------------------------------------------------------------------
// end_process / process_running

TEST_CASE("end_process: a running child is ended with SIGTERM") {
    // A copy of sleep under a unique (over 15 characters) name; process_running before and after.
    TempDir tmp;
    SleepChild child(tmp, "fxt-sleep-");
    REQUIRE(child.name().size() > 15);
    CHECK(process_running(child.name()));
    Env env;
    const BuiltinResult r = run_builtin(end_step(child.name()), env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "ended 1 " + child.name() + " process");
    const int status = child.reap();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK_FALSE(process_running(child.name()));
}

TEST_CASE("end_process: a child that ignores SIGTERM gets SIGKILL after the grace") {
    // SIGTERM is ignored by the child; grace 300 ms; the step kills it and says so in the detail.
    TempDir tmp;
    SleepChild child(tmp, "fxt-trap-", true);
    REQUIRE(process_running(child.name()));
    Env env;
    const auto t0 = std::chrono::steady_clock::now();
    const BuiltinResult r = end_process(end_step(child.name(), 300ms), env.ctx);
    CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);
    CHECK(r.ok);
    CHECK(r.detail.find("killed") != std::string::npos);
    const int status = child.reap();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("end_process keeps to the step's timeout, grace included (fixctl run, from outside)") {
    // Scenario: a process that ignores SIGTERM, ended by a step with timeout="1s" and the
    // default grace (5 s). Before: the step waited the whole grace, 5 s past its timeout. Now
    // the grace is cut at the timeout, the process is killed, and fixctl returns in about 1 s.
    TempDir tmp, home, packs;
    SleepChild child(tmp, "fxt-late-", true);
    write_file(packs.path() / "p.xml",
               test::pack_with_fix("<steps><end-process name=\"" + child.name() +
                                   "\" timeout=\"1s\"/></steps>"));
    const auto t0 = std::chrono::steady_clock::now();
    const ProcessResult r =
        test::run_fixctl({"--no-builtin", "--packs", packs.str(), "run", "t", "--json"},
                         test::isolated_env(home.path()));
    const auto took = std::chrono::steady_clock::now() - t0;
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(took < 4s);  // 1 s and the forced end; the default grace alone was 5 s
    const int status = child.reap();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("end_process: several processes of one name, dry run leaves them running") {
    // Two children with one name: dry run reports 2 and ends none; the real run ends both.
    TempDir tmp;
    SleepChild a(tmp, "fxt-pair-");
    const std::string exe2 = tmp / "second";
    std::filesystem::create_directories(exe2);
    // A second copy with the same name in another folder.
    std::filesystem::copy_file(tmp / a.name(), exe2 + "/" + a.name());
    ::chmod((exe2 + "/" + a.name()).c_str(), 0755);
    const std::string exe_b = exe2 + "/" + a.name();
    const pid_t b = ::fork();
    if (b == 0) {
        ::execl(exe_b.c_str(), exe_b.c_str(), "600", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    struct Reap {
        pid_t pid;
        ~Reap() {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reap_b{b};
    REQUIRE(test::wait_for_exec(b, exe_b));
    Env env;
    env.ctx.dry_run = true;
    BuiltinResult r = end_process(end_step(a.name()), env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "would end 2 " + a.name() + " processes");
    CHECK(process_running(a.name()));
    env.ctx.dry_run = false;
    r = end_process(end_step(a.name()), env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "ended 2 " + a.name() + " processes");
    a.reap();
}

TEST_CASE("end_process: nothing running is fine") {
    // No process has this name.
    Env env;
    const BuiltinResult r =
        end_process(end_step("fxt-no-such-process-" + std::to_string(::getpid())), env.ctx);
    CHECK(r.ok);
    CHECK(r.message.find("process was running") != std::string::npos);
    CHECK_FALSE(process_running("fxt-no-such-process"));
}

TEST_CASE("end_process: names with a slash are refused") {
    // A path is not a process name.
    Env env;
    CHECK_FALSE(end_process(end_step("/bin/sleep"), env.ctx).ok);
    CHECK_FALSE(end_process(end_step(""), env.ctx).ok);
}

TEST_CASE("end_process: another user's process is left alone unless the step is admin" *
          doctest::skip(::geteuid() != 0) *
          doctest::description("needs root to start a process as another user")) {
    // As root: a child running as nobody (65534) is not ours; admin="true" ends it.
    TempDir tmp;
    SleepChild child(tmp, "fxt-other-", false, 65534);
    Env env;
    Step s = end_step(child.name());
    BuiltinResult r = end_process(s, env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "no " + child.name() + " process was running");
    CHECK(::kill(child.pid(), 0) == 0);
    s.admin = true;
    r = end_process(s, env.ctx);
    CHECK(r.ok);
    CHECK(r.message == "ended 1 " + child.name() + " process");
}

// ---------------------------------------------------------------------------------------------
// wait, dispatch

TEST_CASE("wait: a short wait succeeds, a cancelled one stops early") {
    // 20 ms wait; then a 10 s wait cancelled from another thread after 100 ms.
    Env env;
    Step s;
    s.kind = StepKind::wait;
    s.duration = 20ms;
    BuiltinResult r = run_builtin(s, env.ctx);
    CHECK(r.ok);
    s.duration = 10s;
    std::thread canceller([&] {
        std::this_thread::sleep_for(100ms);
        env.cancel.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    r = wait_step(s, env.ctx);
    canceller.join();
    CHECK_FALSE(r.ok);
    CHECK(r.cancelled);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("wait: a wait longer than the step timeout is cut at the timeout") {
    // duration 5 s, timeout 50 ms.
    Env env;
    Step s;
    s.kind = StepKind::wait;
    s.duration = 5s;
    s.timeout = 50ms;
    const BuiltinResult r = wait_step(s, env.ctx);
    CHECK_FALSE(r.ok);
    CHECK(r.timed_out);
}

TEST_CASE("run_builtin: run and shell steps are not built-ins") {
    // The process runner owns them; run_builtin refuses.
    Env env;
    Step s;
    s.kind = StepKind::run;
    s.argv = {"true"};
    CHECK_FALSE(run_builtin(s, env.ctx).ok);
    s.kind = StepKind::shell;
    CHECK_FALSE(run_builtin(s, env.ctx).ok);
}
