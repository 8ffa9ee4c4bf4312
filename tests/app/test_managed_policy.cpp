// The managed policy (Windows: HKLM\SOFTWARE\Policies\fixtray): registry values in a tree become
// the config document the config readers check. These tests build trees by hand; the registry
// walker itself runs under Wine (tests/windows/run.sh).
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string>

#include "app/machine_config.h"
#include "app/managed_policy.h"
#include "escalation/escalation_config.h"
#include "feed/feed_config.h"
#include "packs/site_config.h"
#include "platform/managed_policy_source.h"

using namespace fixtray;
using json = nlohmann::json;

namespace {

const std::string kRoot = "HKLM\\SOFTWARE\\Policies\\fixtray";

json document(const ManagedPolicy& policy) {
    return json::parse(policy.json);
}

std::string problems_text(const ManagedPolicy& policy) {
    std::string out;
    for (const auto& p : policy.problems) out += p.problem.str() + "\n";
    return out;
}

std::string problems_text(const std::vector<ConfigProblem>& problems) {
    std::string out;
    for (const auto& p : problems) out += p.str() + "\n";
    return out;
}

bool has_error(const std::vector<ConfigProblem>& problems) {
    for (const auto& p : problems)
        if (!p.warning) return true;
    return false;
}

// All problems of merging a tree into every config: the machine's (site, feed, policy) and the
// escalation settings.
std::vector<ConfigProblem> merge_everywhere(const PolicyTree& tree) {
    const ManagedPolicy policy = managed_policy_from(tree);
    MachineConfig c;
    c.feed = default_feed_config();
    auto problems = merge_managed_policy(policy, &c.site, &c.feed, &c.policy);
    EscalationConfig e;
    for (auto& p : merge_managed_policy(policy, &e)) problems.push_back(std::move(p));
    return problems;
}

// The one problem of a policy (a test that expects exactly one).
ConfigProblem only_problem(const ManagedPolicy& policy) {
    REQUIRE_MESSAGE(policy.problems.size() == 1, problems_text(policy));
    return policy.problems.front().problem;
}

}  // namespace

TEST_CASE("managed policy: the key table is installer/config/keys.json, with the same types") {
    std::ifstream in(std::string(FIXTRAY_SOURCE_DIR) + "/installer/config/keys.json");
    REQUIRE(in);
    const json listed = json::parse(in)["keys"];
    const auto keys = managed_policy_keys();
    REQUIRE(keys.size() == listed.size());
    CHECK(keys.size() == 31);
    const char* names[] = {"string", "integer", "boolean", "choice", "list", "map"};
    for (std::size_t i = 0; i < keys.size(); ++i) {
        CAPTURE(keys[i].key);
        CHECK(listed[i]["key"] == keys[i].key);
        CHECK(listed[i]["type"] == names[static_cast<int>(keys[i].type)]);
    }
}

TEST_CASE("managed policy: where each kind of key lives in the registry") {
    auto location = [](const std::string& key) {
        for (const auto& k : managed_policy_keys())
            if (key == k.key) return managed_policy_location(k);
        return std::string("?");
    };
    CHECK(location("escalation.retry.initial_seconds") ==
          kRoot + "\\escalation\\retry (value initial_seconds)");
    CHECK(location("feed.url") == kRoot + "\\feed (value url)");
    CHECK(location("policy.disabled_fixes") == kRoot + "\\policy\\disabled_fixes");
    CHECK(location("site") == kRoot + "\\site");
    CHECK(location("escalation.backend") == kRoot + "\\escalation\\backend");
}

TEST_CASE("managed policy: an empty tree is an empty document") {
    const ManagedPolicy policy = managed_policy_from(PolicyTree{});
    CHECK(policy.present);
    CHECK(policy.json == "{}");
    CHECK(policy.problems.empty());
}

