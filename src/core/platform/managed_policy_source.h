// The machine's managed policy as the operating system keeps it: on Windows the values Group
// Policy (or any tool running as an administrator) writes under HKLM\SOFTWARE\Policies\fixtray.
// One implementation per platform: win32/managed_policy_source.cpp walks the registry;
// posix/managed_policy_source.cpp has none (Linux reads /etc/fixtray/fixtray.json instead; macOS
// managed preferences are not read). app/managed_policy.h turns the tree into the config
// document the config readers check.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fixtray {

// Where the policy lives, as messages name it.
inline constexpr const char* kManagedPolicyRoot = "HKLM\\SOFTWARE\\Policies\\fixtray";

// One registry value. REG_EXPAND_SZ is read as REG_SZ with its %VARIABLES% expanded.
struct PolicyValue {
    enum class Type { sz, dword, qword, multi_sz, other };
    std::string name;  // the value's name ("" for a key's default value)
    Type type = Type::sz;
    std::string text;                // sz
    std::uint64_t number = 0;        // dword, qword
    std::vector<std::string> items;  // multi_sz, in order
    unsigned long other_type = 0;    // other: the registry type (REG_BINARY is 3)

    static PolicyValue reg_sz(std::string name, std::string text) {
        PolicyValue v;
        v.name = std::move(name);
        v.text = std::move(text);
        return v;
    }
    static PolicyValue reg_dword(std::string name, std::uint32_t number) {
        PolicyValue v;
        v.name = std::move(name);
        v.type = Type::dword;
        v.number = number;
        return v;
    }
    static PolicyValue reg_qword(std::string name, std::uint64_t number) {
        PolicyValue v = reg_dword(std::move(name), 0);
        v.type = Type::qword;
        v.number = number;
        return v;
    }
    static PolicyValue reg_multi_sz(std::string name, std::vector<std::string> items) {
        PolicyValue v;
        v.name = std::move(name);
        v.type = Type::multi_sz;
        v.items = std::move(items);
        return v;
    }
    static PolicyValue reg_other(std::string name, unsigned long type) {
        PolicyValue v;
        v.name = std::move(name);
        v.type = Type::other;
        v.other_type = type;
        return v;
    }
};

// "REG_SZ", "REG_DWORD", ..., "REG_BINARY", "registry type 42".
inline std::string registry_type_name(const PolicyValue& value) {
    switch (value.type) {
        case PolicyValue::Type::sz:
            return "REG_SZ";
        case PolicyValue::Type::dword:
            return "REG_DWORD";
        case PolicyValue::Type::qword:
            return "REG_QWORD";
        case PolicyValue::Type::multi_sz:
            return "REG_MULTI_SZ";
        case PolicyValue::Type::other:
            break;
    }
    switch (value.other_type) {
        case 0:
            return "REG_NONE";
        case 3:
            return "REG_BINARY";
        case 5:
            return "REG_DWORD_BIG_ENDIAN";
        case 6:
            return "REG_LINK";
        case 8:
            return "REG_RESOURCE_LIST";
        default:
            return "registry type " + std::to_string(value.other_type);
    }
}

// The values below the root, by key: the path relative to the root with '\' between names, as
// the registry spells them ("" is the root itself, "escalation\retry" a key two levels down).
// Registry names are case-insensitive; readers of the tree compare them so.
struct PolicyTree {
    std::map<std::string, std::vector<PolicyValue>> keys;  // each key's values in registry order
    std::vector<std::string> errors;  // what could not be read, for a person (with the path)
};

enum class PolicySource {
    none,  // no managed policy on this machine (no such key; always on Linux and macOS)
    read,  // *tree holds what was found, and errors what could not be read
};

// Reads the machine's managed policy into *tree (cleared first).
PolicySource read_managed_policy(PolicyTree* tree);

}  // namespace fixtray
