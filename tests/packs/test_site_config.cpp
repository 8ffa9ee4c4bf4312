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
    auto problems = merge_site_config(R"({"telemetry": {}, "site": {"x": {"y": 1}}})", "c.json", &c);
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
    std::string out, error;
    CHECK(v.expand("${home}/.cache", &out, &error));
    CHECK(out == "/home/ann/.cache");
    CHECK(v.expand("cost: $$5 and $PATH", &out, &error));
    CHECK(out == "cost: $5 and $PATH");
    CHECK_FALSE(v.expand("${nope}", &out, &error));
    CHECK(error.find("${nope}") != std::string::npos);
    CHECK_FALSE(v.expand("${printers}", &out, &error));
    CHECK(error.find("list") != std::string::npos);
    CHECK_FALSE(v.expand("${home", &out, &error));
    CHECK(v.expand("${nope}/x", &out, &error, true));
    CHECK(out == "${nope}/x");
    v.bind_item("p", (*v.list("printers"))[0]);
    CHECK(v.expand("${p.name}=${p.uri}", &out, &error));
    CHECK(out == "Office=ipp://o");
    CHECK(v.list_values("printers.uri") == std::vector<std::string>{"ipp://o"});
}
