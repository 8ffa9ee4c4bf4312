// The documented configuration the package installs as /etc/fixtray/fixtray.json
// (installer/config/fixtray.json): as shipped it sets nothing; with every example uncommented
// it is a valid config that the readers take without a single problem, so the example names no
// key fixtray does not read and gives no value it would refuse. (That it names every key of
// installer/config/keys.json is checked by tests/config/check_config_keys.py.)
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "escalation/escalation_config.h"
#include "feed/feed_config.h"
#include "packs/site_config.h"

using namespace fixtray;

namespace {

std::string example_text() {
    std::ifstream in(std::string(FIXTRAY_SOURCE_DIR) + "/installer/config/fixtray.json");
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A line is a commented-out setting when "//" is followed by JSON ('"', '{', '}', '[', ']');
// documentation comments are words. (A fixed pattern over our own file: std::regex is fine.)
std::string uncomment_settings(const std::string& text) {
    static const std::regex setting(R"(^(\s*)//(?=\s*["{}\[\]]))", std::regex::multiline);
    return std::regex_replace(text, setting, "$1");
}

std::string problems_text(const std::vector<ConfigProblem>& problems) {
    std::string out;
    for (const auto& p : problems) out += p.str() + "\n";
    return out;
}

// The file as every reader of a root-owned machine config takes it.
struct Loaded {
    SiteConfig site;
    FeedConfig feed = default_feed_config();
    FixPolicy policy;
    EscalationConfig escalation;
    std::vector<ConfigProblem> problems;  // warnings too: an unknown key is a warning
    explicit Loaded(const std::string& text) {
        for (auto list : {merge_site_config(text, "fixtray.json", &site),
                          merge_feed_config(text, "fixtray.json", true, &feed, &policy),
                          merge_escalation_config(text, "fixtray.json", &escalation)})
            problems.insert(problems.end(), list.begin(), list.end());
    }
};

}  // namespace

TEST_CASE("config example: as installed it loads and sets nothing") {
    Loaded c(example_text());
    auto& [site, feed, policy, escalation, problems] = c;
    INFO(problems_text(problems));
    CHECK(problems.empty());
    CHECK(site.values.empty());
    CHECK(site.lists.empty());
    CHECK(feed.url.empty());
    CHECK(!escalation.backend);
    CHECK(policy.disabled_fixes.empty());
}

TEST_CASE(
    "config example: every example uncommented is a config the readers take without a problem") {
    std::string text = uncomment_settings(example_text());
    // The example's CA file does not exist here; any root-owned PEM file stands in for it.
    const std::string ca = "/etc/ssl/certs/ca-certificates.crt";
    REQUIRE(std::filesystem::exists(ca));
    const std::string example_ca = "/etc/fixtray/helpdesk-ca.pem";
    REQUIRE(text.find(example_ca) != std::string::npos);
    text.replace(text.find(example_ca), example_ca.size(), ca);

    Loaded c(text);
    auto& [site, feed, policy, escalation, problems] = c;
    INFO(text);
    INFO(problems_text(problems));
    CHECK(problems.empty());

    // The values land where the documentation says.
    CHECK(site.values["default_printer"] == "Office");
    REQUIRE(site.lists["printers"].size() == 2);
    CHECK(feed.url == "https://helpdesk.example.com/fixtray/");
    CHECK(feed.repository == "com.example.helpdesk");
    CHECK(feed.interval == std::chrono::minutes(15));
    CHECK(feed.ca_file == ca);
    CHECK(feed.max_total_bytes == 67108864u);
    CHECK(policy.disabled_fixes == std::vector<std::string>{"clear-caches"});
    CHECK(policy.keep_runs == std::optional<std::size_t>(1000));
    CHECK(policy.keep_run_days == std::optional<int>(90));
    REQUIRE(escalation.backend);
    CHECK(escalation.backend->type == "rt");
    CHECK(escalation.policy == EscalationPolicy::ask);
    CHECK(escalation.retry_settle == std::chrono::seconds(60));
    CHECK(escalation.patterns == std::vector<std::string>{"EMP-[0-9]{6}"});
}

TEST_CASE("config: comments are allowed, and a broken comment is a syntax error with its place") {
    SiteConfig site;
    auto ok = merge_site_config("{ /* a */ \"site\": { // b\n \"x\": \"1\" } }", "c.json", &site);
    CHECK(ok.empty());
    CHECK(site.values["x"] == "1");
    auto bad = merge_site_config("{\n  /* never closed\n}", "c.json", &site);
    REQUIRE(bad.size() == 1);
    CHECK(bad[0].where.rfind("c.json:", 0) == 0);
}