TEST_CASE("managed policy: each type converts to its JSON value") {
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_sz("url", "https://desk.example.com/feed"),
                         PolicyValue::reg_dword("interval_minutes", 30),
                         PolicyValue::reg_qword("max_total_bytes", 4294967296ull)};
    tree.keys["escalation"] = {PolicyValue::reg_sz("policy", "automatic")};
    tree.keys["escalation\\redaction"] = {PolicyValue::reg_dword("pseudonyms", 1)};
    tree.keys["policy"] = {PolicyValue::reg_dword("feed_admin_steps", 0)};
    tree.keys["policy\\disabled_fixes"] = {PolicyValue::reg_sz("1", "clear-caches")};
    tree.keys["site"] = {PolicyValue::reg_sz("probe_url", "https://intranet.example.com/"),
                         PolicyValue::reg_dword("port", 8443),
                         PolicyValue::reg_multi_sz("hosts", {"a.example.com", "b.example.com"})};
    tree.keys["escalation\\backend"] = {PolicyValue::reg_sz("type", "rt"),
                                        PolicyValue::reg_sz("queue", "Laptops")};

    const ManagedPolicy policy = managed_policy_from(tree);
    CHECK_MESSAGE(policy.problems.empty(), problems_text(policy));
    const json doc = document(policy);
    CHECK(doc["feed"]["url"] == "https://desk.example.com/feed");
    CHECK(doc["feed"]["interval_minutes"] == 30);
    CHECK(doc["feed"]["interval_minutes"].is_number_integer());
    CHECK(doc["feed"]["max_total_bytes"] == 4294967296ull);
    CHECK(doc["escalation"]["policy"] == "automatic");
    CHECK(doc["escalation"]["redaction"]["pseudonyms"] == true);
    CHECK(doc["policy"]["feed_admin_steps"] == false);
    CHECK(doc["policy"]["disabled_fixes"] == json::array({"clear-caches"}));
    CHECK(doc["site"]["probe_url"] == "https://intranet.example.com/");
    CHECK(doc["site"]["port"] == 8443);
    CHECK(doc["site"]["hosts"] == json::array({"a.example.com", "b.example.com"}));
    CHECK(doc["escalation"]["backend"] == json{{"type", "rt"}, {"queue", "Laptops"}});
}

TEST_CASE("managed policy: list items keep the order of their numbers, a REG_MULTI_SZ its own") {
    PolicyTree tree;
    // As the registry may list them: not in number order (10 after 9, not after 1).
    tree.keys["policy\\disabled_fixes"] = {
        PolicyValue::reg_sz("10", "ten"), PolicyValue::reg_sz("2", "two"),
        PolicyValue::reg_sz("9", "nine"), PolicyValue::reg_sz("1", "one")};
    tree.keys["policy"] = {PolicyValue::reg_multi_sz("disabled_packs", {"z.pack", "a.pack"})};
    const ManagedPolicy policy = managed_policy_from(tree);
    CHECK_MESSAGE(policy.problems.empty(), problems_text(policy));
    const json doc = document(policy);
    CHECK(doc["policy"]["disabled_fixes"] == json::array({"one", "two", "nine", "ten"}));
    CHECK(doc["policy"]["disabled_packs"] == json::array({"z.pack", "a.pack"}));
}

TEST_CASE("managed policy: registry names match whatever their case") {
    PolicyTree tree;
    tree.keys["Feed"] = {PolicyValue::reg_dword("Interval_Minutes", 20)};
    tree.keys["Escalation\\Retry"] = {PolicyValue::reg_dword("INITIAL_SECONDS", 5)};
    const ManagedPolicy policy = managed_policy_from(tree);
    CHECK_MESSAGE(policy.problems.empty(), problems_text(policy));
    const json doc = document(policy);
    CHECK(doc["feed"]["interval_minutes"] == 20);
    CHECK(doc["escalation"]["retry"]["initial_seconds"] == 5);
}

TEST_CASE("managed policy: a text where a number is expected is refused, naming the value") {
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_sz("interval_minutes", "30")};
    const ManagedPolicy policy = managed_policy_from(tree);
    const ConfigProblem p = only_problem(policy);
    CHECK_FALSE(p.warning);
    CHECK(p.where == kRoot + "\\feed (value interval_minutes)");
    CHECK(p.message == "feed.interval_minutes is REG_SZ \"30\": a number (REG_DWORD) is expected");
    CHECK(policy.problems.front().section == "feed");
    CHECK_FALSE(document(policy).contains("feed"));
}

