// Making and checking a feed directory (feed_index.h) on the help desk's side: `fixctl feed
// build` and `fixctl feed verify`. Signing stays with the stock minisign tool.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feed/feed_index.h"
#include "feed/minisign.h"

namespace fixtray {

// One pack as it goes into a feed: its entry and its exact bytes.
struct FeedPackSource {
    FeedPackEntry entry;
    std::string path;   // where it was read from
    std::string bytes;  // copied unchanged into packs/
};

struct FeedPacksResult {
    std::vector<FeedPackSource> packs;  // sorted by id; only meaningful when errors is empty
    // "PATH:LINE:COL: error: message" from the pack loader, duplicate ids, unreadable files.
    std::vector<std::string> errors;
    // "PATH:LINE:COL: warning: message [overrides-builtin]": a fix that would replace a fix of
    // the built-in packs on every machine (pack_lint.h lint_overrides). The build goes on.
    std::vector<std::string> warnings;
};

// Loads every pack below `dir` (catalog.h pack_files_under, load_pack_file). Any pack with an
// error, or two packs with one id, is an error; nothing is left out silently. With
// builtin_pack_dirs, a fix with the id of a built-in fix is a warning.
FeedPacksResult collect_feed_packs(const std::string& dir,
                                   const std::vector<std::string>& builtin_pack_dirs = {});

struct FeedAnnouncementsResult {
    bool found = false;  // dir/announcements.xml exists
    // What goes into the index, sorted by id: the file's announcements that have not expired by
    // `now`, each ending no later than the index does. Only meaningful when errors is empty.
    std::vector<FeedAnnouncement> announcements;
    // "PATH:LINE:COL: error: message" (feed_announcement.h's rules), or why it could not be read.
    std::vector<std::string> errors;
    // "PATH:LINE:COL: warning: message": an announcement that has already expired (left out),
    // one that would outlive the index (published until the index expires).
    std::vector<std::string> warnings;
};

// Reads `dir`/announcements.xml (kAnnouncementsFileName) for an index generated at `now` that
// expires at `index_expires`. No file: no announcements, no error.
FeedAnnouncementsResult collect_feed_announcements(
    const std::string& dir, std::chrono::system_clock::time_point now,
    std::chrono::system_clock::time_point index_expires);

struct FeedBuildOptions {
    std::string packs_dir;   // where the packs are
    std::string feed_dir;    // where the feed is written (created when missing)
    std::string repository;  // empty: taken from feed_dir/index.xml
    int expires_days = 30;
    std::optional<std::uint64_t> serial;         // empty: previous + 1 (or 1)
    std::vector<std::string> builtin_pack_dirs;  // the fixes a feed pack would override
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct FeedBuildResult {
    bool ok = false;
    std::vector<std::string> errors;  // why nothing was written
    // FeedPacksResult::warnings and FeedAnnouncementsResult::warnings, and an index larger than
    // machines accept by default (feed.max_index_bytes): written anyway.
    std::vector<std::string> warnings;
    bool bad_options = false;  // the errors are about the options (repository, serial, expiry)
    FeedIndex index;           // what was written (when ok)
    std::optional<std::uint64_t> previous;  // serial of the index that was replaced
    std::vector<std::string> written;       // pack files newly written under packs/
    std::vector<std::string> unlisted;      // files in packs/ the new index does not list
};

// Collects the packs and the announcements (collect_feed_announcements: an error in
// announcements.xml is an error of the build; the previous index's announcements are not carried
// over, the file is what is published), works out the serial from an existing index, copies
// each pack's bytes to feed_dir/packs/<feed_pack_file_name> and then writes feed_dir/index.xml
// atomically (last, so a reader never sees an index naming a pack that is not there yet). Files
// under packs/ the new index does not list are kept: clients in the middle of a sync may still
// fetch them. The <revoked> ids of the existing index are carried over (a pack that is revoked
// there is an error, not silently published again). Writes nothing when there is any error.
// Files are made readable by everyone (0644): a feed is published. Not safe against two builds
// into one directory at the same time.
FeedBuildResult build_feed(const FeedBuildOptions& options);

struct FeedVerifyOptions {
    std::string repository;  // empty: any repository
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct FeedVerification {
    std::optional<FeedIndex> index;   // set when the signature is good and the index parses
    std::string trusted_comment;      // of the signature
    std::string key_id;               // key that signed (also on a wrong-key error)
    std::vector<std::string> errors;  // every problem found; empty means valid
    bool ok() const { return errors.empty(); }
};

// Checks a feed directory as a client would, offline: the signature over index.xml's exact
// bytes (before parsing it), the index, its repository and expiry, and every listed pack (exists
// as a regular file, size, SHA-256, loads without errors, id and version as listed).
FeedVerification verify_feed_directory(const std::string& dir,
                                       const std::vector<MinisignPublicKey>& keys,
                                       const FeedVerifyOptions& options = {});

}  // namespace fixtray
