// The machine's configuration as the catalog and the runners need it: site values, the feed's
// settings and the fix policy, read from the machine config file (then a user's --config), with
// the trust rules of the caller. Problems are returned, never printed.
#pragma once

#include <string>
#include <vector>

#include "app/machine_paths.h"
#include "feed/feed_config.h"
#include "packs/site_config.h"

namespace fixtray {

// What a front end may add to the machine's own sources, and how much it trusts them.
struct CatalogOptions {
    bool builtin = true;                 // load the built-in packs (fixctl --no-builtin: false)
    bool feed = true;                    // load the synced feed's packs (--no-feed: false)
    std::vector<std::string> pack_dirs;  // fixctl --packs, in order (last in precedence order)
    std::string user_config_file;        // fixctl --config, read after the machine config
    // The admin helper's rules: every pack directory (its real path) and pack file, and the
    // machine config file, must be owned by root and writable only by root (check_root_owned);
    // pack_dirs and user_config_file are not read at all; anything else is left out and listed
    // in MachineCatalog::untrusted().
    bool root_owned_only = false;
    // Whether the packs of an expired feed are loaded (fixctl: yes, with a warning; the helper:
    // no, an expired feed's packs get no admin rights).
    bool expired_feed = true;
    // Whether the fixes' steps stay in memory. Off (the tray, which runs all day): the catalog
    // keeps what lists and searches need (Catalog::drop_steps), and MachineCatalog::full_pack()
    // reads a pack again, checked against what was listed, when one of its fixes is to run.
    bool keep_steps = true;

    // The admin helper's options: root-owned sources only, no --packs, no user config, no
    // expired feed.
    static CatalogOptions admin_helper();
};

struct MachineConfig {
    SiteConfig site;
    FeedConfig feed;  // keys_dir and state_dir default to the MachinePaths'
    FixPolicy policy;
    // Every problem in file order: errors, and warnings for unknown keys. A file with an error
    // changes nothing (merge_*_config). With root_owned_only, a machine config file that is not
    // root-owned is one error and nothing of it is read.
    std::vector<ConfigProblem> problems;
    bool ok() const;  // no error among the problems
};

MachineConfig load_machine_config(const MachinePaths& paths, const CatalogOptions& options);

}  // namespace fixtray
