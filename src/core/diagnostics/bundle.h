// The diagnostics bundle: a tar.gz with manifest.json and one text file per item, redacted
// before anything is written. It can be read back, previewed and edited (an item removed) so
// the employee sees exactly what will be sent.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "diagnostics/diagnostics.h"
#include "diagnostics/redaction.h"

namespace fixtray {

struct BundleOptions {
    std::uint64_t max_bytes = 16ull * 1024 * 1024;  // the compressed bundle's size cap
    RedactionRules redaction;                       // always applied; names optional
    std::string fix_id, run_id;                     // recorded in the manifest when set
};

struct BundleWritten {
    std::uint64_t size = 0;
    nlohmann::json manifest;  // as written
    // Real name → pseudonym, for the caller to keep on this machine (never in the bundle).
    std::map<std::string, std::string> pseudonyms;
};

// Redacts every item (content and the manifest's argv, paths and messages) and writes the
// bundle to `path` (atomically: a temporary file renamed into place). Fails with a message
// naming the cap when the bundle would be larger than options.max_bytes, and when a site
// redaction pattern is invalid; nothing is left at the path on failure. Thread-safe (no shared
// state).
Result<BundleWritten> write_bundle(const DiagnosticsReport& report, const std::string& path,
                                   const BundleOptions& options = {});

// One file in a bundle.
struct BundleEntry {
    std::string name;  // "manifest.json", "network.routes.txt"...
    std::uint64_t size = 0;
};

struct BundleContents {
    nlohmann::json manifest;
    std::vector<BundleEntry> entries;  // in archive order, manifest.json first
};

// Lists a bundle written by write_bundle. Refuses archives that are not ours (entries that are
// not plain files, unsafe names, more than 64 MiB unpacked).
Result<BundleContents> read_bundle(const std::string& path);

// The bytes of one entry (at most max_bytes; more is an error).
Result<std::string> read_bundle_entry(const std::string& path, const std::string& entry_name,
                                      std::uint64_t max_bytes = 64ull * 1024 * 1024);

// Removes one item's file and rewrites the bundle (atomically); the manifest keeps the item
// with "removed": true so the help desk sees that something was held back. manifest.json
// itself cannot be removed.
Status remove_bundle_entry(const std::string& path, const std::string& entry_name);

// The file name an item gets in the bundle: [A-Za-z0-9._-] only, at most 64 characters, ".txt".
std::string bundle_file_name(const std::string& item_name);

}  // namespace fixtray
