// fixctl escalate's review on a real terminal (forkpty): the items with human titles and sizes,
// viewing and removing an item, editing the subject, the contact e-mail and the comment, then
// sending (queued) or quitting (nothing queued). The review is a view over the escalation
// session (app/escalation_session.h); this drives it the way an employee does.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_helpers.h"

extern char** environ;

using namespace fixtray;
using namespace fixtray::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kPrompt = "[q]uit: ";

// fixctl on the slave side of a pseudo-terminal; the test types and reads on the master side.
class Terminal {
public:
    Terminal(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
        // Everything the child needs is built before fork: after it, only async-signal-safe
        // calls.
        std::vector<std::string> argv = {FIXCTL_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        for (char** e = environ; *e; ++e) {
            const std::string kv = *e;
            const std::string name = kv.substr(0, kv.find('='));
            if (!env.count(name) && name != "VISUAL" && name != "EDITOR") env_.push_back(kv);
        }
        for (const auto& [k, v] : env) env_.push_back(k + "=" + v);
        argv_ = std::move(argv);
        std::vector<char*> cargv, cenv;
        for (auto& a : argv_) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        for (auto& e : env_) cenv.push_back(e.data());
        cenv.push_back(nullptr);

        pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::execve(cargv[0], cargv.data(), cenv.data());
            ::_exit(127);
        }
        // No echo: what the test reads is fixctl's output only, never its own typing.
        termios t{};
        REQUIRE(::tcgetattr(master_, &t) == 0);
        t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        REQUIRE(::tcsetattr(master_, TCSANOW, &t) == 0);
    }
    ~Terminal() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(master_);
    }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // Output from now until `marker` appeared (or the program ended, or 120 s passed).
    std::string until(const std::string& marker) {
        const auto deadline = std::chrono::steady_clock::now() + 120s;
        std::string got;
        while (got.find(marker) == std::string::npos &&
               std::chrono::steady_clock::now() < deadline) {
            if (!read_some(&got)) break;
        }
        all_ += got;
        return got;
    }
    void type(const std::string& line) {
        const std::string text = line + "\n";
        REQUIRE(::write(master_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }
    // The exit code once the program ended (reading what is left), -1 on a signal or timeout.
    int exit_code() {
        std::string rest;
        while (read_some(&rest)) {
        }
        all_ += rest;
        int status = 0;
        REQUIRE(::waitpid(pid_, &status, 0) == pid_);
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    const std::string& all() const { return all_; }

private:
    // false at the end of the output (the slave side closed) or after 120 s of silence.
    bool read_some(std::string* out) {
        pollfd p{master_, POLLIN, 0};
        const int ready = ::poll(&p, 1, 120'000);
        if (ready <= 0) return false;
        char buf[4096];
        const ssize_t n = ::read(master_, buf, sizeof buf);
        if (n <= 0) return false;  // EIO once the child closed the terminal
        out->append(buf, static_cast<std::size_t>(n));
        return true;
    }

    std::vector<std::string> argv_, env_;
    int master_ = -1;
    pid_t pid_ = -1;
    bool exited_ = false;
    std::string all_;
};

struct Scenario {
    TempDir dir;
    std::string home = dir / "home";
    std::map<std::string, std::string> env = isolated_env(home);

    Scenario() {
        write_file(dir / "packs/test.xml",
                   pack_with_fix("<steps><run><arg>true</arg></run></steps>"));
        // Policy "ask": the employee reviews before anything is queued. No ticket system: a
        // sent request is queued and a copy saved to the desktop.
        write_file(dir / "fixtray.json", json{{"escalation", {{"policy", "ask"}}}}.dump(2));
    }
    std::vector<std::string> args(std::vector<std::string> more) const {
        std::vector<std::string> all = {"--no-builtin", "--packs", dir / "packs", "--config",
                                        dir / "fixtray.json"};
        all.insert(all.end(), more.begin(), more.end());
        return all;
    }
    json outbox() const {
        const auto r = run_fixctl(args({"outbox", "list", "--json"}), env);
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out);
    }
};

// The item lines of the last listing in a review screen: "  2. Network addresses   123 bytes
// network.addresses.txt".
std::vector<std::string> item_lines(const std::string& screen) {
    const auto start = screen.rfind("Diagnostics bundle ");
    REQUIRE(start != std::string::npos);
    std::vector<std::string> lines;
    std::size_t pos = screen.find('\n', start);
    while (pos != std::string::npos) {
        const auto end = screen.find('\n', pos + 1);
        std::string line = screen.substr(pos + 1, end == std::string::npos ? end : end - pos - 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find(" bytes  ") == std::string::npos) break;
        lines.push_back(line);
        pos = end;
    }
    return lines;
}

std::string subject_line(const std::string& screen) {
    const auto at = screen.rfind("Subject: ");
    REQUIRE(at != std::string::npos);
    return screen.substr(at, screen.find('\n', at) - at);
}

}  // namespace

TEST_CASE("escalate review on a terminal: view, remove, edit subject, contact and comment, send") {
    Scenario s;
    Terminal term(s.args({"escalate", "--fix", "t"}), s.env);
    std::string screen = term.until(kPrompt);
    INFO(term.all());
    REQUIRE(screen.find(kPrompt) != std::string::npos);
    CHECK(screen.find("--- Support request (review before it is sent) ---") != std::string::npos);

    // Items with human titles and their sizes; the manifest first.
    const auto items = item_lines(screen);
    REQUIRE(items.size() >= 3);
    CHECK(items[0].find("manifest.json") != std::string::npos);
    for (const auto& line : items) CHECK(line.find(" bytes  ") != std::string::npos);
    // A title is for people: it is not the file name.
    const std::string second = items[1];
    const std::string second_file = second.substr(second.rfind(' ') + 1);
    CHECK(second.substr(0, second.find(" bytes")).find(second_file) == std::string::npos);

    // View an item: its redacted text between markers.
    term.type("v 2");
    screen = term.until(kPrompt);
    CHECK(screen.find("(" + second_file + ") ---") != std::string::npos);
    CHECK(screen.find("--- end of ") != std::string::npos);

    // Remove it: the listing no longer has it.
    term.type("r 2");
    screen = term.until(kPrompt);
    CHECK(screen.find("Removed ") != std::string::npos);
    const auto after = item_lines(screen);
    CHECK(after.size() == items.size() - 1);
    for (const auto& line : after) CHECK(line.find(second_file) == std::string::npos);

    // The subject: given on the line, and asked for.
    term.type("b Printer on floor 3 prints blank pages");
    screen = term.until(kPrompt);
    CHECK(subject_line(screen).find("Printer on floor 3 prints blank pages") != std::string::npos);
    term.type("b");
    term.until("New subject (one line): ");
    term.type("Printer on floor 3 is jammed");
    screen = term.until(kPrompt);
    CHECK(subject_line(screen).find("Printer on floor 3 is jammed") != std::string::npos);
    // An empty subject is refused; the last one stays.
    term.type("b");
    term.until("New subject (one line): ");
    term.type("   ");
    screen = term.until(kPrompt);
    CHECK(screen.find("the subject cannot be empty") != std::string::npos);
    CHECK(subject_line(screen).find("Printer on floor 3 is jammed") != std::string::npos);

    // The contact e-mail: a bad address is refused, a good one shows in the request.
    term.type("o not an address");
    screen = term.until(kPrompt);
    CHECK(screen.find("<not an address>") == std::string::npos);
    term.type("o erika@example.com");
    screen = term.until(kPrompt);
    CHECK(screen.find("<erika@example.com>") != std::string::npos);

    // The comment.
    term.type("c");
    term.until("(one line): ");
    term.type("It started after the update.");
    screen = term.until(kPrompt);
    CHECK(screen.find("It started after the update.") != std::string::npos);

    // An unknown key says what to type.
    term.type("x");
    screen = term.until(kPrompt);
    CHECK(screen.find("Type s, v N, r N, e, c, b, o or q.") != std::string::npos);

    // Send: queued (no ticket system here: a copy is saved to the desktop).
    term.type("s");
    CHECK(term.exit_code() == 0);
    CHECK(term.all().find("Queued support request") != std::string::npos);

    const json outbox = s.outbox();
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0]["subject"] == "Printer on floor 3 is jammed");
    CHECK(outbox[0]["contact"]["email"] == "erika@example.com");
    CHECK(outbox[0]["comment"] == "It started after the update.");
}

TEST_CASE("escalate review on a terminal: quit queues nothing") {
    Scenario s;
    Terminal term(s.args({"escalate", "--fix", "t"}), s.env);
    const std::string screen = term.until(kPrompt);
    INFO(term.all());
    REQUIRE(screen.find(kPrompt) != std::string::npos);
    term.type("q");
    CHECK(term.exit_code() == 3);
    CHECK(term.all().find("Not sent. Nothing was queued.") != std::string::npos);
    CHECK(s.outbox().empty());
}
