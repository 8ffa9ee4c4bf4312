// fixctl escalate's review on a real terminal (forkpty): the items with human titles and sizes,
// viewing and removing an item, editing the subject, the contact e-mail and the comment, then
// sending (queued) or quitting (nothing queued). The review is a view over the escalation
// session (app/escalation_session.h); this drives it the way an employee does.
#include <doctest/doctest.h>

#include <algorithm>

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

// The item lines of the last listing in a review screen: "   2. Network addresses   1.2 KB".
std::vector<std::string> item_lines(const std::string& screen) {
    const auto start = screen.rfind("Diagnostics bundle (");
    REQUIRE(start != std::string::npos);
    std::vector<std::string> lines;
    std::size_t pos = screen.find('\n', start);
    while (pos != std::string::npos) {
        const auto end = screen.find('\n', pos + 1);
        std::string line = screen.substr(pos + 1, end == std::string::npos ? end : end - pos - 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() < 5 || line[4] != '.') break;
        lines.push_back(line);
        pos = end;
    }
    return lines;
}

std::size_t lines_in(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("escalate review on a terminal: view, remove, edit subject, contact and comment, send") {
    // Scenario (issue 15, item 11): the overview is shown once; each action answers in a line
    // or two, so on a 24-line terminal what was just viewed does not scroll away. Items have
    // titles and sizes, not file names; viewing goes through $PAGER; the comment takes several
    // lines without an editor.
    Scenario s;
    s.env["PAGER"] = "sed 's/^/PAGED| /'";  // the employee's pager, marking what it shows
    Terminal term(s.args({"escalate", "--fix", "t"}), s.env);
    std::string screen = term.until(kPrompt);
    INFO(term.all());
    REQUIRE(screen.find(kPrompt) != std::string::npos);
    CHECK(screen.find("--- Support request (review before it is sent) ---") != std::string::npos);
    CHECK(lines_in(screen) <= 40);

    // Items with human titles and their sizes; no file names.
    const auto items = item_lines(screen);
    REQUIRE(items.size() >= 3);
    CHECK(items[0].find("(the manifest)") != std::string::npos);
    for (const auto& line : items) {
        CHECK(line.find(".txt") == std::string::npos);
        CHECK(line.find(".json") == std::string::npos);
        CHECK((line.find(" bytes") != std::string::npos || line.find(" KB") != std::string::npos));
    }
    const std::string second_title = items[1].substr(6, items[1].find("  ", 6) - 6);

    // View an item: through the pager, with its title; the overview is not printed again.
    term.type("v 2");
    screen = term.until(kPrompt);
    CHECK(screen.find("PAGED| --- " + second_title + " (") != std::string::npos);
    CHECK(screen.find("PAGED| --- end of " + second_title + " ---") != std::string::npos);
    CHECK(screen.find("--- Support request") == std::string::npos);

    // The whole request text, also through the pager.
    term.type("t");
    screen = term.until(kPrompt);
    CHECK(screen.find("PAGED| Subject: ") != std::string::npos);

    // Remove it: one line says so; the listing ([l]) no longer has it.
    term.type("r 2");
    screen = term.until(kPrompt);
    CHECK(screen.find("Removed " + second_title + ". The bundle now has ") != std::string::npos);
    CHECK(lines_in(screen) <= 4);
    term.type("l");
    screen = term.until(kPrompt);
    const auto after = item_lines(screen);
    CHECK(after.size() == items.size() - 1);
    for (const auto& line : after) CHECK(line.find(second_title + "  ") == std::string::npos);

    // The subject: given on the line, and asked for.
    term.type("b Printer on floor 3 prints blank pages");
    screen = term.until(kPrompt);
    CHECK(screen.find("Subject: Printer on floor 3 prints blank pages") != std::string::npos);
    term.type("b");
    term.until("New subject (one line): ");
    term.type("Printer on floor 3 is jammed");
    screen = term.until(kPrompt);
    CHECK(screen.find("Subject: Printer on floor 3 is jammed") != std::string::npos);
    // An empty subject is refused; the last one stays.
    term.type("b");
    term.until("New subject (one line): ");
    term.type("   ");
    screen = term.until(kPrompt);
    CHECK(screen.find("the subject cannot be empty") != std::string::npos);

    // The contact e-mail: a bad address is refused, a good one is shown.
    term.type("o not an address");
    screen = term.until(kPrompt);
    CHECK(screen.find("<not an address>") == std::string::npos);
    term.type("o erika@example.com");
    screen = term.until(kPrompt);
    CHECK(screen.find("<erika@example.com>") != std::string::npos);

    // A comment with a password in it: masked, and the employee sees it masked (issue 15,
    // item 4).
    term.type("c");
    term.until("only a dot: .)");
    term.type("my login is erika, password=Hunter22xyz");
    term.type(".");
    screen = term.until(kPrompt);
    CHECK(screen.find("looked like a password or key and was replaced with ***") !=
          std::string::npos);
    CHECK(screen.find("my login is erika, password=***") != std::string::npos);
    CHECK(screen.find("Hunter22xyz", screen.find("replaced with")) == std::string::npos);

    // The comment: several lines, ended by a dot.
    term.type("c");
    term.until("only a dot: .)");
    term.type("It started after the update.");
    term.type("Only on the second floor.");
    term.type(".");
    screen = term.until(kPrompt);
    CHECK(screen.find("Your comment:") != std::string::npos);
    CHECK(screen.find("Only on the second floor.") != std::string::npos);

    // An unknown key says what to type.
    term.type("x");
    screen = term.until(kPrompt);
    CHECK(screen.find("Type s, t, v N, r N, e, c, b, o, l or q.") != std::string::npos);

    // Send: queued (no ticket system here: a copy is saved to the desktop).
    term.type("s");
    CHECK(term.exit_code() == 0);
    CHECK(term.all().find("Queued support request") != std::string::npos);

    const json outbox = s.outbox();
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0]["subject"] == "Printer on floor 3 is jammed");
    CHECK(outbox[0]["contact"]["email"] == "erika@example.com");
    CHECK(outbox[0]["comment"] == "It started after the update.\nOnly on the second floor.");
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