TEST_CASE("managed policy: a boolean other than 0 or 1 is refused, naming the value") {
    PolicyTree tree;
    tree.keys["escalation\\redaction"] = {PolicyValue::reg_dword("pseudonyms", 2)};
    const ConfigProblem p = only_problem(managed_policy_from(tree));
    CHECK(p.where == kRoot + "\\escalation\\redaction (value pseudonyms)");
    CHECK(p.message ==
          "escalation.redaction.pseudonyms is REG_DWORD 2: REG_DWORD 1 (true) or 0 "
          "(false) is expected");

    PolicyTree text;
    text.keys["policy"] = {PolicyValue::reg_sz("feed_admin_steps", "false")};
    const ConfigProblem q = only_problem(managed_policy_from(text));
    CHECK(q.where == kRoot + "\\policy (value feed_admin_steps)");
    CHECK(q.message.find("is REG_SZ \"false\"") != std::string::npos);
}

TEST_CASE("managed policy: a number or binary value where a text is expected is refused") {
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_dword("url", 1)};
    tree.keys["escalation"] = {PolicyValue::reg_other("policy", 3)};
    const ManagedPolicy policy = managed_policy_from(tree);
    REQUIRE(policy.problems.size() == 2);
    const std::string text = problems_text(policy);
    CHECK(text.find(kRoot + "\\feed (value url): error: feed.url is REG_DWORD: a text (REG_SZ) "
                            "is expected") != std::string::npos);
    CHECK(text.find(kRoot + "\\escalation (value policy): error: escalation.policy is "
                            "REG_BINARY") != std::string::npos);
}

TEST_CASE("managed policy: a list item that is not a text is refused, naming the item") {
    PolicyTree tree;
    tree.keys["escalation\\redaction\\patterns"] = {PolicyValue::reg_sz("1", "EMP-[0-9]{6}"),
                                                    PolicyValue::reg_dword("2", 7)};
    const ConfigProblem p = only_problem(managed_policy_from(tree));
    CHECK(p.where == kRoot + "\\escalation\\redaction\\patterns (value 2)");
    CHECK(p.message.find("escalation.redaction.patterns: an item is REG_DWORD") == 0);
}

TEST_CASE("managed policy: a list given both as a key and as a REG_MULTI_SZ value is refused") {
    PolicyTree tree;
    tree.keys["policy"] = {PolicyValue::reg_multi_sz("disabled_fixes", {"a"})};
    tree.keys["policy\\disabled_fixes"] = {PolicyValue::reg_sz("1", "b")};
    const ConfigProblem p = only_problem(managed_policy_from(tree));
    CHECK(p.where == kRoot + "\\policy\\disabled_fixes");
    CHECK(p.message.find("policy.disabled_fixes is set twice") == 0);

    PolicyTree number;
    number.keys["policy"] = {PolicyValue::reg_dword("disabled_fixes", 1)};
    const ConfigProblem q = only_problem(managed_policy_from(number));
    CHECK(q.where == kRoot + "\\policy (value disabled_fixes)");
    CHECK(q.message.find("policy.disabled_fixes is REG_DWORD: a list is expected") == 0);
}

TEST_CASE("managed policy: values and keys that are not settings are warnings") {
    PolicyTree tree;
    tree.keys[""] = {PolicyValue::reg_sz("colour", "blue")};
    tree.keys["feed"] = {PolicyValue::reg_dword("interval_minutes", 30),
                         PolicyValue::reg_dword("intervall_minutes", 5)};
    tree.keys["printing"] = {PolicyValue::reg_sz("x", "y")};
    const ManagedPolicy policy = managed_policy_from(tree);
    REQUIRE_MESSAGE(policy.problems.size() == 3, problems_text(policy));
    for (const auto& p : policy.problems) CHECK(p.problem.warning);
    const std::string text = problems_text(policy);
    CHECK(text.find(kRoot + " (value colour): warning: not a fixtray setting (ignored)") !=
          std::string::npos);
    CHECK(text.find(kRoot + "\\feed (value intervall_minutes): warning: not a fixtray setting") !=
          std::string::npos);
    CHECK(text.find(kRoot + "\\printing: warning: not a fixtray setting") != std::string::npos);
    // The settings next to them still apply.
    CHECK(document(policy)["feed"]["interval_minutes"] == 30);
}

