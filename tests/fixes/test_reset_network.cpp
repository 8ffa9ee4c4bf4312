// reset-network inside a network namespace the test creates (tests/services/netns.sh), with the
// probe URL served by a real HTTP server listening inside that namespace.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "platform/process_runner.h"
#include "support/builtin_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray::test;

namespace {

// A namespace with only a loopback interface, deleted at scope exit.
class TestNetns {
public:
    TestNetns() : name_("fixtray-rn-" + std::to_string(::getpid())) {
        run_command({services_dir() + "/netns.sh", "delete", name_});
        const auto r = run_command({services_dir() + "/netns.sh", "create", name_});
        INFO(r.out << r.err);
        REQUIRE_MESSAGE(r.exit_code == 0, "netns.sh create failed (needs root and iproute2)");
    }
    ~TestNetns() { run_command({services_dir() + "/netns.sh", "delete", name_}); }
    const std::string& name() const { return name_; }

    // Runs fn with the calling thread inside the namespace (sockets it opens stay there).
    template <typename Fn>
    auto inside(Fn fn) {
        const int here = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        const int there = ::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
        REQUIRE(here >= 0);
        REQUIRE(there >= 0);
        REQUIRE(::setns(there, CLONE_NEWNET) == 0);
        auto result = fn();
        REQUIRE(::setns(here, CLONE_NEWNET) == 0);
        ::close(here);
        ::close(there);
        return result;
    }
    void set_loopback(bool up) {
        const auto r = run_command({"ip", "-n", name_, "link", "set", "lo", up ? "up" : "down"});
        REQUIRE(r.exit_code == 0);
    }
    fixtray::ProcessResult fixctl(const std::vector<std::string>& args,
                                  const std::map<std::string, std::string>& env) {
        std::vector<std::string> argv{"ip", "netns", "exec", name_, FIXCTL_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, env, std::chrono::seconds(180));
    }

private:
    std::string name_;
};

std::string write_config(const TempDir& dir, int port) {
    const auto path = dir.path() / "site.json";
    nlohmann::json j = {{"site",
                         {{"probe_url", "http://127.0.0.1:" + std::to_string(port) + "/health"},
                          {"probe_host", "localhost"}}}};
    fixtray::test::write_file(path, j.dump());
    return path.string();
}

}  // namespace

TEST_CASE("reset-network: a working network is nothing to fix") {
    // Scenario: DNS resolves and the probe URL answers 204 inside the namespace.
    REQUIRE_MESSAGE(geteuid() == 0, "this test creates a network namespace and needs root");
    TestNetns ns;
    auto server = ns.inside([] {
        return std::make_unique<LocalHttpServer>([](const std::string&) {
            HttpReply reply;
            reply.status = 204;
            return reply;
        });
    });
    TempDir home;
    const auto config = write_config(home, server->port());
    const auto r = ns.fixctl({"--config", config, "run", "reset-network", "--yes", "--json"},
                             isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["outcome"] == "nothing-to-fix");
    CHECK(server->requests().size() == 1);
}

TEST_CASE("reset-network: with the network down it is not fixed, and says why (exit 1)") {
    // Scenario: the namespace's only interface is down; nothing the fix can do brings it back.
    REQUIRE_MESSAGE(geteuid() == 0, "this test creates a network namespace and needs root");
    TestNetns ns;
    auto server = ns.inside([] {
        return std::make_unique<LocalHttpServer>([](const std::string&) { return HttpReply{}; });
    });
    ns.set_loopback(false);
    TempDir home;
    const auto config = write_config(home, server->port());
    const auto r = ns.fixctl({"--config", config, "run", "reset-network", "--yes", "--json"},
                             isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const auto record = nlohmann::json::parse(r.out);
    CHECK(record["outcome"] == "not-fixed");
    CHECK(record["reverted"] == true);
    // Where nmcli or resolvectl can run, the repair runs and the verify step finds the network
    // still down; where neither is installed (this CI machine), nothing was repaired and the
    // message says so. Either way, the reason is in the record.
    bool verify_failed = false;
    int acted = 0;
    for (const auto& s : record["steps"]) {
        if (s["phase"] == "verify" && (s["status"] == "failed" || s["status"] == "timed-out"))
            verify_failed = true;
        if (s["phase"] == "steps" && s["status"] != "skipped" && s["kind"] != "wait") ++acted;
    }
    if (acted > 0)
        CHECK(verify_failed);
    else
        CHECK(record["message"].get<std::string>().find(
                  "none of the repair's steps could run on this machine") != std::string::npos);
    CHECK(server->requests().empty());
}

TEST_CASE(
    "reset-network without NetworkManager: a service that comes back by itself is not claimed "
    "fixed" *
    doctest::skip(fixtray::find_program("nmcli").has_value() ||
                  fixtray::find_program("resolvectl").has_value()) *
    doctest::description("this machine has nmcli or resolvectl: the case is about one "
                         "without")) {
    // Scenario: nothing answers the probe URL at the check and it answers again later, but this
    // machine has no nmcli or resolvectl (CI does not): every repair step is skipped, so fixtray
    // repaired nothing and must not say "fixed". What this covers: the skip rules and the
    // check phase against a real HTTP server in a network namespace. What it does not: the
    // NetworkManager steps themselves (no NetworkManager runs in CI; see the closing note).
    REQUIRE_MESSAGE(geteuid() == 0, "this test creates a network namespace and needs root");
    TestNetns ns;
    static constexpr int kPort = 8080;  // the namespace is fresh: nothing else listens in it
    TempDir home;
    const auto config = write_config(home, kPort);
    std::unique_ptr<LocalHttpServer> server;
    std::thread restore([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        server = ns.inside([&] {
            return std::make_unique<LocalHttpServer>([](const std::string&) { return HttpReply{}; },
                                                     kPort);
        });
    });
    const auto r = ns.fixctl({"--config", config, "run", "reset-network", "--yes", "--json"},
                             isolated_env(home.path()));
    restore.join();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const auto record = nlohmann::json::parse(r.out);
    CHECK(record["outcome"] == "not-fixed");
    CHECK(record["message"].get<std::string>().find(
              "none of the repair's steps could run on this machine") != std::string::npos);
    CHECK(record["steps"][1]["phase"] == "check");
    CHECK(record["steps"][1]["status"] == "failed");
    CHECK(record["steps"][1]["message"].get<std::string>().find("connect") != std::string::npos);
    int skipped = 0;
    for (const auto& st : record["steps"])
        if (st["phase"] == "steps" && st["status"] == "skipped") ++skipped;
    CHECK(skipped == 5);
    for (const auto& st : record["steps"]) CHECK(st["phase"] != "verify");
}
