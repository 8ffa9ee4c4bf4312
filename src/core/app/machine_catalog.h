// The fixes this machine offers, assembled in one place for every front end (fixctl, the admin
// helper, the tray app). No front end loads packs or reads the machine config by itself.
//
// Sources, in precedence order (a later source overrides an earlier one for the same fix id;
// within a source, files in sorted path order, a later file overriding an earlier one):
//   1. the built-in packs           (MachinePaths::builtin_pack_dirs; not with options.builtin off)
//   2. the machine's own packs      (MachinePaths::packs_dir, /etc/fixtray/packs, if it exists)
//   3. the synced feed's packs      (<feed.state_dir>/current/packs; not with options.feed off,
//                                    and not while expired unless options.expired_feed): only
//                                    the files its signed index lists, with the SHA-256 it lists,
//                                    and only when the store is root's and the index verifies
//                                    with the keys trusted now (read_installed_feed)
//   4. the front end's extra dirs   (fixctl --packs, in order; never with root_owned_only)
// With policy.feed_overrides_builtin false, a feed fix with the id of a built-in fix is left out
// (refused_overrides()) and the built-in one stays.
// Then, whatever the source: packs the feed revoked and the packs and fixes the machine's policy
// disables are removed. Revocations apply even when the feed's own packs are not loaded
// (--no-feed, expired, or an index whose key was withdrawn): a revoked pack id is withdrawn
// everywhere.
//
// Nothing is printed: pack, config and trust problems and the feed's expiry are values a front
// end shows in its own way.
//
// Thread safety: none for one object: it belongs to one thread, and its reload() invalidates
// every CatalogEntry and FixPack pointer taken from it. A copy shares what the load found, which
// no one changes (the tray's watcher reloads its own, the windows read a copy of it): copies in
// different threads may be read at the same time, and a copy's pointers stay valid until that
// copy is reloaded or destroyed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/machine_config.h"
#include "app/machine_paths.h"
#include "feed/feed_sync.h"
#include "packs/catalog.h"

namespace fixtray {

enum class PackSource { builtin, machine, feed, packs_dir };
// "built-in", "machine", "feed", "local" (what `fixctl feed status` prints for each).
const char* to_string(PackSource s);

// Where a loaded pack came from.
struct PackOrigin {
    PackSource source = PackSource::builtin;
    std::string dir;           // the source directory, as listed
    std::string repository;    // feed: the repository id of the installed index
    std::uint64_t serial = 0;  // feed: the serial of the installed index
};

// What reload() found different, as fix ids (those offered on this platform), each sorted.
struct CatalogChange {
    std::vector<std::string> added, removed, changed;  // changed: another pack, file or content
    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// A fix left out after loading: its pack was revoked by the feed or disabled by policy, or the
// fix itself was disabled. What a front end says instead of "no such fix".
struct WithdrawnFix {
    std::string fix_id;
    std::string pack_id;
    int pack_version = 0;
    std::string file;
    PackSource source = PackSource::builtin;
    std::string why;  // for a person: "revoked by the help desk's feed (...)", "disabled by ..."
    bool revoked = false;  // by the feed (else disabled by the machine's policy)
};

// A fix of an earlier source that a later one replaces (the same fix id): what `fixctl show`
// names, so a feed pack that takes a built-in fix's id never does so without a word.
struct OverriddenFix {
    std::string pack_id;
    int pack_version = 0;
    std::string file;
    PackSource source = PackSource::builtin;
};

class MachineCatalog {
public:
    // Reads the config and loads every source (see above).
    MachineCatalog(MachinePaths paths, CatalogOptions options);

    // Loads everything again and says what changed for the fixes offered on this platform.
    CatalogChange reload();
    // Whether a config file, a pack file, a source directory or the installed feed differs from
    // what the last load saw (sizes, modification times, the feed's generation). Cheap enough
    // for a timer: no pack is parsed.
    bool sources_changed() const;

    const Catalog& catalog() const { return loaded_->catalog; }
    const MachineConfig& config() const { return loaded_->config; }
    const MachinePaths& paths() const { return paths_; }
    const CatalogOptions& options() const { return options_; }

