#include "app/managed_policy.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

namespace fixtray {
namespace {

using json = nlohmann::ordered_json;

// One line per key of installer/config/keys.json, in its order. tests/config/check_config_keys.py
// reads these lines: keep each entry on a line of its own, the dotted key as a string literal
// followed by its KeyType enumerator.
constexpr ManagedPolicyKey kKeys[] = {
    {"site", KeyType::map},
    {"escalation.policy", KeyType::choice},
    {"escalation.email_domain", KeyType::string},
    {"escalation.backend", KeyType::map},
    {"escalation.max_bundle_bytes", KeyType::integer},
    {"escalation.retry.initial_seconds", KeyType::integer},
    {"escalation.retry.max_seconds", KeyType::integer},
    {"escalation.retry.settle_seconds", KeyType::integer},
    {"escalation.keep_delivered_days", KeyType::integer},
    {"escalation.redaction.pseudonyms", KeyType::boolean},
    {"escalation.redaction.patterns", KeyType::list},
    {"feed.url", KeyType::string},
    {"feed.repository", KeyType::string},
    {"feed.keys", KeyType::string},
    {"feed.state_dir", KeyType::string},
    {"feed.ca_file", KeyType::string},
    {"feed.proxy", KeyType::string},
    {"feed.interval_minutes", KeyType::integer},
    {"feed.jitter_minutes", KeyType::integer},
    {"feed.timeout_seconds", KeyType::integer},
    {"feed.max_expiry_days", KeyType::integer},
    {"feed.max_index_bytes", KeyType::integer},
    {"feed.max_pack_bytes", KeyType::integer},
    {"feed.max_total_bytes", KeyType::integer},
    {"policy.disabled_fixes", KeyType::list},
    {"policy.disabled_packs", KeyType::list},
    {"policy.feed_admin_steps", KeyType::boolean},
    {"policy.feed_overrides_builtin", KeyType::boolean},
    {"policy.run_output_limit_kib", KeyType::integer},
    {"policy.keep_runs", KeyType::integer},
    {"policy.keep_run_days", KeyType::integer},
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = s.find(sep, start);
        parts.push_back(s.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) return parts;
        start = end + 1;
    }
}

std::string join(const std::vector<std::string>& parts, std::size_t count, char sep) {
    std::string out;
    for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
        if (i > 0) out += sep;
        out += parts[i];
    }
    return out;
}

std::string shown_key(const std::string& path) {
    return path.empty() ? std::string(kManagedPolicyRoot)
                        : std::string(kManagedPolicyRoot) + "\\" + path;
}

std::string shown_value(const std::string& path, const std::string& name) {
    return shown_key(path) + " (value " + (name.empty() ? "(Default)" : name) + ")";
}

// A value name that is a whole number (list items are named 1, 2, 3 ...).
std::optional<std::uint64_t> item_number(const std::string& name) {
    if (name.empty() || name.size() > 18) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : name) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

// Items in the order of their names' numbers; names that are not numbers after them, in the
// order given.
template <class T, class Name>
void order_items(std::vector<T>& items, Name name_of) {
    std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) {
        const auto na = item_number(name_of(a));
        const auto nb = item_number(name_of(b));
        if (na && nb) return *na < *nb;
        return na.has_value() && !nb.has_value();
    });
}

// Building the document from the tree, with every problem on the way.
class Converter {
public:
    explicit Converter(const PolicyTree& tree) : tree_(tree) {
        for (const auto& [path, values] : tree.keys) keys_[lower(path)] = {path, &values};
    }

    ManagedPolicy run() {
        ManagedPolicy out;
        out.present = true;
        for (const auto& error : tree_.errors) add("", {kManagedPolicyRoot, error});
        for (const auto& spec : kKeys) convert(spec);
        report_unknown();
        out.json = doc_.dump(-1, ' ', false, json::error_handler_t::replace);
        out.problems = std::move(problems_);
        return out;
    }

private:
    struct Key {
        std::string spelled;  // the registry's spelling of the path
        const std::vector<PolicyValue>* values;
    };

    const Key* find_key(const std::string& lower_path) const {
        const auto it = keys_.find(lower_path);
        return it == keys_.end() ? nullptr : &it->second;
    }
    std::string spelled(const std::string& lower_path) const {
        const Key* key = find_key(lower_path);
        return key ? key->spelled : lower_path;
    }
    const PolicyValue* find_value(const std::string& lower_path, const std::string& name) const {
        const Key* key = find_key(lower_path);
        if (!key) return nullptr;
        const std::string wanted = lower(name);
        for (const auto& v : *key->values)
            if (lower(v.name) == wanted) return &v;
        return nullptr;
    }

    void add(const std::string& section, ConfigProblem problem) {
        problems_.push_back({section, std::move(problem)});
    }
    void error(const std::string& section, const std::string& where, const std::string& message) {
        add(section, {where, message});
    }

