// Loading fix packs from XML: errors are data with file:line:column, never exceptions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/source_location.h"
#include "packs/fix_pack.h"

namespace fixtray {

struct PackProblem {
    enum class Severity { error, warning } severity = Severity::error;
    SourceLocation where;
    std::string message;

    // "file:line:col: error: message"
    std::string str() const;
};

struct PackLoadResult {
    std::optional<FixPack> pack;        // set only when there is no error
    std::vector<PackProblem> problems;  // errors and warnings, in document order

    bool ok() const { return pack.has_value(); }
};

struct PackLoadLimits {
    std::size_t max_bytes = 4 * 1024 * 1024;  // larger files are refused before parsing
    int max_depth = 32;                       // element nesting
    std::size_t max_fixes = 1000;
    std::size_t max_steps_per_phase = 500;
    // Also set FixPack::sha256 (of the bytes parsed). Off by default: hashing costs about a
    // third of a load. A Catalog always asks for it (run records name the pack's SHA-256, and a
    // catalog that drops the steps checks the pack it reads again against it).
    bool sha256 = false;
};

// Parses and validates one pack document held in memory. `file` is used for messages only
// and `dir` becomes ${packdir}. Never throws for bad input; thread-safe.
PackLoadResult load_pack_from_string(std::string_view xml, const std::string& file,
                                     const std::string& dir = {},
                                     const PackLoadLimits& limits = {});

// Reads the file (bounded by limits.max_bytes) and calls load_pack_from_string.
PackLoadResult load_pack_file(const std::string& path, const PackLoadLimits& limits = {});

}  // namespace fixtray