    // The feed as installed (revocations, expiry, repository, serial).
    const FeedState& feed_state() const { return loaded_->feed_state; }
    const std::string& feed_state_error() const { return loaded_->feed_state_error; }
    bool feed_expired() const { return loaded_->feed_expired; }
    // One sentence for a person when the feed expired and its packs were loaded anyway, else "".
    std::string feed_expiry_warning() const;
    // Why the installed feed's packs are not offered (a store a user could write, an index that
    // no longer verifies with the keys trusted now), else "".
    std::string feed_trust_warning() const;

    // Catalog::drop_listing_texts for this object's catalog: for a front end that made its list
    // of fixes from it (take_fix_list_items) and keeps it to find, run and escalate fixes (the
    // tray's watcher). A copy taken before keeps its texts; so does the next load.
    void drop_listing_texts(const std::function<void(const FixPack&, Fix&)>& hand_over = {});
    bool listing_texts_dropped() const { return loaded_->listing_texts_dropped; }

    // The pack of an entry of catalog() with every step, ready to run. With keep_steps (the
    // default) a copy of the loaded pack; without, the pack's file read again (as load() reads
    // it, with root_owned_only's checks) and accepted only when its bytes are the ones listed
    // (sha256): a file changed since is an error that says the list is out of date, never a
    // different fix than the one shown. Only the fixes the catalog offers of that pack are in
    // it. Thread safety: a const call, reads only the file and this object.
    Result<std::shared_ptr<const FixPack>> full_pack(const FixPack& listed) const;

    // The origin of a pack of catalog(); nullptr for a pack that is not from this catalog.
    const PackOrigin* origin(const FixPack& pack) const;
    // The fixes with this fix's id, on this platform, that `pack` (of catalog()) replaces: those
    // of every pack loaded before it, the first source first.
    std::vector<OverriddenFix> overridden(const FixPack& pack, const Fix& fix) const;

    // Problems of the packs that were read (errors: the pack is left out; warnings: it loaded).
    const std::vector<PackProblem>& pack_problems() const { return loaded_->pack_problems; }
    // The fixes that loaded but are not offered: revoked or disabled (see WithdrawnFix).
    const std::vector<WithdrawnFix>& withdrawn() const { return loaded_->withdrawn; }
    // The withdrawn fix with this id on this platform, or nullptr.
    const WithdrawnFix* withdrawn_fix(const std::string& fix_id) const;
    // Feed fixes left out because they have a built-in fix's id and the machine's policy keeps
    // the built-in fixes (policy.feed_overrides_builtin false); the built-in fix is offered.
    const std::vector<WithdrawnFix>& refused_overrides() const {
        return loaded_->refused_overrides;
    }
    const WithdrawnFix* refused_override(const std::string& fix_id) const;
    // Directories and files left out by root_owned_only, as "PATH: why".
    const std::vector<std::string>& untrusted() const { return loaded_->untrusted; }

private:
    // What one load found. Not changed once shared: a copy of a MachineCatalog (a front end's
    // snapshot of it) costs no second copy of the packs, maps and feed state.
    struct Loaded {
        MachineConfig config;
        FeedState feed_state;
        std::string feed_state_error;
        bool feed_expired = false;
        Catalog catalog;
        std::map<std::string, PackOrigin> origin_by_file;
        std::map<std::string, std::string> stamp_by_file;  // pack file -> "size:mtime"
        std::vector<PackProblem> pack_problems;
        std::vector<std::string> untrusted;
        std::vector<WithdrawnFix> withdrawn;
        std::vector<WithdrawnFix> refused_overrides;
        std::string fingerprint;  // SHA-256 of fingerprint(): every source's path and stamp
        bool listing_texts_dropped = false;
    };

    void load();
    // The steps of a load, each adding to `l` (not yet shared).
    void note_withdrawn(Loaded& l) const;  // before the removal: what it will remove, and why
    void add_source(Loaded& l, PackSource source, const std::string& dir, bool must_exist) const;
    void add_feed_packs(Loaded& l) const;
    void keep_builtin_fixes(Loaded& l) const;  // policy.feed_overrides_builtin false
    std::string fingerprint(const MachineConfig& config) const;

    MachinePaths paths_;
    CatalogOptions options_;
    std::shared_ptr<const Loaded> loaded_;
};

}  // namespace fixtray
