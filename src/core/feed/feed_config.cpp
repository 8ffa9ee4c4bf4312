#include "feed/feed_config.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/duration.h"
#include "packs/pack_syntax.h"
#include "platform/platform_paths.h"
#include "platform/trusted_path.h"

namespace fixtray {
namespace {

using json = nlohmann::ordered_json;

}  // namespace

bool FixPolicy::fix_disabled(const std::string& pack_id, const std::string& fix_id) const {
    return std::find(disabled_fixes.begin(), disabled_fixes.end(), fix_id) !=
               disabled_fixes.end() ||
           std::find(disabled_packs.begin(), disabled_packs.end(), pack_id) != disabled_packs.end();
}

FeedConfig default_feed_config() {
    FeedConfig c;
    c.keys_dir = machine_keys_dir();
    c.state_dir = machine_feed_dir();
    return c;
}

std::vector<ConfigProblem> merge_feed_config(std::string_view text, const std::string& file,
                                             bool trusted, FeedConfig* feed, FixPolicy* policy) {
    json doc;
    if (auto problem = parse_config_json(text, file, &doc)) return {std::move(*problem)};

    std::vector<ConfigProblem> problems;
    FeedConfig f = *feed;
    FixPolicy pol = *policy;
    auto error = [&](const std::string& key, const std::string& message) {
        problems.push_back({file, key + ": " + message});
    };
    // The feed and the policy are the machine's: which server and keys it trusts, what runs.
    // A file a user could write sets none of it (a user's --config is for site values).
    auto untrusted = [&](const std::string& key) {
        error(key, "is only read from a config file owned and writable only by root (such as " +
                       system_config_file() + "): feed and policy settings are the machine's");
    };

    if (auto section = doc.find("feed"); section != doc.end()) {
        if (!section->is_object()) {
            error("feed", "must be an object");
        } else {
            for (const auto& [key, value] : section->items()) {
                const std::string name = "feed." + key;
                if (!trusted) {
                    untrusted(name);
                    continue;
                }
                auto string_value = [&](std::string* out) {
                    if (!value.is_string() || value.get<std::string>().empty())
                        error(name, "must be a non-empty string");
                    else
                        *out = value.get<std::string>();
                };
                auto number = [&](long long min, long long max, auto setter) {
                    if (!value.is_number_integer() || value.get<long long>() < min ||
                        value.get<long long>() > max)
                        error(name, "must be a whole number from " + std::to_string(min) + " to " +
                                        std::to_string(max));
                    else
                        setter(value.get<long long>());
                };
                if (key == "url") {
                    string_value(&f.url);
                    if (!f.url.empty() && f.url.back() != '/') f.url += '/';
                } else if (key == "repository") {
                    string_value(&f.repository);
                    if (!f.repository.empty() && !pack_syntax::is_pack_id(f.repository))
                        error(name, "must be a reverse-DNS id such as com.example.helpdesk");
                } else if (key == "keys" || key == "state_dir") {
                    string_value(key == "keys" ? &f.keys_dir : &f.state_dir);
                } else if (key == "ca_file") {
                    // An internal CA for the feed's https server. Root's, like the keys: a CA a
                    // user could add would let that user stand in for the feed's server.
                    std::string path;
                    string_value(&path);
                    if (path.empty()) continue;
                    std::error_code ec;
                    if (!std::filesystem::path(path).is_absolute())
                        error(name, "must be an absolute path to a PEM file of CA certificates");
                    else if (!std::filesystem::is_regular_file(path, ec))
                        error(name, path + " is not a file");
                    else if (Status owned = check_root_owned(path); !owned)
                        error(name, owned.message());
                    else
                        f.ca_file = path;
                } else if (key == "proxy") {
                    if (!value.is_string())
                        error(name, "must be a string (\"\" for none)");
                    else
                        f.proxy = value.get<std::string>();
                } else if (key == "interval_minutes") {
                    number(1, 7 * 24 * 60,
                           [&](long long v) { f.interval = std::chrono::minutes(v); });
                } else if (key == "jitter_minutes") {
                    number(0, 24 * 60, [&](long long v) { f.jitter = std::chrono::minutes(v); });
                } else if (key == "timeout_seconds") {
                    number(1, 3600, [&](long long v) { f.timeout = std::chrono::seconds(v); });
                } else if (key == "max_expiry_days") {
                    number(1, 3650,
                           [&](long long v) { f.max_expiry = std::chrono::hours(24 * v); });
                } else if (key == "max_index_bytes") {
                    number(1024, 64ll << 20, [&](long long v) { f.max_index_bytes = v; });
                } else if (key == "max_pack_bytes") {
                    number(1024, 64ll << 20, [&](long long v) { f.max_pack_bytes = v; });
                } else if (key == "max_total_bytes") {
                    number(1024, 4ll << 30, [&](long long v) { f.max_total_bytes = v; });
                } else {
                    problems.push_back({file, "unknown key \"feed." + key + "\" (ignored)", true});
                }
            }
        }
    }
    if (auto section = doc.find("policy"); section != doc.end()) {
        if (!section->is_object()) {
            error("policy", "must be an object");
        } else {
            for (const auto& [key, value] : section->items()) {
                if (!trusted) {
                    untrusted("policy." + key);
                    continue;
                }
                if (key == "feed_admin_steps" || key == "feed_overrides_builtin") {
                    bool& setting = key == "feed_admin_steps" ? pol.feed_admin_steps
                                                              : pol.feed_overrides_builtin;
                    if (!value.is_boolean())
                        error("policy." + key, "must be true or false");
                    else if (!value.get<bool>())
                        setting = false;  // never back on from a later file
                    continue;
                }
                if (key == "run_output_limit_kib" || key == "keep_runs" || key == "keep_run_days") {
                    // Whole numbers in a sane range: 0 KiB to 64 MiB, 1 to 100,000 records, 1
                    // day to 10 years.
                    const long long max = key == "run_output_limit_kib" ? 65536
                                          : key == "keep_runs"          ? 100000
                                                                        : 3650;
                    const long long min = key == "run_output_limit_kib" ? 0 : 1;
                    if (!value.is_number_integer() || value.get<long long>() < min ||
                        value.get<long long>() > max) {
                        error("policy." + key, "must be a whole number from " +
                                                   std::to_string(min) + " to " +
                                                   std::to_string(max));
                        continue;
                    }
                    const auto n = value.get<long long>();
                    if (key == "run_output_limit_kib")
                        pol.run_output_limit_kib = static_cast<std::size_t>(n);
                    else if (key == "keep_runs")
                        pol.keep_runs = static_cast<std::size_t>(n);
                    else
                        pol.keep_run_days = static_cast<int>(n);
                    continue;
                }
                if (key != "disabled_fixes" && key != "disabled_packs") {
                    problems.push_back(
                        {file, "unknown key \"policy." + key + "\" (ignored)", true});
                    continue;
                }
                std::vector<std::string> ids;
                bool good = value.is_array();
                if (good)
                    for (const auto& v : value) {
                        if (!v.is_string())
                            good = false;
                        else
                            ids.push_back(v.get<std::string>());
                    }
                if (!good) {
                    error("policy." + key, "must be a list of ids");
                    continue;
                }
                auto& target = key == "disabled_fixes" ? pol.disabled_fixes : pol.disabled_packs;
                target.insert(target.end(), ids.begin(), ids.end());
            }
        }
    }
    for (const auto& p : problems)
        if (!p.warning) return problems;
    if (doc.contains("feed")) f.files.push_back(file);
    *feed = std::move(f);
    *policy = std::move(pol);
    return problems;
}

std::vector<ConfigProblem> merge_feed_config_file(const std::string& path, bool required,
                                                  FeedConfig* feed, FixPolicy* policy) {
    std::string text;
    bool found = false;
    auto problems = read_config_file(path, required, &text, &found);
    if (!found || !problems.empty()) return problems;
    return merge_feed_config(text, path, check_root_owned(path).ok(), feed, policy);
}

}  // namespace fixtray
