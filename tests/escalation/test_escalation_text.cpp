// The request text a technician reads (issue 15, items 9, 10, 14): every step of the fix with
// its own number, its exit code once, what was skipped and why, and the steps that never ran;
// `escalate --fix` right after a failed run is about that run. Through the real fixctl, with no
// ticket system configured (the request is saved to the employee's Desktop as text). And the
// exit codes that say something is wrong (items 6, 7): a broken ticket system config, and
// requests that failed.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/builtin_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

struct Desk {
    TempDir dir;
    fs::path home = dir.path() / "home";
    Desk() {
        write_file(dir.path() / "packs/p.xml",
                   "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.text\" "
                   "version=\"1\"><fix id=\"t\" platforms=\"linux\"><title>Test fix</title>"
                   "<steps><run label=\"First\"><arg>true</arg></run>"
                   "<run label=\"Needs a tool\" if-program=\"no-such-tool-xyz\">"
                   "<arg>no-such-tool-xyz</arg></run>"
                   "<run label=\"Connect\"><arg>sh</arg><arg>-c</arg>"
                   "<arg>echo refused &gt;&amp;2; exit 3</arg></run>"
                   "<run label=\"Never reached\"><arg>true</arg></run></steps>"
                   "<verify><run label=\"Check A\"><arg>true</arg></run>"
                   "<run label=\"Check B\"><arg>true</arg></run></verify>"
                   "</fix></fixpack>");
        config(R"({"policy": "ask"})");
    }
    void config(const std::string& escalation) const {
        write_file(dir.path() / "fixtray.json", "{\"escalation\": " + escalation + "}");
    }
    ProcessResult fixctl(std::vector<std::string> args) const {
        std::vector<std::string> all = {"--no-builtin", "--packs", dir / "packs", "--config",
                                        dir / "fixtray.json"};
        all.insert(all.end(), args.begin(), args.end());
        return run_fixctl(all, isolated_env(home));
    }
    // The newest request text saved to the Desktop.
    std::string saved_text() const {
        fs::path newest;
        for (const auto& e : fs::directory_iterator(home / "Desktop"))
            if (e.path().extension() == ".txt" &&
                (newest.empty() || fs::last_write_time(e) > fs::last_write_time(newest)))
                newest = e.path();
        REQUIRE_FALSE(newest.empty());
        return read_file(newest);
    }
};

}  // namespace

TEST_CASE("request text: every step with its number, its exit code once, and what did not run") {
    Desk desk;
    const auto r = desk.fixctl({"run", "t", "--escalate", "--yes", "-m", "Since Monday"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const std::string text = desk.saved_text();
    INFO(text);
    CHECK(contains(text, "  steps:\n    1. First: ok (exit 0, "));
    CHECK_FALSE(contains(text, "exited with code 0"));
    CHECK(contains(text, "\n    2. Needs a tool: skipped ("));
    CHECK(contains(text, "no-such-tool-xyz is not installed\n"));
    CHECK(contains(text, "\n    3. Connect: failed (exit 3, "));
    CHECK(contains(text, "\n    4. Never reached: not run (the fix stopped before it)\n"));
    CHECK(contains(text,
                   "  verify:\n    1. Check A: not run (the fix stopped before it)\n"
                   "    2. Check B: not run (the fix stopped before it)\n"));
    CHECK(contains(text, "Since Monday"));  // -m works on `run` as on `escalate`
}

TEST_CASE("request text: escalate --fix right after a failed run is about that run") {
    Desk desk;
    auto r = desk.fixctl({"run", "t"});
    CHECK(r.exit_code == 1);
    r = desk.fixctl({"escalate", "--fix", "t", "--yes"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const std::string text = desk.saved_text();
    INFO(text);
    CHECK_FALSE(contains(text, "No repair was run"));
    CHECK(contains(text, "The employee ran a fixtray repair and it did not solve the problem"));
    CHECK(contains(text, "3. Connect: failed (exit 3, "));
}

TEST_CASE(
    "request text: a broken ticket system config exits 2 naming the option, and keeps "
    "nothing") {
    // Before: "no ticket system is configured; saved to Desktop" and exit 0.
    Desk desk;
    for (const auto& [backend, option] : std::vector<std::pair<std::string, std::string>>{
             {R"({"type": "smtp", "smtp_url": "smtp://mail.example.com", "starttls": false,
                  "from": "a@example.com", "to": "b@example.com"})",
              "escalation.backend.starttls"},
             {R"({"type": "rt", "url": "http://rt.example.com", "queue": "General",
                  "user": "u", "password": "p"})",
              "escalation.backend.url"}}) {
        desk.config(R"({"policy": "ask", "backend": )" + backend + "}");
        const auto r = desk.fixctl({"escalate", "--fix", "t", "--yes"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 2);
        CHECK(contains(r.err, option));
        CHECK(contains(r.err, "nothing was collected or queued"));
        CHECK_FALSE(fs::exists(desk.home / "Desktop"));
        CHECK(desk.fixctl({"outbox", "list", "--json"}).out == "[]\n");
    }
}

TEST_CASE("request text: outbox send exits 1 while a request that failed is left") {
    // A ticket system that refuses the credentials: the request fails for good (not pending).
    LocalHttpServer rt([](const std::string&) {
        HttpReply reply;
        reply.status = 401;
        reply.body = "Unauthorized";
        return reply;
    });
    Desk desk;
    desk.config(R"({"policy": "ask", "backend": {"type": "rt", "url": ")" + rt.url("") +
                R"(", "queue": "General", "user": "u", "password": "wrong"}})");
    auto r = desk.fixctl({"escalate", "--fix", "t", "--yes"});
    INFO(r.out << r.err);
    r = desk.fixctl({"outbox", "list", "--json"});
    REQUIRE(contains(r.out, "\"failed\""));
    r = desk.fixctl({"outbox", "send"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "1 request could not be delivered"));
    CHECK(desk.fixctl({"outbox", "send", "--due"}).exit_code == 0);  // the timer's quiet pass
}

