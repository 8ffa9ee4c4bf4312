// JSON as text: one way to write it for every file fixtray keeps.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace fixtray {

// Serialises with invalid UTF-8 replaced (step output is arbitrary bytes).
std::string dump_json(const nlohmann::json& j, int indent = -1);

}  // namespace fixtray