TEST_CASE("managed policy: site lists come from subkeys: numbered texts or numbered objects") {
    PolicyTree tree;
    tree.keys["site"] = {PolicyValue::reg_sz("default_printer", "Office")};
    tree.keys["site\\printers"] = {};
    tree.keys["site\\printers\\2"] = {PolicyValue::reg_sz("name", "Lab"),
                                      PolicyValue::reg_sz("uri", "ipps://print/lab")};
    tree.keys["site\\printers\\1"] = {PolicyValue::reg_sz("name", "Office"),
                                      PolicyValue::reg_sz("uri", "ipp://print/office")};
    tree.keys["site\\dns_servers"] = {PolicyValue::reg_sz("2", "192.0.2.2"),
                                      PolicyValue::reg_sz("1", "192.0.2.1")};
    const ManagedPolicy policy = managed_policy_from(tree);
    CHECK_MESSAGE(policy.problems.empty(), problems_text(policy));

    MachineConfig c;
    const auto problems = merge_managed_policy(policy, &c.site, &c.feed, &c.policy);
    CHECK_MESSAGE(problems.empty(), problems_text(problems));
    CHECK(c.site.values["default_printer"] == "Office");
    REQUIRE(c.site.lists["printers"].size() == 2);
    CHECK(c.site.lists["printers"][0].value == "Office");
    CHECK(c.site.lists["printers"][0].fields["uri"] == "ipp://print/office");
    CHECK(c.site.lists["printers"][1].fields["uri"] == "ipps://print/lab");
    REQUIRE(c.site.lists["dns_servers"].size() == 2);
    CHECK(c.site.lists["dns_servers"][0].value == "192.0.2.1");
    CHECK(c.site.files == std::vector<std::string>{kRoot});
}

