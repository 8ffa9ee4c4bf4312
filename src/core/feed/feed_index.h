// The feed index: the one signed file of a help desk's pack feed. A feed is a static directory
// any web server or CDN can serve:
//
//   index.xml            this index
//   index.xml.minisig    its minisign signature (stock `minisign -S -m index.xml`)
//   packs/FILE           the packs the index lists (file names are content-addressed:
//                        ID-SHA256PREFIX.xml, so a CDN never serves a stale pack under a name)
//
//   <feed xmlns="https://fixtray.org/feed/1" repository="com.example.helpdesk" serial="42"
//         generated="2026-11-23T10:00:00Z" expires="2026-12-23T10:00:00Z">
//     <pack id="com.example.vpn" version="3" file="com.example.vpn-0123456789abcdef.xml"
//           size="1234" sha256="(64 hex digits)"/>
//     <revoked id="com.example.old-vpn"/>
//     <announcement id="printing-b" expires="2026-11-24T18:00:00Z" fixes="remap-printers">
//       <title>Printing in building B is down</title>
//       <text>We are on it.</text>
//     </announcement>
//   </feed>
//
// Announcements (feed_announcement.h has their rules) are newer than the format: a fixtray
// built before them refuses an index that carries any (an unknown element to its strict
// parser), keeps the packs it synced last and reports the refusal. An index without
// announcements is the same as before, for every version.
//
// Parsing takes the bytes, never a path or URL; verify the signature over those exact bytes
// before calling it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feed/feed_announcement.h"

namespace fixtray {

inline constexpr const char* kFeedNamespace = "https://fixtray.org/feed/1";

struct FeedPackEntry {
    std::string id;    // the pack's reverse-DNS id (must match the pack file's id)
    int version = 0;   // must match the pack file's version
    std::string file;  // a safe file name under packs/ (is_safe_feed_file_name)
    std::uint64_t size = 0;
    std::string sha256;  // 64 lower-case hex digits
};

struct FeedIndex {
    std::string repository;    // reverse-DNS id of the feed; a client accepts only its own
    std::uint64_t serial = 0;  // only goes up; an equal serial must mean identical bytes
    std::chrono::system_clock::time_point generated;
    std::chrono::system_clock::time_point expires;  // a client refuses the index after this
    std::vector<FeedPackEntry> packs;               // sorted by id when written
    std::vector<std::string> revoked;               // pack ids that must not run any more
    std::vector<FeedAnnouncement> announcements;    // sorted by id when written
};

struct FeedIndexParse {
    std::optional<FeedIndex> index;  // set only when there are no errors
    // "SOURCE:LINE:COL: message" for every problem found (all of them, in document order).
    std::vector<std::string> errors;
};

// Strict: one <feed> root in kFeedNamespace; required attributes; unknown elements or attributes,
// duplicate pack ids or file names, a revoked id that is also listed, unsafe file names, bad
// hashes, sizes, serials or times, and announcements that break feed_announcement.h's rules
// (more than 50, one expiring after the index or before it was generated) are errors. Input
// over 4 MiB is refused before parsing.
FeedIndexParse parse_feed_index(std::string_view xml, const std::string& source);

// Deterministic output (packs, revoked ids and announcements sorted), UTF-8, ending in a newline.
// Times are written as RFC 3339 UTC with seconds ("2026-11-23T10:00:00Z").
std::string write_feed_index(const FeedIndex& index);

// RFC 3339 UTC with seconds, as in the index ("2026-11-23T10:00:00Z"; fractions are dropped).
// (run_record.h's time functions write milliseconds and parse leniently; an index needs an
// exact check.)
std::string format_feed_time(std::chrono::system_clock::time_point t);
// Reads exactly "YYYY-MM-DDTHH:MM:SSZ" (a fraction of a second is accepted and dropped); other
// offsets than Z, dates that do not exist and times before 1970 are nullopt.
std::optional<std::chrono::system_clock::time_point> parse_feed_time(std::string_view s);

// A plain file name: 1-128 characters of [A-Za-z0-9._-], ending in ".xml", not starting with
// '.', no "..". Anything else (slashes, backslashes, drive letters, NUL, "..") is refused.
bool is_safe_feed_file_name(std::string_view name);

// The content-addressed file name feed build gives a pack: ID-FIRST16HEXOFSHA256.xml.
std::string feed_pack_file_name(const std::string& id, const std::string& sha256);

}  // namespace fixtray
