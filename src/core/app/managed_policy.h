// The machine's managed policy (Windows: HKLM\SOFTWARE\Policies\fixtray, written by Group Policy
// from installer/windows/fixtray.admx) as one more config document: the last source read, over
// /etc/fixtray/fixtray.json (ProgramData on Windows) and a user's --config, and checked by the
// same readers (merge_site_config, merge_feed_config as a trusted file, merge_escalation_config).
//
// The registry layout, one entry per key of installer/config/keys.json (kKeys in
// managed_policy.cpp; tests/config/check_config_keys.py compares the two):
//   a.b.c of type string, choice   key SOFTWARE\Policies\fixtray\a\b, REG_SZ value c
//   a.b.c of type integer          the same, REG_DWORD (or REG_QWORD) value c
//   a.b.c of type boolean          the same, REG_DWORD value c: 1 true, 0 false
//   a.b.c of type list             key ...\a\b\c whose REG_SZ values are the items, in the order
//                                  of their names 1, 2, 3 ... (names that are not numbers
//                                  follow in registry order); or one REG_MULTI_SZ value c in
//                                  ...\a\b (not both)
//   a.b of type map                key ...\a\b (site: ...\site) whose values are name = value:
//                                  REG_SZ text, REG_DWORD/REG_QWORD numbers; for site values also
//                                  REG_MULTI_SZ (a list of strings) and a subkey NAME holding
//                                  the items of a list: REG_SZ values 1, 2, 3 ... (strings) or
//                                  subkeys 1, 2, 3 ... of name = value strings (objects, such
//                                  as printers).
// Registry names are case-insensitive and matched so.
//
// A value of the wrong type (REG_SZ where a number is expected, a REG_DWORD other than 0 and 1
// for a boolean) is an error naming its registry path and value; a value or key that is not a
// setting is a warning and ignored. As with a file, a section (site; feed and policy; escalation)
// with an error changes nothing of that section.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "escalation/escalation_config.h"
#include "feed/feed_config.h"
#include "packs/site_config.h"
#include "platform/managed_policy_source.h"

namespace fixtray {

// The types of installer/config/keys.json.
enum class KeyType { string, integer, boolean, choice, list, map };

struct ManagedPolicyKey {
    const char* key;  // dotted, as in the JSON config: "escalation.retry.initial_seconds"
    KeyType type;
};

// Every key the policy can set (the 31 of installer/config/keys.json), in that list's order.
std::span<const ManagedPolicyKey> managed_policy_keys();

// Where a key lives in the registry, for messages and documentation:
// "HKLM\SOFTWARE\Policies\fixtray\escalation\retry (value initial_seconds)" for a scalar,
// "HKLM\SOFTWARE\Policies\fixtray\policy\disabled_fixes" for a list or map.
std::string managed_policy_location(const ManagedPolicyKey& key);

// The managed policy turned into a config document.
struct ManagedPolicy {
    bool present = false;     // the machine has one (the registry key exists)
    std::string json = "{}";  // {"site":{...},"feed":{...},"policy":{...},"escalation":{...}}
    // Problems found reading the registry and turning its values into `json`, each with the
    // top-level section it belongs to ("site", "feed", "policy", "escalation"; "" for the policy
    // as a whole: an error there changes nothing at all).
    struct Problem {
        std::string section;
        ConfigProblem problem;
    };
    std::vector<Problem> problems;
};

// Turns a tree read by read_managed_policy (or made by a test) into the document.
ManagedPolicy managed_policy_from(const PolicyTree& tree);

// read_managed_policy() then managed_policy_from(); present is false when there is none (always
// on Linux and macOS).
ManagedPolicy machine_managed_policy();

// Merges the policy's "site", "feed" and "policy" like a root-owned config file read last.
// Returns the problems of those sections (and of the policy as a whole), with the registry
// location of the setting as `where`.
std::vector<ConfigProblem> merge_managed_policy(const ManagedPolicy& policy, SiteConfig* site,
                                                FeedConfig* feed, FixPolicy* fix_policy);

// Merges the policy's "escalation" like a config file read last; the problems of that section
// (and the errors of the policy as a whole).
std::vector<ConfigProblem> merge_managed_policy(const ManagedPolicy& policy,
                                                EscalationConfig* config);

// For front ends that read the escalation settings themselves (after the config files):
// merges the machine's managed policy, if any, last.
std::vector<ConfigProblem> merge_machine_managed_escalation(EscalationConfig* config);

}  // namespace fixtray
