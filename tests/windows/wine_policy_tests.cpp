// Under Wine: the registry walker (platform/win32/managed_policy_source.cpp) reads what is written
// under HKLM\SOFTWARE\Policies\fixtray in Wine's registry, and app/managed_policy.cpp turns it into
// the config document. The keys are removed again at the end.
#include <doctest/doctest.h>
#include <windows.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/managed_policy.h"
#include "platform/managed_policy_source.h"
#include "platform/win32/win32_text.h"

using namespace fixtray;
using json = nlohmann::json;

namespace {

const wchar_t* kPolicies = L"SOFTWARE\\Policies";

// Creates (or opens) HKLM\SOFTWARE\Policies\<sub> in the given registry view.
HKEY create(const std::wstring& sub, REGSAM view = KEY_WOW64_64KEY) {
    HKEY key = nullptr;
    const std::wstring path = std::wstring(kPolicies) + L"\\" + sub;
    REQUIRE(::RegCreateKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, nullptr, 0, KEY_WRITE | view,
                              nullptr, &key, nullptr) == ERROR_SUCCESS);
    return key;
}

void set_sz(HKEY key, const wchar_t* name, const std::wstring& text, DWORD type = REG_SZ) {
    REQUIRE(::RegSetValueExW(key, name, 0, type, reinterpret_cast<const BYTE*>(text.c_str()),
                             static_cast<DWORD>((text.size() + 1) * sizeof(wchar_t))) ==
            ERROR_SUCCESS);
}

void set_dword(HKEY key, const wchar_t* name, DWORD n) {
    REQUIRE(::RegSetValueExW(key, name, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&n),
                             sizeof n) == ERROR_SUCCESS);
}

void set_qword(HKEY key, const wchar_t* name, unsigned long long n) {
    REQUIRE(::RegSetValueExW(key, name, 0, REG_QWORD, reinterpret_cast<const BYTE*>(&n),
                             sizeof n) == ERROR_SUCCESS);
}

void set_multi(HKEY key, const wchar_t* name, const std::vector<std::wstring>& items) {
    std::wstring data;
    for (const auto& item : items) data += item + L'\0';
    data += L'\0';
    REQUIRE(::RegSetValueExW(key, name, 0, REG_MULTI_SZ, reinterpret_cast<const BYTE*>(data.data()),
                             static_cast<DWORD>(data.size() * sizeof(wchar_t))) == ERROR_SUCCESS);
}

void remove_policy(REGSAM view = KEY_WOW64_64KEY) {
    HKEY policies = nullptr;
    if (::RegOpenKeyExW(HKEY_LOCAL_MACHINE, kPolicies, 0, KEY_ALL_ACCESS | view, &policies) !=
        ERROR_SUCCESS)
        return;
    ::RegDeleteTreeW(policies, L"fixtray");
    ::RegDeleteKeyExW(policies, L"fixtray", view, 0);
    ::RegCloseKey(policies);
}

const PolicyValue* value_of(const PolicyTree& tree, const std::string& key,
                            const std::string& name) {
    const auto it = tree.keys.find(key);
    if (it == tree.keys.end()) return nullptr;
    for (const auto& v : it->second)
        if (v.name == name) return &v;
    return nullptr;
}

std::string problems_text(const ManagedPolicy& policy) {
    std::string out;
    for (const auto& p : policy.problems) out += p.problem.str() + "\n";
    return out;
}

}  // namespace

TEST_CASE("win32 policy: without the key there is no managed policy") {
    remove_policy();
    PolicyTree tree;
    CHECK(read_managed_policy(&tree) == PolicySource::none);
    CHECK_FALSE(machine_managed_policy().present);
}

