// Announcements from IT: short notices a help desk publishes in its signed feed index ("Printing
// in building B is down; we are on it"), each with an expiry and optionally the fixes it concerns.
// They are part of index.xml, so the index's minisign signature covers them: a machine shows
// only what a trusted key signed, and only until the announcement (or the index) expires.
//
// In the index (feed_index.h), after the packs, and in the help desk's announcements.xml (which
// `fixctl feed build` reads from the pack folder):
//
//   <announcements xmlns="https://fixtray.org/feed/1">     (announcements.xml only)
//     <announcement id="printing-b" expires="2026-11-24T18:00:00Z" fixes="remap-printers">
//       <title>Printing in building B is down</title>
//       <title xml:lang="de">Drucken in Gebäude B gestört</title>
//       <text>We are on it. Until then, please print in building A.</text>
//       <text xml:lang="de">Wir sind dran. Bis dahin bitte in Gebäude A drucken.</text>
//     </announcement>
//   </announcements>
//
// Rules (every one an error with SOURCE:LINE:COL; nothing is left out silently):
//  - id: [a-z0-9][a-z0-9.-]*, at most 64 characters, unique in the document;
//  - expires: required, RFC 3339 UTC ("2026-11-24T18:00:00Z"); in an index, later than the
//    index's `generated` and not later than its `expires` (an announcement never outlives the
//    index that carries it; feed build shortens one that would);
//  - fixes: optional, 1 to 50 distinct fix ids separated by spaces (ids this machine does not
//    have are allowed and ignored where it is shown);
//  - <title> and <text>: one each without xml:lang (or xml:lang="en"), the fallback, plus at most
//    one per language tag; picked for a language as a pack's texts are (LocalizedText::get);
//  - a title is one line: runs of white space (line breaks included) become one space; at most
//    200 characters;
//  - a text keeps its line breaks: each line is trimmed, blank lines at the start and end are
//    dropped and several in a row become one; at most 2000 characters;
//  - in both, characters that could change how the rest is shown are refused: control
//    characters (C0 other than the text's line breaks, DEL, C1; a tab inside a line of a text
//    too), the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
//    U+2066-U+2069), the line and paragraph separators U+2028/U+2029, the noncharacters
//    U+FFFE/U+FFFF, and bytes that are not UTF-8 (and, in the whole document, character
//    references to characters XML does not allow, such as &#0;);
//  - no other attributes or elements, no text outside <title> and <text>, no elements inside
//    them; at most 50 announcements.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/source_location.h"
#include "packs/fix_pack.h"

namespace fixtray {

inline constexpr std::size_t kMaxAnnouncements = 50;
inline constexpr std::size_t kMaxAnnouncementIdLength = 64;
inline constexpr std::size_t kMaxAnnouncementTitleChars = 200;
inline constexpr std::size_t kMaxAnnouncementTextChars = 2000;
inline constexpr std::size_t kMaxAnnouncementFixes = 50;
// The largest announcements.xml feed build reads (the index itself may not be larger).
inline constexpr std::size_t kMaxAnnouncementsFileBytes = 4 * 1024 * 1024;
// The file `fixctl feed build` reads from the pack folder, beside the packs. It is not a pack:
// catalog.h's pack_files_under leaves it out of the folder it lists.
inline constexpr const char* kAnnouncementsFileName = "announcements.xml";

struct FeedAnnouncement {
    std::string id;
    std::chrono::system_clock::time_point expires;  // whole seconds
    std::vector<std::string> fixes;                 // fix ids it concerns, as written
    LocalizedText title;                            // one line
    LocalizedText text;                             // lines separated by '\n'
};

// [a-z0-9][a-z0-9.-]*, 1-64 characters.
bool is_announcement_id(std::string_view s);

// Is the announcement shown at `now`? (Before its expiry; the index's own expiry and trust are
// the reader's to check, see app/announcements.h.)
bool announcement_current(const FeedAnnouncement& a, std::chrono::system_clock::time_point now);

// A problem in an announcements file, as feed build and pack lint report it.
struct AnnouncementProblem {
    enum class Severity { error, warning } severity = Severity::error;
    SourceLocation where;
    std::string message;
    // "FILE:LINE:COL: error: message" ("warning: " for a warning).
    std::string str() const;
};

// One <announcement> of an announcements file, with where it was written.
struct AnnouncementSource {
    FeedAnnouncement announcement;
    SourceLocation where;  // its element
};

struct AnnouncementsFileParse {
    std::vector<AnnouncementSource> announcements;  // in document order; set only without errors
    std::vector<AnnouncementProblem> problems;      // errors, in document order
    bool ok() const { return problems.empty(); }
};

// Parses a help desk's announcements.xml (the root <announcements> in the feed namespace
// holding <announcement> elements, with the rules above but those that compare with an index).
// Takes the bytes, never a path; input over kMaxAnnouncementsFileBytes is refused.
AnnouncementsFileParse parse_announcements_file(std::string_view xml, const std::string& source);

// The <announcement> element as the index holds it (indented for the index, ending in a
// newline): translations sorted by language tag, the default first. Deterministic.
std::string write_announcement(const FeedAnnouncement& a);

}  // namespace fixtray
