#include "packs/site_config.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/source_location.h"

namespace fixtray {
namespace {

using json = nlohmann::ordered_json;

std::string scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
}

}  // namespace

std::optional<ConfigProblem> parse_config_json(std::string_view text, const std::string& file,
                                               nlohmann::ordered_json* doc) {
    try {
        // Comments (// and /* */) are allowed: the installed /etc/fixtray/fixtray.json documents
        // every key in them.
        *doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                           /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
        const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        std::string message = e.what();
        // nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, ...":
        // keep the part that carries the reason.
        if (auto pos = message.find("syntax error"); pos != std::string::npos)
            message = message.substr(pos);
        return ConfigProblem{location_of(text, offset, file).str(), message};
    }
    if (!doc->is_object()) return ConfigProblem{file, "the config must be a JSON object"};
    return std::nullopt;
}

std::string ConfigProblem::str() const {
    return where + ": " + (warning ? "warning: " : "error: ") + message;
}

std::vector<ConfigProblem> merge_site_config(std::string_view text, const std::string& file,
                                             SiteConfig* config) {
    std::vector<ConfigProblem> problems;
    json doc;
    if (auto problem = parse_config_json(text, file, &doc)) {
        problems.push_back(std::move(*problem));
        return problems;
    }
    SiteConfig merged = *config;
    for (const auto& [key, value] : doc.items()) {
        // Read by merge_escalation_config and merge_feed_config.
        if (key == "escalation" || key == "feed" || key == "policy") continue;
        if (key != "site") {
            problems.push_back({file, "unknown key \"" + key + "\" (ignored)", true});
            continue;
        }
        if (!value.is_object()) {
            problems.push_back({file, "\"site\" must be an object of site values"});
            continue;
        }
        for (const auto& [name, v] : value.items()) {
            const std::string where_name = "site." + name;
            if (v.is_array()) {
                std::vector<ListItem> items;
                bool good = true;
                for (const auto& element : v) {
                    ListItem item;
                    if (element.is_object()) {
                        for (const auto& [field, fv] : element.items()) {
                            if (fv.is_object() || fv.is_array() || fv.is_null()) {
                                problems.push_back({file, where_name + ": field \"" + field +
                                                              "\" must be a string"});
                                good = false;
                                continue;
                            }
                            item.fields[field] = scalar_text(fv);
                        }
                        if (auto it = element.find("name"); it != element.end())
                            item.value = scalar_text(*it);
                        else if (!element.empty())
                            item.value = scalar_text(element.begin().value());
                    } else if (element.is_array() || element.is_null()) {
                        problems.push_back(
                            {file, where_name + ": list items must be strings or objects"});
                        good = false;
                        continue;
                    } else {
                        item.value = scalar_text(element);
                    }
                    items.push_back(std::move(item));
                }
                if (good) {
                    merged.values.erase(name);
                    merged.lists[name] = std::move(items);
                }
            } else if (v.is_object() || v.is_null()) {
                problems.push_back({file, where_name + " must be a string or a list"});
            } else {
                merged.lists.erase(name);
                merged.values[name] = scalar_text(v);
            }
        }
    }
    for (const auto& p : problems)
        if (!p.warning) return problems;
    merged.files.push_back(file);
    *config = std::move(merged);
    return problems;
}

std::vector<ConfigProblem> read_config_file(const std::string& path, bool required,
                                            std::string* text, bool* found) {
    text->clear();
    std::ifstream in(path, std::ios::binary);
    *found = static_cast<bool>(in);
    if (!in) {
        if (!required) return {};
        return {{path, "cannot open the config file"}};
    }
    constexpr std::size_t kMax = 1024 * 1024;
    std::string buffer(kMax + 1, '\0');
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.resize(static_cast<std::size_t>(in.gcount()));
    if (buffer.size() > kMax) return {{path, "the config file is larger than 1 MiB"}};
    *text = std::move(buffer);
    return {};
}

std::vector<ConfigProblem> merge_site_config_file(const std::string& path, bool required,
                                                  SiteConfig* config) {
    std::string text;
    bool found = false;
    auto problems = read_config_file(path, required, &text, &found);
    if (!problems.empty() || !found) return problems;
    return merge_site_config(text, path, config);
}

}  // namespace fixtray