// The same setting through a policy and through the JSON config file must end in the same
// field: the policy is only another way of writing the config document.
TEST_CASE("managed policy: a policy value lands in the same MachineConfig field as the JSON key") {
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_sz("url", "https://desk.example.com/feed"),
                         PolicyValue::reg_sz("repository", "com.example.desk"),
                         PolicyValue::reg_sz("proxy", "http://proxy.example.com:3128"),
                         PolicyValue::reg_sz("keys", "/srv/fixtray/keys"),
                         PolicyValue::reg_sz("state_dir", "/srv/fixtray/feed"),
                         PolicyValue::reg_dword("interval_minutes", 45),
                         PolicyValue::reg_dword("jitter_minutes", 0),
                         PolicyValue::reg_dword("timeout_seconds", 90),
                         PolicyValue::reg_dword("max_expiry_days", 30),
                         PolicyValue::reg_dword("max_index_bytes", 2048),
                         PolicyValue::reg_dword("max_pack_bytes", 4096),
                         PolicyValue::reg_qword("max_total_bytes", 1ull << 32)};
    tree.keys["policy"] = {PolicyValue::reg_dword("feed_admin_steps", 0),
                           PolicyValue::reg_dword("feed_overrides_builtin", 0),
                           PolicyValue::reg_dword("run_output_limit_kib", 64),
                           PolicyValue::reg_dword("keep_runs", 10),
                           PolicyValue::reg_dword("keep_run_days", 7)};
    tree.keys["policy\\disabled_fixes"] = {PolicyValue::reg_sz("1", "clear-caches"),
                                           PolicyValue::reg_sz("2", "reset-network")};
    tree.keys["policy\\disabled_packs"] = {PolicyValue::reg_sz("1", "com.example.vpn")};
    tree.keys["site"] = {PolicyValue::reg_sz("probe_url", "https://intranet.example.com/")};
    const std::string file_json = R"({
      "site": { "probe_url": "https://intranet.example.com/" },
      "feed": { "url": "https://desk.example.com/feed", "repository": "com.example.desk",
                "proxy": "http://proxy.example.com:3128", "keys": "/srv/fixtray/keys",
                "state_dir": "/srv/fixtray/feed", "interval_minutes": 45,
                "jitter_minutes": 0, "timeout_seconds": 90, "max_expiry_days": 30,
                "max_index_bytes": 2048, "max_pack_bytes": 4096, "max_total_bytes": 4294967296 },
      "policy": { "feed_admin_steps": false, "feed_overrides_builtin": false,
                  "run_output_limit_kib": 64, "keep_runs": 10, "keep_run_days": 7,
                  "disabled_fixes": ["clear-caches", "reset-network"],
                  "disabled_packs": ["com.example.vpn"] } })";

    MachineConfig from_policy;
    from_policy.feed = default_feed_config();
    const auto problems = merge_managed_policy(managed_policy_from(tree), &from_policy.site,
                                               &from_policy.feed, &from_policy.policy);
    CHECK_MESSAGE(problems.empty(), problems_text(problems));

    MachineConfig from_file;
    from_file.feed = default_feed_config();
    CHECK(merge_site_config(file_json, "f", &from_file.site).empty());
    CHECK(merge_feed_config(file_json, "f", true, &from_file.feed, &from_file.policy).empty());

    CHECK(from_policy.site.values == from_file.site.values);
    const FeedConfig& a = from_policy.feed;
    const FeedConfig& b = from_file.feed;
    CHECK(a.url == b.url);
    CHECK(a.url == "https://desk.example.com/feed/");
    CHECK(a.repository == b.repository);
    CHECK(a.proxy == b.proxy);
    CHECK(a.keys_dir == b.keys_dir);
    CHECK(a.keys_dir == "/srv/fixtray/keys");
    CHECK(a.state_dir == b.state_dir);
    CHECK(a.interval == b.interval);
    CHECK(a.interval == std::chrono::minutes(45));
    CHECK(a.jitter == b.jitter);
    CHECK(a.timeout == b.timeout);
    CHECK(a.max_expiry == b.max_expiry);
    CHECK(a.max_index_bytes == b.max_index_bytes);
    CHECK(a.max_pack_bytes == b.max_pack_bytes);
    CHECK(a.max_total_bytes == b.max_total_bytes);
    CHECK(a.max_total_bytes == 4294967296ull);
    const FixPolicy& p = from_policy.policy;
    const FixPolicy& q = from_file.policy;
    CHECK(p.disabled_fixes == q.disabled_fixes);
    CHECK(p.disabled_packs == q.disabled_packs);
    CHECK(p.feed_admin_steps == q.feed_admin_steps);
    CHECK_FALSE(p.feed_admin_steps);
    CHECK(p.feed_overrides_builtin == q.feed_overrides_builtin);
    CHECK(p.run_output_limit_kib == q.run_output_limit_kib);
    CHECK(p.keep_runs == q.keep_runs);
    CHECK(p.keep_run_days == q.keep_run_days);
    CHECK(p.keep_run_days == 7);
    CHECK(a.files == std::vector<std::string>{kRoot});
}

TEST_CASE("managed policy: escalation settings land where the JSON keys would") {
    PolicyTree tree;
    tree.keys["escalation"] = {PolicyValue::reg_sz("policy", "off"),
                               PolicyValue::reg_sz("email_domain", "example.com"),
                               PolicyValue::reg_dword("max_bundle_bytes", 1048576),
                               PolicyValue::reg_dword("keep_delivered_days", 0)};
    tree.keys["escalation\\retry"] = {PolicyValue::reg_dword("initial_seconds", 10),
                                      PolicyValue::reg_dword("max_seconds", 600),
                                      PolicyValue::reg_dword("settle_seconds", 120)};
    tree.keys["escalation\\redaction"] = {PolicyValue::reg_dword("pseudonyms", 1)};
    tree.keys["escalation\\redaction\\patterns"] = {PolicyValue::reg_sz("1", "EMP-[0-9]{6}")};
    tree.keys["escalation\\backend"] = {PolicyValue::reg_sz("type", "smtp"),
                                        PolicyValue::reg_sz("to", "desk@example.com")};
    const std::string file_json = R"({ "escalation": {
        "policy": "off", "email_domain": "example.com", "max_bundle_bytes": 1048576,
        "keep_delivered_days": 0,
        "retry": { "initial_seconds": 10, "max_seconds": 600, "settle_seconds": 120 },
        "redaction": { "pseudonyms": true, "patterns": ["EMP-[0-9]{6}"] },
        "backend": { "type": "smtp", "to": "desk@example.com" } } })";

    EscalationConfig a;
    const auto problems = merge_managed_policy(managed_policy_from(tree), &a);
    CHECK_MESSAGE(problems.empty(), problems_text(problems));
    EscalationConfig b;
    CHECK(merge_escalation_config(file_json, "f", &b).empty());
    CHECK(a.policy == b.policy);
    CHECK(a.policy == EscalationPolicy::off);
    CHECK(a.email_domain == b.email_domain);
    CHECK(a.max_bundle_bytes == b.max_bundle_bytes);
    CHECK(a.keep_delivered == b.keep_delivered);
    CHECK(a.retry_initial == b.retry_initial);
    CHECK(a.retry_max == b.retry_max);
    CHECK(a.retry_settle == b.retry_settle);
    CHECK(a.pseudonyms == b.pseudonyms);
    CHECK(a.patterns == b.patterns);
    REQUIRE(a.backend.has_value());
    CHECK(a.backend->type == "smtp");
    CHECK(a.backend->options == b.backend->options);
    CHECK(a.backend->where == kRoot);
}

