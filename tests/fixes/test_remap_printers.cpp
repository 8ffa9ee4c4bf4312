// remap-printers against a real CUPS: a private cupsd and ippeveprinter printers on loopback,
// started and stopped by tests/services/cups.sh.
#include <doctest/doctest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/private_cups.h"
#include "support/test_helpers.h"

using namespace fixtray::test;

namespace {

std::map<std::string, std::string> merged(std::map<std::string, std::string> a,
                                          const std::map<std::string, std::string>& b) {
    a.insert(b.begin(), b.end());
    return a;
}

std::string site_config(const PrivateCups& cups, const std::string& lab_uri) {
    nlohmann::json j = {
        {"site",
         {{"default_printer", "Office"},
          {"printers",
           {{{"name", "Office"}, {"uri", cups.uri(1)}}, {{"name", "Lab"}, {"uri", lab_uri}}}}}}};
    return j.dump(2);
}

}  // namespace

TEST_CASE(
    "remap-printers: stale queues removed, site printers added, enabled, default set, jobs "
    "accepted") {
    // Scenario: a laptop with a stale queue and none of the site's printers runs remap-printers.
    REQUIRE_MESSAGE(geteuid() == 0, "this test starts cupsd and needs root (sudo bash .ci/run)");
    PrivateCups cups;
    REQUIRE(cups.cups({"lpadmin", "-p", "Stale", "-E", "-v", cups.uri(2), "-m", "everywhere"})
                .exit_code == 0);
    const auto config = cups.dir().path() / "site.json";
    write_file(config, site_config(cups, cups.uri(2)));
    TempDir home;
    const auto env = merged(isolated_env(home.path()), cups.env());

    const auto r =
        run_fixctl({"--config", config.string(), "run", "remap-printers", "--yes", "--json"}, env,
                   std::chrono::seconds(240));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto record = nlohmann::json::parse(r.out);
    CHECK(record["outcome"] == "fixed");

    const auto queues = cups.cups({"lpstat", "-e"});
    CHECK(queues.out.find("Office") != std::string::npos);
    CHECK(queues.out.find("Lab") != std::string::npos);
    CHECK(queues.out.find("Stale") == std::string::npos);
    CHECK(cups.cups({"lpstat", "-d"}).out.find("Office") != std::string::npos);
    for (const char* q : {"Office", "Lab"}) {
        const auto p = cups.cups({"lpstat", "-p", q});
        CHECK(p.out.find("enabled") != std::string::npos);
        const auto job = cups.cups({"lp", "-d", q, "/etc/hostname"});
        CHECK(job.exit_code == 0);
        CHECK(job.out.find("request id is") != std::string::npos);
    }

    // Run again: the check sees healthy printers, nothing to fix.
    const auto again =
        run_fixctl({"--config", config.string(), "run", "remap-printers", "--yes", "--json"}, env,
                   std::chrono::seconds(240));
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK(nlohmann::json::parse(again.out)["outcome"] == "nothing-to-fix");
}

TEST_CASE("remap-printers: a printer that does not answer is not fixed (exit 1)") {
    // Scenario: the site's Lab printer points at a loopback port where nothing listens.
    REQUIRE_MESSAGE(geteuid() == 0, "this test starts cupsd and needs root (sudo bash .ci/run)");
    PrivateCups cups;
    const auto config = cups.dir().path() / "site.json";
    write_file(config, site_config(cups, "ipp://127.0.0.1:9/ipp/print"));
    TempDir home;
    const auto r =
        run_fixctl({"--config", config.string(), "run", "remap-printers", "--yes", "--json"},
                   merged(isolated_env(home.path()), cups.env()), std::chrono::seconds(300));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const auto record = nlohmann::json::parse(r.out);
    CHECK(record["outcome"] == "not-fixed");
    CHECK(record["message"].get<std::string>().find("Lab") != std::string::npos);
}

TEST_CASE("remap-printers --dry-run lists the exact lpadmin commands and changes nothing") {
    // Scenario: a help desk previews the plan against a live CUPS.
    REQUIRE_MESSAGE(geteuid() == 0, "this test starts cupsd and needs root (sudo bash .ci/run)");
    PrivateCups cups;
    const auto config = cups.dir().path() / "site.json";
    write_file(config, site_config(cups, cups.uri(2)));
    TempDir home;
    const auto r = run_fixctl({"--config", config.string(), "run", "remap-printers", "--dry-run"},
                              merged(isolated_env(home.path()), cups.env()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(cups.uri(1)) != std::string::npos);
    CHECK(r.out.find("lpadmin") != std::string::npos);
    CHECK(cups.cups({"lpstat", "-e"}).out.find("Office") == std::string::npos);
}