    // The document's object for the dotted path's parent, created on the way.
    json& slot(const std::vector<std::string>& parts) {
        json* node = &doc_;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
        return (*node)[parts.back()];
    }

    void convert(const ManagedPolicyKey& spec) {
        const std::vector<std::string> parts = split(spec.key, '.');
        const std::string section = parts.front();
        const std::string parent = join(parts, parts.size() - 1, '\\');
        const std::string path = join(parts, parts.size(), '\\');
        const std::string& name = parts.back();
        switch (spec.type) {
            case KeyType::string:
            case KeyType::choice:
            case KeyType::integer:
            case KeyType::boolean: {
                const PolicyValue* v = find_value(parent, name);
                if (!v) return;
                claimed_values_.insert({parent, lower(name)});
                if (auto value = scalar(spec, *v, section, shown_value(spelled(parent), v->name)))
                    slot(parts) = std::move(*value);
                return;
            }
            case KeyType::list:
                list(parts, section, parent, path, name);
                return;
            case KeyType::map:
                map(parts, section, path, section == "site");
                return;
        }
    }

    std::optional<json> scalar(const ManagedPolicyKey& spec, const PolicyValue& v,
                               const std::string& section, const std::string& where) {
        const bool number =
            v.type == PolicyValue::Type::dword || v.type == PolicyValue::Type::qword;
        switch (spec.type) {
            case KeyType::string:
            case KeyType::choice:
                if (v.type == PolicyValue::Type::sz) return json(v.text);
                error(section, where,
                      std::string(spec.key) + " is " + registry_type_name(v) +
                          ": a text (REG_SZ) is expected");
                return std::nullopt;
            case KeyType::integer:
                if (number) return json(v.number);
                error(section, where,
                      std::string(spec.key) + " is " + registry_type_name(v) +
                          (v.type == PolicyValue::Type::sz ? " \"" + v.text + "\"" : "") +
                          ": a number (REG_DWORD) is expected");
                return std::nullopt;
            case KeyType::boolean:
                if (number && (v.number == 0 || v.number == 1)) return json(v.number == 1);
                error(section, where,
                      std::string(spec.key) + " is " + registry_type_name(v) +
                          (number                            ? " " + std::to_string(v.number)
                           : v.type == PolicyValue::Type::sz ? " \"" + v.text + "\""
                                                             : "") +
                          ": REG_DWORD 1 (true) or 0 (false) is expected");
                return std::nullopt;
            case KeyType::list:
            case KeyType::map:
                break;
        }
        return std::nullopt;
    }

    // The REG_SZ values of a key as list items, in item order; nullopt after an error.
    std::optional<json> items_of(const Key& key, const std::string& section,
                                 const std::string& what) {
        std::vector<const PolicyValue*> values;
        for (const auto& v : *key.values) values.push_back(&v);
        order_items(values, [](const PolicyValue* v) { return v->name; });
        json items = json::array();
        bool good = true;
        for (const PolicyValue* v : values) {
            if (v->type != PolicyValue::Type::sz) {
                error(section, shown_value(key.spelled, v->name),
                      what + ": an item is " + registry_type_name(*v) +
                          ": each item is a text (REG_SZ)");
                good = false;
                continue;
            }
            items.push_back(v->text);
        }
        if (!good) return std::nullopt;
        return items;
    }

    void list(const std::vector<std::string>& parts, const std::string& section,
              const std::string& parent, const std::string& path, const std::string& name) {
        const std::string dotted = join(parts, parts.size(), '.');
        const PolicyValue* multi = find_value(parent, name);
        const Key* key = find_key(path);
        if (key) claimed_keys_.insert(path);
        if (multi) claimed_values_.insert({parent, lower(name)});
        const bool key_has_items = key && !key->values->empty();
        if (multi && key_has_items) {
            error(section, shown_key(key->spelled),
                  dotted + " is set twice: as this key's values and as " +
                      shown_value(spelled(parent), multi->name) + "; set one of them");
            return;
        }
        if (multi) {
            if (multi->type != PolicyValue::Type::multi_sz) {
                error(section, shown_value(spelled(parent), multi->name),
                      dotted + " is " + registry_type_name(*multi) +
                          ": a list is expected (REG_SZ values 1, 2, 3 ... in the key " +
                          shown_key(path) + ", or one REG_MULTI_SZ value)");
                return;
            }
            slot(parts) = multi->items;
            return;
        }
        if (!key_has_items) return;
        if (auto items = items_of(*key, section, dotted)) slot(parts) = std::move(*items);
    }