TEST_CASE("win32 policy: the registry values are read into the tree and the config document") {
    remove_policy();
    HKEY feed = create(L"fixtray\\feed");
    set_sz(feed, L"url", L"https://desk.example.com/feed");
    set_dword(feed, L"interval_minutes", 30);
    set_qword(feed, L"max_total_bytes", 4294967296ull);
    set_sz(feed, L"keys", L"%SystemRoot%\\fixtray-keys", REG_EXPAND_SZ);
    ::RegCloseKey(feed);
    HKEY retry = create(L"fixtray\\Escalation\\Retry");  // names in another case
    set_dword(retry, L"Initial_Seconds", 10);
    ::RegCloseKey(retry);
    HKEY escalation = create(L"fixtray\\escalation");
    set_sz(escalation, L"email_domain", L"b\u00fcro.example.com");
    ::RegCloseKey(escalation);
    HKEY fixes = create(L"fixtray\\policy\\disabled_fixes");
    set_sz(fixes, L"2", L"second");  // written out of order
    set_sz(fixes, L"10", L"tenth");
    set_sz(fixes, L"1", L"first");
    ::RegCloseKey(fixes);
    HKEY policy = create(L"fixtray\\policy");
    set_multi(policy, L"disabled_packs", {L"com.example.a", L"com.example.b"});
    set_dword(policy, L"feed_admin_steps", 0);
    ::RegCloseKey(policy);
    HKEY printer = create(L"fixtray\\site\\printers\\1");
    set_sz(printer, L"name", L"Office");
    set_sz(printer, L"uri", L"ipp://print.example.com/office");
    ::RegCloseKey(printer);
    HKEY site = create(L"fixtray\\site");
    set_sz(site, L"probe_url", L"https://intranet.example.com/");
    ::RegCloseKey(site);

    PolicyTree tree;
    REQUIRE(read_managed_policy(&tree) == PolicySource::read);
    CHECK(tree.errors.empty());
    const PolicyValue* interval = value_of(tree, "feed", "interval_minutes");
    REQUIRE(interval != nullptr);
    CHECK(interval->type == PolicyValue::Type::dword);
    CHECK(interval->number == 30);
    const PolicyValue* total = value_of(tree, "feed", "max_total_bytes");
    REQUIRE(total != nullptr);
    CHECK(total->type == PolicyValue::Type::qword);
    CHECK(total->number == 4294967296ull);
    const PolicyValue* keys = value_of(tree, "feed", "keys");
    REQUIRE(keys != nullptr);
    CHECK(keys->type == PolicyValue::Type::sz);
    CHECK(keys->text.find('%') == std::string::npos);  // expanded
    CHECK(keys->text.find("fixtray-keys") != std::string::npos);
    const PolicyValue* packs = value_of(tree, "policy", "disabled_packs");
    REQUIRE(packs != nullptr);
    CHECK(packs->type == PolicyValue::Type::multi_sz);
    CHECK(packs->items == std::vector<std::string>{"com.example.a", "com.example.b"});
    CHECK(value_of(tree, "Escalation\\Retry", "Initial_Seconds") != nullptr);

    const ManagedPolicy managed = managed_policy_from(tree);
    CHECK_MESSAGE(managed.problems.empty(), problems_text(managed));
    const json doc = json::parse(managed.json);
    CHECK(doc["feed"]["url"] == "https://desk.example.com/feed");
    CHECK(doc["feed"]["interval_minutes"] == 30);
    CHECK(doc["feed"]["max_total_bytes"] == 4294967296ull);
    CHECK(doc["escalation"]["retry"]["initial_seconds"] == 10);
    CHECK(doc["escalation"]["email_domain"] == "b\xc3\xbcro.example.com");
    CHECK(doc["policy"]["disabled_fixes"] == json::array({"first", "second", "tenth"}));
    CHECK(doc["policy"]["disabled_packs"] == json::array({"com.example.a", "com.example.b"}));
    CHECK(doc["policy"]["feed_admin_steps"] == false);
    CHECK(doc["site"]["probe_url"] == "https://intranet.example.com/");
    CHECK(doc["site"]["printers"] ==
          json::array({{{"name", "Office"}, {"uri", "ipp://print.example.com/office"}}}));
    CHECK(machine_managed_policy().present);
    remove_policy();
}

TEST_CASE("win32 policy: a value of the wrong type is an error naming its registry path") {
    remove_policy();
    HKEY feed = create(L"fixtray\\feed");
    set_sz(feed, L"interval_minutes", L"30");
    const unsigned char bytes[] = {1, 2, 3};
    REQUIRE(::RegSetValueExW(feed, L"url", 0, REG_BINARY, bytes, sizeof bytes) == ERROR_SUCCESS);
    ::RegCloseKey(feed);
    const ManagedPolicy managed = machine_managed_policy();
    REQUIRE(managed.present);
    const std::string text = problems_text(managed);
    INFO(text);
    CHECK(text.find("HKLM\\SOFTWARE\\Policies\\fixtray\\feed (value interval_minutes): error: "
                    "feed.interval_minutes is REG_SZ \"30\"") != std::string::npos);
    CHECK(text.find("HKLM\\SOFTWARE\\Policies\\fixtray\\feed (value url): error: feed.url is "
                    "REG_BINARY") != std::string::npos);
    CHECK(json::parse(managed.json).is_object());
    CHECK_FALSE(json::parse(managed.json).contains("feed"));
    remove_policy();
}
