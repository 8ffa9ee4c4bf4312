// Site config and ${variable} expansion.
#include <doctest/doctest.h>

#include "packs/site_config.h"
#include "packs/variables.h"

using namespace fixtray;

TEST_CASE("site config: scalars, string lists and record lists") {
    // Scenario: a help desk's config with a probe URL and two printers.
    SiteConfig c;
    auto problems = merge_site_config(R"({"site": {"probe_url": "http://x/", "retries": 3,
        "dns": ["a", "b"],
        "printers": [{"name": "Office", "uri": "ipp://p/ipp/print"}, {"uri": "ipp://q", "name": "Lab"}]}})",
                                      "site.json", &c);
    CHECK(problems.empty());
    CHECK(c.values["probe_url"] == "http://x/");
    CHECK(c.values["retries"] == "3");
    REQUIRE(c.lists["dns"].size() == 2);
    CHECK(c.lists["dns"][1].value == "b");
    REQUIRE(c.lists["printers"].size() == 2);
    CHECK(c.lists["printers"][1].value == "Lab");
    CHECK(c.lists["printers"][1].fields["uri"] == "ipp://q");
}

TEST_CASE("site config: a syntax error names file, line and column and changes nothing") {
    // Scenario: a missing comma on line 2.
    SiteConfig c;
    c.values["keep"] = "1";
    auto problems = merge_site_config("{\"site\": {\n  \"a\": \"1\" \"b\": 2}}", "bad.json", &c);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].where.rfind("bad.json:2:", 0) == 0);  // where the parser stopped
    CHECK(problems[0].str().find("error:") != std::string::npos);
    CHECK(c.values.size() == 1);
}

TEST_CASE("site config: wrong types are errors, unknown keys are warnings") {
    // Scenario: a nested object where a string belongs, and a key from a newer version.
    SiteConfig c;
    auto problems =
        merge_site_config(R"({"telemetry": {}, "site": {"x": {"y": 1}}})", "c.json", &c);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].warning);
    CHECK_FALSE(problems[1].warning);
    CHECK(problems[1].message.find("site.x") != std::string::npos);
    CHECK(c.values.empty());
}

TEST_CASE("site config: a later file overrides an earlier one") {
    // Scenario: the machine config sets a value, --config replaces it.
    SiteConfig c;
    CHECK(merge_site_config(R"({"site": {"a": "1", "b": "2"}})", "one", &c).empty());
    CHECK(merge_site_config(R"({"site": {"a": "3"}})", "two", &c).empty());
    CHECK(c.values["a"] == "3");
    CHECK(c.values["b"] == "2");
    CHECK(c.files == std::vector<std::string>{"one", "two"});
}

TEST_CASE("variables: expansion, $$ escape, unknown names and lists") {
    // Scenario: the expansion rules of the pack format.
    Variables v;
    v.set("home", "/home/ann");
    v.set_list("printers", {{"Office", {{"name", "Office"}, {"uri", "ipp://o"}}}});
    const Result<std::string> cache = v.expand("${home}/.cache");
    CHECK(cache.ok());
    CHECK(cache.message().empty());
    const Result<std::string> escaped = v.expand("cost: $$5 and $PATH");
    const Result<std::string> unknown = v.expand("${nope}");
    CHECK_FALSE(unknown);
    CHECK(unknown.message().find("${nope}") != std::string::npos);
    const Result<std::string> list = v.expand("${printers}");
    CHECK_FALSE(list);
    CHECK(list.message().find("list") != std::string::npos);
    CHECK_FALSE(v.expand("${home"));
    const Result<std::string> kept = v.expand("${nope}/x", true);
    v.bind_item("p", (*v.list("printers"))[0]);
    const Result<std::string> fields = v.expand("${p.name}=${p.uri}");
    REQUIRE(cache);
    REQUIRE(escaped);
    REQUIRE(kept);
    REQUIRE(fields);
    CHECK(*cache == "/home/ann/.cache");
    CHECK(*escaped == "cost: $5 and $PATH");
    CHECK(*kept == "${nope}/x");
    CHECK(*fields == "Office=ipp://o");
    CHECK(v.list_values("printers.uri") == std::vector<std::string>{"ipp://o"});
}
