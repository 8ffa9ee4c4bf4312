// fixctl on a real terminal (a pseudo-terminal): what a step prints, and what a captured line
// used as a foreach item makes of a step's label, never reaches the terminal as control
// sequences. The run record keeps the bytes.
#include <doctest/doctest.h>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

struct TerminalRun {
    int exit_code = -1;
    std::string screen;  // every byte fixctl wrote to the terminal
};

// Runs fixctl with `args` on a new pseudo-terminal, as an employee's terminal would be; reads
// until fixctl exits (at most 60 s).
TerminalRun run_on_terminal(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) exec_fixctl(args, env);
    TerminalRun run;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 200) > 0) {
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n <= 0) break;  // EIO: the terminal's last writer has gone
            run.screen.append(buf, static_cast<std::size_t>(n));
        }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    ::close(master);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("fixctl run -v on a terminal: a step's escape sequences are shown, not obeyed") {
    // Scenario: a step prints a title-setting OSC, clear screen, a CR that would overwrite its
    // line with "FAKE: ok", and the C1 CSI byte 0x9b; a captured line with a clear-screen
    // sequence becomes a foreach item, and so part of the next step's label (shown without
    // -v too). Before: all of it reached the terminal raw.
    TempDir dir, home;
    write_file(
        dir.path() / "p.xml",
        pack_with_fix("<steps>"
                      "<run label=\"Hostile output\"><arg>printf</arg>"
                      "<arg>\\033]0;owned\\007\\033[2Jchecking...\\rFAKE: ok \\233"
                      "31mred\\n</arg></run>"
                      "<run label=\"List\" capture=\"items\"><arg>printf</arg>"
                      "<arg>pr\\033[2Jinter\\n</arg></run>"
                      "<run label=\"Use ${it}\" foreach=\"it in items\"><arg>true</arg></run>"
                      "</steps><verify><run><arg>true</arg></run></verify>"));
    for (const bool verbose : {true, false}) {
        CAPTURE(verbose);
        std::vector<std::string> args{"--no-builtin", "--packs", dir.str(), "run", "t"};
        if (verbose) args.push_back("-v");
        const TerminalRun r = run_on_terminal(args, isolated_env(home.path()));
        INFO(r.screen);
        CHECK(r.exit_code == 0);
        // fixctl's own line redraw ("\r\033[K") is the only control sequence left.
        std::string rest = r.screen;
        for (auto at = rest.find("\r\033[K"); at != std::string::npos; at = rest.find("\r\033[K"))
            rest.erase(at, 4);
        CHECK_FALSE(has(rest, "\033"));
        CHECK_FALSE(has(rest, "\x9b"));
        CHECK_FALSE(has(rest, "\x07"));
        CHECK_FALSE(has(rest, "\rFAKE"));
        CHECK(has(rest, "Use pr\\x1b[2Jinter"));  // the label with the item, made visible
        if (verbose) {
            CHECK(has(rest, "| \\x1b]0;owned\\x07\\x1b[2Jchecking...\\rFAKE: ok \\x9b31mred"));
        }
    }

    // The record keeps the bytes as they were printed (escaped in JSON).
    const auto j = nlohmann::json::parse(
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"},
                   isolated_env(home.path()))
            .out);
    CHECK(j["steps"][0]["stdout"].get<std::string>().find("\033]0;owned\007") == 0);
}
