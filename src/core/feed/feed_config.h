// The help desk's pack feed settings and the local fix policy: the "feed" and "policy" objects of
// the same config files as the site values (/etc/fixtray/fixtray.json, then --config).
//
//   { "feed": {
//       "url": "https://helpdesk.example.com/fixtray/",   // the feed directory (index.xml in it)
//       "repository": "com.example.helpdesk",            // the only repository id accepted
//       "keys": "/etc/fixtray/keys",                     // trusted *.pub (root-owned)
//       "interval_minutes": 15, "jitter_minutes": 5,     // polling, for `feed sync` without --now
//       "proxy": "http://proxy.example.com:3128",        // else the environment's
//       "ca_file": "/etc/fixtray/helpdesk-ca.pem",       // else the system's CA store
//       "max_index_bytes": 1048576, "max_pack_bytes": 1048576, "max_total_bytes": 67108864,
//       "timeout_seconds": 60, "max_expiry_days": 400,
//       "state_dir": "/var/lib/fixtray/feed" },          // where synced packs are kept
//     "policy": { "disabled_fixes": [ "clear-caches" ], "disabled_packs": [ "com.example.vpn" ] } }
//
// Trust: "feed" and "policy" are read only from config files that are root-owned and writable
// only by root: a user's --config (or a machine config a user could write) cannot point the
// machine at another server, key or store, nor change what its policy allows; each key such a
// file sets is an error that says so.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packs/site_config.h"

namespace fixtray {

struct FeedConfig {
    std::string url;         // empty: no feed configured
    std::string repository;  // required with a url
    std::string keys_dir;    // default machine_keys_dir()
    std::string state_dir;   // default machine_feed_dir()
    std::chrono::minutes interval{15};
    std::chrono::minutes jitter{5};
    std::string proxy;
    std::string ca_file;  // feed.ca_file: PEM CA certificates for the https server (internal CA)
    std::uint64_t max_index_bytes = 1024 * 1024;
    std::uint64_t max_pack_bytes = 1024 * 1024;
    std::uint64_t max_total_bytes = 64ull * 1024 * 1024;
    std::chrono::seconds timeout{60};
    // How far ahead of now an index's expiry may lie. A stolen key could otherwise sign an index
    // valid for centuries (with the highest serial, nothing later could replace it); see
    // `fixctl feed reset-floor` for the recovery.
    std::chrono::hours max_expiry{400 * 24};
    std::vector<std::string> files;  // config files that set something here
};

// Fixes and packs the machine's policy turns off, wherever they come from.
struct FixPolicy {
    std::vector<std::string> disabled_fixes;
    std::vector<std::string> disabled_packs;
    // policy.feed_admin_steps: may a pack from the help desk's feed run admin steps? The feed's
    // signing key then acts as root on every machine. On by default (printer and network
    // repairs need admin rights); false withdraws every feed fix with an admin step. A later
    // config file cannot turn it back on once one said false.
    bool feed_admin_steps = true;
    // policy.feed_overrides_builtin: may a feed pack replace a built-in fix by using its id? On
    // by default (a help desk may improve a built-in repair); false keeps the built-in fix and
    // leaves the feed's out, with a warning. A later config file cannot turn it back on.
    bool feed_overrides_builtin = true;
    // policy.run_output_limit_kib, policy.keep_runs, policy.keep_run_days: how much of its
    // steps' output a run's record keeps (RunOptions::output_limit), and which run records stay
    // (RunRetention). Unset: the defaults there (1 MiB, 1,000 records, 90 days).
    std::optional<std::size_t> run_output_limit_kib;
    std::optional<std::size_t> keep_runs;
    std::optional<int> keep_run_days;
    bool fix_disabled(const std::string& pack_id, const std::string& fix_id) const;
};

// Defaults for this machine (keys_dir, state_dir).
FeedConfig default_feed_config();

// Merges the "feed" and "policy" objects of one config document. `trusted` says the file is
// root-owned (only then is anything of them accepted). On any error nothing changes.
std::vector<ConfigProblem> merge_feed_config(std::string_view json, const std::string& file,
                                             bool trusted, FeedConfig* feed, FixPolicy* policy);
// Reads the file (a missing one is an error only if required), checks whether it is
// root-owned, and merges it.
std::vector<ConfigProblem> merge_feed_config_file(const std::string& path, bool required,
                                                  FeedConfig* feed, FixPolicy* policy);

}  // namespace fixtray
