// The fixes this machine offers: packs loaded from directories, looked up by fix id.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "packs/fix_pack.h"
#include "packs/pack_loader.h"

namespace fixtray {

struct CatalogEntry {
    const FixPack* pack = nullptr;
    const Fix* fix = nullptr;
};

class Catalog {
public:
    // Loads every *.xml below dir (recursively, sorted, symlinks not followed). Invalid packs
    // are left out and their problems returned; the rest are added. Directories added later
    // take precedence for the same fix id (a help desk's packs override the built-in ones).
    std::vector<PackProblem> add_directory(const std::string& dir);
    // keep_steps false: the pack is added as drop_steps() leaves it (its steps freed before the
    // next file is read, so they never add up). expected_sha256 not empty: the pack is added
    // only when the file's bytes have that SHA-256 (a feed pack against its signed index), else
    // it is left out with an error. FixPack::sha256 is always set.
    std::vector<PackProblem> add_file(const std::string& path, bool keep_steps = true,
                                      const std::string& expected_sha256 = {});
    void add_pack(FixPack pack);

    // Drops every pack whose id is in pack_ids and every fix whose id is in fix_ids, whatever
    // pack it is in (machine policy, packs a feed revoked). Call before taking CatalogEntry
    // pointers: it invalidates them.
    void remove(const std::vector<std::string>& pack_ids, const std::vector<std::string>& fix_ids);
    // Removes each fix for which drop(pack, fix) is true (a pack left without fixes goes too).
    // An earlier pack's fix of the same id is offered again. Invalidates CatalogEntry pointers.
    void remove_fixes(const std::function<bool(const FixPack&, const Fix&)>& drop);

    // Leaves out the check, steps, verify and revert of every fix (Fix::steps_dropped), and
    // frees their memory: a catalog kept for listing and searching, by a program that runs all
    // day (the tray). Titles, texts, conditions, diagnostics and the packs' params stay.
    // Keeps CatalogEntry pointers valid.
    void drop_steps();
    // Frees every fix's description and keywords (Fix::listing_texts_dropped), what only a list
    // of fixes shows and searches: for a program that made its list and runs all day (the
    // tray). Before, `hand_over` (when given) may move what the list keeps out of each fix, so
    // the list has the only copy. Titles (a request names its fix), confirmation texts, params,
    // diagnostics and conditions stay. Keeps CatalogEntry pointers valid.
    void drop_listing_texts(const std::function<void(const FixPack&, Fix&)>& hand_over = {});

    // Fixes that run on `platform`, one per id (the one that takes precedence), sorted by id.
    std::vector<CatalogEntry> fixes(Platform platform) const;
    // Every fix of every pack, for --all-platforms listings.
    std::vector<CatalogEntry> all_fixes() const;
    std::optional<CatalogEntry> find(const std::string& fix_id, Platform platform) const;

    const std::deque<FixPack>& packs() const { return packs_; }

private:
    static void drop_steps(std::vector<Fix>& fixes);

    std::deque<FixPack> packs_;  // deque: stable addresses for CatalogEntry
};

// *.xml files below a path (or the path itself if it is a file), sorted. Symlinked
// directories are not followed. Files found in a directory whose name ends in .diag.xml are
// default diagnostics sets (diagnostics.h), not packs, and are left out; so is an
// announcements.xml directly in the directory (the feed's announcements, which `fixctl feed
// build` reads: feed/feed_announcement.h). Fails ("no such file or directory", or why the
// directory could not be read) with no files at all: a directory that cannot be read whole is
// skipped whole.
Result<std::vector<std::string>> pack_files_under(const std::string& path);

// Does the name end in ".diag.xml" (a default diagnostics set)?
bool is_diagnostics_set_file(const std::string& path);

}  // namespace fixtray