    void map(const std::vector<std::string>& parts, const std::string& section,
             const std::string& path, bool site) {
        const std::string dotted = join(parts, parts.size(), '.');
        const Key* key = find_key(path);
        json object = json::object();
        bool any = false;
        bool good = true;
        if (key) {
            claimed_keys_.insert(path);
            for (const auto& v : *key->values) {
                const std::string where = shown_value(key->spelled, v.name);
                if (v.name.empty()) {
                    add(section, {where,
                                  dotted + ": the key's default value is not a setting "
                                           "(ignored)",
                                  true});
                    continue;
                }
                any = true;
                switch (v.type) {
                    case PolicyValue::Type::sz:
                        object[v.name] = v.text;
                        break;
                    case PolicyValue::Type::dword:
                    case PolicyValue::Type::qword:
                        object[v.name] = v.number;
                        break;
                    case PolicyValue::Type::multi_sz:
                        object[v.name] = v.items;
                        break;
                    case PolicyValue::Type::other:
                        error(section, where,
                              dotted + "." + v.name + " is " + registry_type_name(v) +
                                  ": a text (REG_SZ) is expected");
                        good = false;
                        break;
                }
            }
        }
        if (site) {
            // Subkeys site\NAME: the items of the list NAME.
            const std::string prefix = path + "\\";
            for (const auto& [lower_path, sub] : keys_) {
                if (lower_path.rfind(prefix, 0) != 0) continue;
                const std::string rest = lower_path.substr(prefix.size());
                if (rest.find('\\') != std::string::npos) continue;  // deeper: below
                const std::string name = sub.spelled.substr(prefix.size());
                claimed_keys_.insert(lower_path);
                if (object.contains(name)) {
                    error(section, shown_key(sub.spelled),
                          "site." + name + " is set twice: as " + shown_value(key->spelled, name) +
                              " and as this key; set one of them");
                    good = false;
                    continue;
                }
                if (auto items = site_list(sub, lower_path, section)) {
                    object[name] = std::move(*items);
                    any = true;
                } else {
                    good = false;
                }
            }
        }
        if (good && any) slot(parts) = std::move(object);
    }

    // A site list from the key site\NAME: its REG_SZ values 1, 2, 3 ... (strings), or its
    // subkeys 1, 2, 3 ... of name = value strings (objects).
    std::optional<json> site_list(const Key& list_key, const std::string& lower_path,
                                  const std::string& section) {
        const std::string dotted =
            "site." + list_key.spelled.substr(list_key.spelled.find('\\') + 1);
        std::vector<std::pair<std::string, const Key*>> objects;
        const std::string prefix = lower_path + "\\";
        for (const auto& [path, sub] : keys_) {
            if (path.rfind(prefix, 0) != 0) continue;
            if (path.find('\\', prefix.size()) != std::string::npos) continue;  // reported unknown
            claimed_keys_.insert(path);
            objects.push_back({sub.spelled.substr(prefix.size()), &sub});
        }
        if (!objects.empty() && !list_key.values->empty()) {
            error(section, shown_key(list_key.spelled),
                  dotted +
                      " has both values (string items) and subkeys (object items); a list "
                      "holds one kind");
            return std::nullopt;
        }
        if (objects.empty()) return items_of(list_key, section, dotted);
        order_items(objects, [](const auto& o) { return o.first; });
        json items = json::array();
        bool good = true;
        for (const auto& [name, sub] : objects) {
            json object = json::object();
            for (const auto& v : *sub->values) {
                if (v.type == PolicyValue::Type::sz && !v.name.empty()) {
                    object[v.name] = v.text;
                } else {
                    error(section, shown_value(sub->spelled, v.name),
                          dotted + ": an item's field is " + registry_type_name(v) +
                              (v.name.empty() ? " without a name" : "") +
                              ": each field is a named text (REG_SZ)");
                    good = false;
                }
            }
            items.push_back(std::move(object));
        }
        if (!good) return std::nullopt;
        return items;
    }

    // Values and keys that are not settings: warnings.
    void report_unknown() {
        std::set<std::string> sections;  // keys that hold settings or lead to them
        for (const auto& spec : kKeys) {
            const auto parts = split(spec.key, '.');
            for (std::size_t n = 0; n < parts.size(); ++n) sections.insert(join(parts, n, '\\'));
        }
        for (const auto& [path, key] : keys_) {
            const std::string section = split(path, '\\').front();
            if (claimed_keys_.count(path)) continue;
            if (!sections.count(path)) {
                if (!key.values->empty())
                    add(section, {shown_key(key.spelled),
                                  "not a fixtray setting (ignored): fixtray reads the keys of "
                                  "installer/windows/fixtray.admx",
                                  true});
                continue;
            }
            for (const auto& v : *key.values) {
                if (claimed_values_.count({path, lower(v.name)})) continue;
                add(section,
                    {shown_value(key.spelled, v.name), "not a fixtray setting (ignored)", true});
            }
        }
    }

