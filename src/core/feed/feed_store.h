// The machine's feed store (feed.state_dir, /var/lib/fixtray/feed) as every reader and the sync
// must treat it: a root-owned directory whose installed packs are trusted only as far as the
// signed index installed with them, verified again with the keys trusted now.
//
//   state.json              bookkeeping of the sync (ETag, times, rollback floors)
//   current -> generations/G
//   generations/G/index.xml, index.xml.minisig, packs/FILE...
//   lock                    held during a sync
//
// What a reader takes from the store comes from generations/G/index.xml alone (the pack list
// with each file's SHA-256, the expiry, the revocations), never from state.json, and only when
// the store is root-owned and closed to group and others, `current` is the one symbolic link and
// points into generations/, and the index's signature holds with a key in feed.keys now: a key
// an administrator withdraws stops the packs it signed at the next load.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "feed/feed_config.h"
#include "feed/feed_sync.h"

namespace fixtray {

// Ok when `state_dir` (and every directory above it) is root's and closed to group and others,
// and what it holds is laid out as above: `generations` a real directory, `current` a link to
// "generations/NAME", the generation, its packs folder and files root's and closed. Fails with
// the first thing that is not ("/var/lib/fixtray/feed/generations is a symbolic link"). A
// missing store, or one without an installed generation, is ok.
Status check_feed_store(const std::string& state_dir);

// The installed feed as a reader may use it: read_feed_state's view, with
//  - nothing at all (no packs, no revocations) when check_feed_store fails: trust_problem says
//    why, and the built-in and machine packs go on without it;
//  - index_verified false (trust_problem says why) when the installed index no longer verifies
//    with the keys in config.keys_dir: its packs are not offered and its announcements not
//    shown (announcements is empty), its revocations still apply;
//  - expiry, revocations, the pack list and the announcements from the installed index.
FeedState read_installed_feed(const FeedConfig& config, std::string* state_error);

// The generation `current` points to ("generations/NAME" with a plain NAME), or "".
std::string installed_generation(const std::string& state_dir);

// Fills the installed part of `s` (repository, serial, index_sha256, times, packs, revoked,
// announcements) from an index's bytes; false (s unchanged) when they do not parse.
bool apply_installed_index(std::string_view bytes, const std::string& path, FeedState* s);

// Creates `dir` if it is missing (its parent must exist) with exactly `mode` whatever the umask;
// an existing one must be a real directory (not a link) and is left as it is.
Status make_store_dir(const std::string& dir, unsigned mode);
// The same for every missing directory of the path, each 0755 (what /var/lib holds).
Status make_store_dirs(const std::string& dir);

// Removes every entry of state_dir/generations but `keep`, without following any link (a link
// planted in there is removed, its target is left alone), and stray "current.new-*" links.
void remove_old_generations(const std::string& state_dir, const std::string& keep);

}  // namespace fixtray