TEST_CASE("managed policy: the config readers check every value, the problem at its location") {
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_dword("interval_minutes", 0)};
    tree.keys["site"] = {PolicyValue::reg_sz("probe_url", "https://intranet.example.com/")};
    MachineConfig c;
    c.feed = default_feed_config();
    const FeedConfig before = c.feed;
    const auto problems =
        merge_managed_policy(managed_policy_from(tree), &c.site, &c.feed, &c.policy);
    REQUIRE_MESSAGE(problems.size() == 1, problems_text(problems));
    CHECK(problems[0].str() == kRoot +
                                   "\\feed (value interval_minutes): error: "
                                   "feed.interval_minutes: must be a whole number from 1 to 10080");
    CHECK(c.feed.interval == before.interval);
    // Another section is not held back by it, as with a config file's sections.
    CHECK(c.site.values["probe_url"] == "https://intranet.example.com/");

    PolicyTree retry;
    retry.keys["escalation\\retry"] = {PolicyValue::reg_dword("initial_seconds", 100),
                                       PolicyValue::reg_dword("max_seconds", 10)};
    EscalationConfig e;
    const auto refused = merge_managed_policy(managed_policy_from(retry), &e);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].where == kRoot + "\\escalation\\retry");
    CHECK(e.retry_initial == std::chrono::seconds(30));

    PolicyTree backend;
    backend.keys["escalation\\backend"] = {PolicyValue::reg_sz("queue", "Laptops")};
    EscalationConfig f;
    const auto no_type = merge_managed_policy(managed_policy_from(backend), &f);
    REQUIRE(no_type.size() == 1);
    CHECK(no_type[0].where == kRoot + "\\escalation\\backend (value type)");
    CHECK(no_type[0].message == "escalation.backend.type: is required (for example \"rt\")");
    CHECK_FALSE(f.backend.has_value());
}

TEST_CASE("managed policy: a type error holds back its section, not the others") {
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_sz("interval_minutes", "soon"),
                         PolicyValue::reg_sz("proxy", "http://proxy:3128")};
    tree.keys["escalation"] = {PolicyValue::reg_sz("policy", "off")};
    const ManagedPolicy policy = managed_policy_from(tree);
    MachineConfig c;
    c.feed = default_feed_config();
    const auto problems = merge_managed_policy(policy, &c.site, &c.feed, &c.policy);
    CHECK(has_error(problems));
    CHECK(c.feed.proxy.empty());  // nothing of the feed section
    EscalationConfig e;
    CHECK(merge_managed_policy(policy, &e).empty());
    CHECK(e.policy == EscalationPolicy::off);
}

TEST_CASE("managed policy: what could not be read holds back the whole policy") {
    PolicyTree tree;
    tree.keys["escalation"] = {PolicyValue::reg_sz("policy", "off")};
    tree.errors.push_back(kRoot + "\\feed: cannot be read: Access is denied (5)");
    const ManagedPolicy policy = managed_policy_from(tree);
    EscalationConfig e;
    const auto problems = merge_managed_policy(policy, &e);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message == kRoot + "\\feed: cannot be read: Access is denied (5)");
    CHECK(e.policy == EscalationPolicy::ask);
    MachineConfig c;
    CHECK(has_error(merge_managed_policy(policy, &c.site, &c.feed, &c.policy)));
}

