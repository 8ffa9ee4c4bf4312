// The help desk's site configuration (JSON): site values that packs declare as <param>.
//
//   { "site": { "probe_url": "https://intranet.example.com/health",
//               "default_printer": "Office",
//               "printers": [ { "name": "Office", "uri": "ipp://print.example.com/ipp/print" } ] }
//               }
//
// Scalars are strings (numbers and booleans are taken as their text); a list is an array of
// strings or an array of objects whose values are strings.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packs/variables.h"

namespace fixtray {

struct SiteConfig {
    std::map<std::string, std::string> values;
    std::map<std::string, std::vector<ListItem>> lists;
    std::vector<std::string> files;  // loaded, in order (later ones override)
};

struct ConfigProblem {
    std::string where;  // "file:line:col" or "file"
    std::string message;
    bool warning = false;
    std::string str() const;
};

// Parses one config document and merges it over *config. Returns the problems; on any error
// *config is left unchanged.
std::vector<ConfigProblem> merge_site_config(std::string_view json, const std::string& file,
                                             SiteConfig* config);
// Reads a file (at most 1 MiB) and merges it. A missing file is an error only if required.
std::vector<ConfigProblem> merge_site_config_file(const std::string& path, bool required,
                                                  SiteConfig* config);

// Shared by the readers of the config files' sections: parses a config document (a JSON
// object, key order kept; // and /* */ comments allowed). nullopt on success, else the problem
// ("file:line:col" for a syntax error, "file" when it is not an object).
std::optional<ConfigProblem> parse_config_json(std::string_view text, const std::string& file,
                                               nlohmann::ordered_json* doc);

// Shared by the readers of the config files' sections. Reads a config file (at most 1 MiB) into
// *text; a missing file is an error only if required (*found tells whether it exists).
std::vector<ConfigProblem> read_config_file(const std::string& path, bool required,
                                            std::string* text, bool* found);

}  // namespace fixtray