    const PolicyTree& tree_;
    std::map<std::string, Key> keys_;  // by lower-case path
    std::set<std::string> claimed_keys_;
    std::set<std::pair<std::string, std::string>> claimed_values_;  // lower path, lower name
    json doc_ = json::object();
    std::vector<ManagedPolicy::Problem> problems_;
};

// The registry location of the setting a config reader's message names ("feed.interval_minutes:
// must be ...", "escalation.backend.type: is required", "site.printers: ...").
std::string location_of_message(const std::string& message) {
    const std::string token = message.substr(0, message.find_first_of(": ["));
    const ManagedPolicyKey* best = nullptr;
    for (const auto& spec : kKeys) {
        const std::string k = spec.key;
        if ((token == k || token.rfind(k + ".", 0) == 0) &&
            (!best || k.size() > std::string(best->key).size()))
            best = &spec;
    }
    if (!best) {
        // A section ("escalation.retry: max_seconds is smaller than initial_seconds").
        for (const auto& spec : kKeys)
            if (std::string(spec.key).rfind(token + ".", 0) == 0)
                return shown_key(join(split(token, '.'), split(token, '.').size(), '\\'));
        return kManagedPolicyRoot;
    }
    const std::string k = best->key;
    if (best->type == KeyType::map && token.size() > k.size())
        return shown_value(join(split(k, '.'), split(k, '.').size(), '\\'),
                           token.substr(k.size() + 1));
    return managed_policy_location(*best);
}

std::vector<ConfigProblem> relocated(std::vector<ConfigProblem> problems) {
    for (auto& p : problems) p.where = location_of_message(p.message);
    return problems;
}

bool has_error(const ManagedPolicy& policy, std::initializer_list<const char*> sections) {
    return std::any_of(policy.problems.begin(), policy.problems.end(), [&](const auto& p) {
        return !p.problem.warning && std::any_of(sections.begin(), sections.end(),
                                                 [&](const char* s) { return p.section == s; });
    });
}

bool document_has(const ManagedPolicy& policy, std::initializer_list<const char*> sections) {
    const json doc = json::parse(policy.json, nullptr, false);
    return doc.is_object() && std::any_of(sections.begin(), sections.end(),
                                          [&](const char* s) { return doc.contains(s); });
}

}  // namespace

std::span<const ManagedPolicyKey> managed_policy_keys() {
    return kKeys;
}

std::string managed_policy_location(const ManagedPolicyKey& key) {
    const auto parts = split(key.key, '.');
    if (key.type == KeyType::list || key.type == KeyType::map)
        return shown_key(join(parts, parts.size(), '\\'));
    return shown_value(join(parts, parts.size() - 1, '\\'), parts.back());
}

ManagedPolicy managed_policy_from(const PolicyTree& tree) {
    return Converter(tree).run();
}

ManagedPolicy machine_managed_policy() {
    PolicyTree tree;
    if (read_managed_policy(&tree) == PolicySource::none) return {};
    return managed_policy_from(tree);
}

std::vector<ConfigProblem> merge_managed_policy(const ManagedPolicy& policy, SiteConfig* site,
                                                FeedConfig* feed, FixPolicy* fix_policy) {
    std::vector<ConfigProblem> out;
    if (!policy.present) return out;
    for (const auto& p : policy.problems)
        if (p.section != "escalation") out.push_back(p.problem);
    auto append = [&](std::vector<ConfigProblem> problems) {
        for (auto& p : relocated(std::move(problems))) out.push_back(std::move(p));
    };
    if (has_error(policy, {""})) return out;
    if (!has_error(policy, {"site"}) && document_has(policy, {"site"}))
        append(merge_site_config(policy.json, kManagedPolicyRoot, site));
    if (!has_error(policy, {"feed", "policy"}) && document_has(policy, {"feed", "policy"}))
        append(
            merge_feed_config(policy.json, kManagedPolicyRoot, /*trusted=*/true, feed, fix_policy));
    return out;
}

std::vector<ConfigProblem> merge_managed_policy(const ManagedPolicy& policy,
                                                EscalationConfig* config) {
    std::vector<ConfigProblem> out;
    if (!policy.present) return out;
    for (const auto& p : policy.problems)
        if (p.section == "escalation" || (p.section.empty() && !p.problem.warning))
            out.push_back(p.problem);
    if (has_error(policy, {"", "escalation"})) return out;
    if (document_has(policy, {"escalation"}))
        for (auto& p : relocated(merge_escalation_config(policy.json, kManagedPolicyRoot, config)))
            out.push_back(std::move(p));
    return out;
}

std::vector<ConfigProblem> merge_machine_managed_escalation(EscalationConfig* config) {
    const ManagedPolicy policy = machine_managed_policy();
    if (!policy.present) return {};
    return merge_managed_policy(policy, config);
}

}  // namespace fixtray