TEST_CASE("managed policy: there is none on Linux, and the machine config is the file's") {
#ifndef _WIN32
    PolicyTree tree;
    tree.keys["feed"] = {PolicyValue::reg_dword("interval_minutes", 1)};
    CHECK(read_managed_policy(&tree) == PolicySource::none);
    CHECK(tree.keys.empty());
    CHECK_FALSE(machine_managed_policy().present);
    EscalationConfig e;
    CHECK(merge_machine_managed_escalation(&e).empty());
    CHECK(e.files.empty());
#endif
}

// The Group Policy template offers exactly what the config readers take: every number range
// from its minimum to its maximum is accepted and one beyond either end refused (but where a
// REG_DWORD ends first), every choice accepted, both states of a boolean accepted.
TEST_CASE("managed policy: the ADMX template's ranges and choices are what the readers accept") {
    pugi::xml_document doc;
    const std::string path = std::string(FIXTRAY_SOURCE_DIR) + "/installer/windows/fixtray.admx";
    REQUIRE(doc.load_file(path.c_str()));
    const std::string base = "SOFTWARE\\Policies\\fixtray";
    int numbers = 0, choices = 0, booleans = 0;
    for (const pugi::xml_node policy : doc.child("policyDefinitions").child("policies")) {
        const std::string key = policy.attribute("key").value();
        REQUIRE(key.rfind(base, 0) == 0);
        const std::string sub = key.size() > base.size() ? key.substr(base.size() + 1) : "";
        CAPTURE(policy.attribute("name").value());
        // A tree with `value` as the policy's value; the three retry waits go together (the
        // reader refuses a longest wait below the first one).
        auto tree_with = [&](const std::string& name, PolicyValue value) {
            PolicyTree tree;
            if (sub == "escalation\\retry") {
                for (const char* n : {"initial_seconds", "max_seconds", "settle_seconds"}) {
                    PolicyValue v = value;
                    v.name = n;
                    tree.keys[sub].push_back(v);
                }
            } else {
                value.name = name;
                tree.keys[sub].push_back(value);
            }
            return tree;
        };
        if (policy.attribute("valueName")) {
            const std::string name = policy.attribute("valueName").value();
            for (const char* state : {"enabledValue", "disabledValue"}) {
                const auto n = policy.child(state).child("decimal").attribute("value").as_uint();
                const auto problems =
                    merge_everywhere(tree_with(name, PolicyValue::reg_dword("", n)));
                CHECK_MESSAGE(problems.empty(), problems_text(problems));
            }
            ++booleans;
        }
        for (const pugi::xml_node element : policy.child("elements")) {
            const std::string kind = element.name();
            const std::string name = element.attribute("valueName").value();
            if (kind == "decimal") {
                const std::uint64_t lo = element.attribute("minValue").as_ullong();
                const std::uint64_t hi = element.attribute("maxValue").as_ullong();
                for (const std::uint64_t n : {lo, hi}) {
                    const auto problems =
                        merge_everywhere(tree_with(name, PolicyValue::reg_qword("", n)));
                    CHECK_MESSAGE(problems.empty(), n, ": ", problems_text(problems));
                }
                if (lo > 0)
                    CHECK(has_error(
                        merge_everywhere(tree_with(name, PolicyValue::reg_qword("", lo - 1)))));
                if (hi < 0xFFFFFFFFull)
                    CHECK(has_error(
                        merge_everywhere(tree_with(name, PolicyValue::reg_qword("", hi + 1)))));
                ++numbers;
            } else if (kind == "enum") {
                for (const pugi::xml_node item : element.children("item")) {
                    const std::string v = item.child("value").child("string").text().as_string();
                    const auto problems =
                        merge_everywhere(tree_with(name, PolicyValue::reg_sz("", v)));
                    CHECK_MESSAGE(problems.empty(), v, ": ", problems_text(problems));
                }
                CHECK(has_error(
                    merge_everywhere(tree_with(name, PolicyValue::reg_sz("", "sometimes")))));
                ++choices;
            }
        }
    }
    CHECK(numbers == 15);
    CHECK(choices == 1);
    CHECK(booleans == 3);
}
