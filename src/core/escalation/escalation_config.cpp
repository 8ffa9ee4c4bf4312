#include "escalation/escalation_config.h"

#include <nlohmann/json.hpp>

#include "base/duration.h"
#include "packs/pattern.h"

namespace fixtray {
namespace {

using json = nlohmann::ordered_json;

std::optional<std::string> text_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return std::nullopt;
}

}  // namespace

const char* to_string(EscalationPolicy p) {
    switch (p) {
        case EscalationPolicy::off:
            return "off";
        case EscalationPolicy::ask:
            return "ask";
        case EscalationPolicy::automatic:
            return "automatic";
    }
    return "?";
}

std::vector<ConfigProblem> merge_escalation_config(std::string_view text, const std::string& file,
                                                   EscalationConfig* config) {
    std::vector<ConfigProblem> problems;
    json doc;
    if (auto problem = parse_config_json(text, file, &doc)) return {std::move(*problem)};
    auto section = doc.find("escalation");
    if (section == doc.end()) return {};
    if (!section->is_object()) return {{file, "\"escalation\" must be an object"}};

    EscalationConfig merged = *config;
    auto error = [&](const std::string& key, const std::string& message) {
        problems.push_back({file, "escalation." + key + ": " + message});
    };
    auto seconds = [&](const json& obj, const char* key, std::chrono::seconds* out,
                       const std::string& path) {
        auto it = obj.find(key);
        if (it == obj.end()) return;
        if (!it->is_number_integer() || it->get<long long>() < 1 ||
            it->get<long long>() > 7 * 24 * 3600)
            error(path + "." + key, "must be a whole number of seconds from 1 to 604800");
        else
            *out = std::chrono::seconds(it->get<long long>());
    };

    for (const auto& [key, value] : section->items()) {
        if (key == "policy") {
            const std::string p = value.is_string() ? value.get<std::string>() : "";
            if (p == "off")
                merged.policy = EscalationPolicy::off;
            else if (p == "ask")
                merged.policy = EscalationPolicy::ask;
            else if (p == "automatic")
                merged.policy = EscalationPolicy::automatic;
            else
                error(key, "must be \"off\", \"ask\" or \"automatic\"");
        } else if (key == "backend") {
            if (!value.is_object()) {
                error(key, "must be an object with a \"type\"");
                continue;
            }
            BackendConfig backend;
            backend.where = file;
            for (const auto& [name, v] : value.items()) {
                auto t = text_of(v);
                if (!t) {
                    error("backend." + name, "must be a string");
                    continue;
                }
                if (name == "type")
                    backend.type = *t;
                else
                    backend.options[name] = *t;
            }
            if (backend.type.empty()) error("backend.type", "is required (for example \"rt\")");
            merged.backend = std::move(backend);
        } else if (key == "email_domain") {
            if (!value.is_string() ||
                value.get<std::string>().find_first_of("@ /") != std::string::npos)
                error(key, "must be a domain name such as \"example.com\"");
            else
                merged.email_domain = value.get<std::string>();
        } else if (key == "keep_delivered_days") {
            if (!value.is_number_integer() || value.get<long long>() < 0 ||
                value.get<long long>() > 3650)
                error(key, "must be a number of days from 0 (keep forever) to 3650");
            else
                merged.keep_delivered = std::chrono::hours(24 * value.get<long long>());
        } else if (key == "max_bundle_bytes") {
            if (!value.is_number_integer() || value.get<long long>() < 64 * 1024 ||
                value.get<long long>() > 1024ll * 1024 * 1024)
                error(key, "must be a number of bytes from 65536 to 1073741824");
            else
                merged.max_bundle_bytes = value.get<std::uint64_t>();
        } else if (key == "retry") {
            if (!value.is_object()) {
                error(key, "must be an object");
                continue;
            }
            for (const auto& [name, v] : value.items())
                if (name != "initial_seconds" && name != "max_seconds" && name != "settle_seconds")
                    problems.push_back(
                        {file, "escalation.retry: unknown key \"" + name + "\" (ignored)", true});
            seconds(value, "initial_seconds", &merged.retry_initial, "retry");
            seconds(value, "max_seconds", &merged.retry_max, "retry");
            seconds(value, "settle_seconds", &merged.retry_settle, "retry");
            if (merged.retry_max < merged.retry_initial)
                error("retry", "max_seconds is smaller than initial_seconds");
        } else if (key == "redaction") {
            if (!value.is_object()) {
                error(key, "must be an object");
                continue;
            }
            for (const auto& [name, v] : value.items()) {
                if (name == "pseudonyms") {
                    if (!v.is_boolean())
                        error("redaction.pseudonyms", "must be true or false");
                    else
                        merged.pseudonyms = v.get<bool>();
                } else if (name == "patterns") {
                    if (!v.is_array()) {
                        error("redaction.patterns", "must be a list of regular expressions");
                        continue;
                    }
                    std::vector<std::string> patterns;
                    for (std::size_t i = 0; i < v.size(); ++i) {
                        const std::string path = "redaction.patterns[" + std::to_string(i) + "]";
                        if (!v[i].is_string() || v[i].get<std::string>().empty()) {
                            error(path, "must be a non-empty string");
                            continue;
                        }
                        // The same compilation the Redactor does, so that a config that loads
                        // never stops a bundle later.
                        const Pattern check(v[i].get<std::string>());
                        if (check.ok())
                            patterns.push_back(v[i].get<std::string>());
                        else
                            error(path, "is not a valid regular expression: " + check.error());
                    }
                    merged.patterns = std::move(patterns);
                } else {
                    problems.push_back(
                        {file, "escalation.redaction: unknown key \"" + name + "\" (ignored)",
                         true});
                }
            }
        } else {
            problems.push_back({file, "escalation: unknown key \"" + key + "\" (ignored)", true});
        }
    }
    for (const auto& p : problems)
        if (!p.warning) return problems;
    merged.files.push_back(file);
    *config = std::move(merged);
    return problems;
}

std::vector<ConfigProblem> merge_escalation_config_file(const std::string& path, bool required,
                                                        EscalationConfig* config) {
    std::string text;
    bool found = false;
    auto problems = read_config_file(path, required, &text, &found);
    if (!problems.empty() || !found) return problems;
    return merge_escalation_config(text, path, config);
}

}  // namespace fixtray
