// Keeping this machine's copy of the help desk's pack feed up to date, safely: the feed is as
// trusted as a software update channel, so a forged, replayed, stale or oversized feed is
// refused and the packs synced last time (the last known good) keep working.
//
// Order of checks for a new index (nothing is parsed before the signature holds):
//   1. minisign signature over the exact bytes, by a trusted key (feed.keys);
//   2. repository id == feed.repository;
//   3. serial >= the last accepted one (equal: byte-identical to it);
//   4. not expired;
//   5. every listed pack: size and SHA-256 as the index says, a safe file name, a valid pack
//      whose id and version match the entry, no revoked id.
// Then the new set is installed atomically: a new generation directory, then the `current`
// symlink swapped by rename(2), then the state file. A crash at any point leaves the old set or
// the new one, never a mix.
//
// State directory layout (root-owned for the machine's feed):
//   state.json              FeedState
//   current -> generations/G
//   generations/G/index.xml, index.xml.minisig, packs/FILE...
//   lock                    held during a sync
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "feed/feed_announcement.h"
#include "feed/feed_config.h"

namespace fixtray {

class CancelToken;
class Clock;
class HttpClient;

struct FeedPackState {
    std::string id;
    int version = 0;
    std::string file;
    std::string sha256;
    std::uint64_t size = 0;
};

// What the last syncs established; state.json in the state directory.
struct FeedState {
    std::string url;  // the feed it came from
    std::string repository;
    std::uint64_t serial = 0;  // last accepted serial (0: none yet)
    std::string index_sha256;  // of the accepted index bytes
    std::string etag;          // of the accepted index, for If-None-Match
    std::string generation;    // directory name under generations/
    std::chrono::system_clock::time_point generated, expires;
    std::chrono::system_clock::time_point last_check;    // last time the server was asked
    std::chrono::system_clock::time_point last_success;  // last time it answered acceptably
    std::chrono::system_clock::time_point next_due;      // when a timer pass syncs again
    std::string last_error;            // the last refusal or failure ("" after a success)
    std::vector<FeedPackState> packs;  // what `current` holds
    std::vector<std::string> revoked;
    // The installed index's announcements (feed_announcement.h), expired ones included: a reader
    // checks the time. Never in state.json; read_installed_feed keeps them only when the index
    // verifies (index_verified).
    std::vector<FeedAnnouncement> announcements;
    // The rollback floor of every repository this machine ever accepted an index from: its
    // highest serial and that index's SHA-256. Kept when the installed set is lost or the
    // machine switches feeds, so neither lowers the floor.
    struct Floor {
        std::uint64_t serial = 0;
        std::string index_sha256;
    };
    std::map<std::string, Floor> floors;

    // Set by read_installed_feed (feed_store.h), never read from state.json: whether the
    // installed index's signature holds with a key trusted now, why the installed feed is not
    // used ("" when it is), and the installed generation's packs folder.
    bool index_verified = false;
    std::string trust_problem;
    std::string packs_dir;

    // The floor for `repository` (the higher of floors[] and the installed index).
    Floor floor_for(const std::string& repository) const;
};

// Reads state.json for the sync's bookkeeping (URL, ETag, times, rollback floors); what is
// installed (repository, serial, expiry, packs, revocations) is always taken from the installed
// generation's index, never from state.json. *error says when state.json is missing a part,
// damaged or describes another generation. The store is not checked and the index not verified
// here: readers that use the packs call read_installed_feed (feed_store.h).
FeedState read_feed_state(const std::string& state_dir, std::string* error);

// Has the installed index expired (a feed that is frozen, or that this machine could not reach
// for a long time)? An installed generation whose expiry is unknown counts as expired. Nothing
// installed: false.
bool feed_expired(const FeedState& state, std::chrono::system_clock::time_point now);

// state.json's content (times as RFC 3339, "" for never); also what `feed status --json` shows.
nlohmann::json feed_state_to_json(const FeedState& state);

// The directory holding the synced packs (through the `current` link).
std::string feed_packs_dir(const std::string& state_dir);

enum class FeedSyncOutcome {
    not_configured,  // no feed.url, no repository, no trusted key, or a URL that is not https
    not_due,         // a timer pass before next_due (sync(force=false))
    busy,            // another sync holds the lock
    unchanged,       // 304, or the same index again
    updated,         // a new set of packs is installed
    refused,         // the feed failed a check: nothing changed, the last known good stays
    unreachable,     // network or server error: nothing changed, try later
    cancelled,
};
const char* to_string(FeedSyncOutcome o);

struct FeedSyncResult {
    FeedSyncOutcome outcome = FeedSyncOutcome::not_configured;
    std::string message;                // one line for a person
    std::vector<std::string> problems;  // every reason for a refusal
    // Not a refusal, but an admin should know: key files that were not used, and why.
    std::vector<std::string> warnings;
    int requests = 0;                                  // HTTP requests made
    std::uint64_t bytes_downloaded = 0;                // response body bytes received
    std::vector<std::string> added, changed, removed;  // pack ids, on `updated`
    FeedState state;                                   // after the sync
};

// Progress for a front end: one line per step ("Checking ...", "Downloading packs/x.xml").
using FeedProgress = std::function<void(const std::string&)>;

// After a signing key was stolen: forgets the rollback floor of `repository` (the highest serial
// accepted from it, which a thief could have pushed to 2^64-1) and, when the installed index is
// that repository's, uninstalls it (its packs were signed by that key). The next index a trusted
// key signs is then accepted whatever its serial. Root's command (`fixctl feed reset-floor`):
// takes the sync lock and refuses a store a user could write. Ok: what was done, for a person.
Result<std::string> reset_feed_floor(const FeedConfig& config, const std::string& repository);

class FeedSync {
public:
    FeedSync(FeedConfig config, HttpClient& http, Clock& clock);
    // force: sync now even before next_due (`feed sync --now`). Thread: one call at a time per
    // state directory (a file lock enforces it across processes).
    FeedSyncResult sync(bool force, const CancelToken& cancel, const FeedProgress& progress = {});

private:
    FeedConfig config_;
    HttpClient& http_;
    Clock& clock_;
};

}  // namespace fixtray