TEST_CASE(
    "outbox: without a ticket system the timer's pass succeeds, and an explicit send says why "
    "nothing went") {
    // Scenario: a machine whose help desk set no backend; requests are saved for the employee
    // to send by hand. The per-user timer runs `outbox send --due` every few minutes: it must
    // not fail (and mark fixtray-outbox.service failed) on every pass.
    Desk desk;
    desk.config(R"({"policy": "ask"})");
    auto r = desk.fixctl({"escalate", "--fix", "t", "--yes"});
    INFO(r.out << r.err);
    r = desk.fixctl({"outbox", "list", "--json"});
    REQUIRE(contains(r.out, "\"pending\""));
    r = desk.fixctl({"outbox", "send", "--due"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    r = desk.fixctl({"outbox", "send"});
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "no ticket system is configured"));
}

TEST_CASE("request text: the pseudonyms of a request are kept with it, for the employee only") {
    // Scenario (issue 15, item 13): with pseudonyms on, the request and bundle say "user-1";
    // which real name that is stays on the machine, in the outbox entry, and `outbox show`
    // tells the employee. Before, nothing kept the mapping.
    Desk desk;
    desk.config(R"({"policy": "ask", "redaction": {"pseudonyms": true}})");
    auto r = desk.fixctl({"escalate", "--fix", "t", "--yes"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto list = nlohmann::json::parse(desk.fixctl({"outbox", "list", "--json"}).out);
    REQUIRE(list.size() == 1);
    const std::string id = list[0]["id"];
    CHECK(list[0]["user"] == "user-1");
    CHECK(list[0]["host"] == "host-1");
    std::string real_user;
    for (const auto& [real, alias] : list[0]["pseudonyms"].items())
        if (alias == "user-1") real_user = real;
    REQUIRE_FALSE(real_user.empty());
    const std::string text = desk.saved_text();
    CHECK(contains(text, "Contact: user-1\n"));
    CHECK(contains(text, "Machine: host-1 ("));
    r = desk.fixctl({"outbox", "show", id});
    INFO(r.out << r.err);
    CHECK(contains(r.out, "Pseudonyms (kept on this computer, not sent):\n"));
    CHECK(contains(r.out, "  user-1 = " + real_user + "\n"));
    fs::path entry;
    for (const auto& e : fs::recursive_directory_iterator(desk.home))
        if (e.path().filename() == "pseudonyms.json") entry = e.path().parent_path();
    REQUIRE_FALSE(entry.empty());
    CHECK((fs::status(entry).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
          fs::perms::none);
    // What is sent does not hold the mapping.
    const std::string sent = read_file(entry / "request.json");
    CHECK_FALSE(contains(sent, "\"" + real_user + "\""));
}
