// What IT announces to employees (feed/feed_announcement.h), as every front end shows it: the
// announcements of the help desk's feed that are current, in the employee's language, and those
// about a fix the employee is about to run or ask for help with ("IT already knows about this").
//
// Trust: only from the feed index the catalog trusts for its packs. There are none when the
// catalog does not use the installed feed (CatalogOptions::feed off, `fixctl --no-feed`), when
// the store or the index's signature is not trusted (MachineCatalog::feed_trust_warning), or
// when the index has expired at `now`: nothing in an expired index is current. (An announcement
// never outlives its index, so this also holds for an index whose expiry is unknown.) Expiry is
// checked against `now` at every call, never at load time.
//
// Order: by expiry, the soonest first (a short-lived notice about an outage is usually the
// most pressing; the index carries no publication time), then by id.
//
// Thread safety: the functions only read the catalog; a catalog snapshot nobody changes may be
// read from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "app/machine_catalog.h"

namespace fixtray {

// A fix an announcement concerns, as this machine offers it.
struct AnnouncedFix {
    std::string id;
    std::string title;  // in the language asked for
};

struct AnnouncementView {
    std::string id;
    // Picked for the language as a pack's texts are (LocalizedText::get: the exact tag, the
    // language alone, any region of it, then English, then the untagged text). Title and text
    // are picked each on its own; *_lang is the tag of the one picked ("" for the untagged).
    std::string title, title_lang;
    std::string text, text_lang;  // lines separated by '\n'
    std::chrono::system_clock::time_point expires;
    // The fixes it names that this machine offers on this platform, in the order written; ids it
    // does not have are left out.
    std::vector<AnnouncedFix> fixes;
};

// The current announcements (see above for which and in what order).
std::vector<AnnouncementView> current_announcements(const MachineCatalog& catalog,
                                                    std::chrono::system_clock::time_point now,
                                                    const std::string& lang);

// The current announcements that name `fix_id` in their fixes, in the same order.
std::vector<AnnouncementView> announcements_for_fix(const MachineCatalog& catalog,
                                                    const std::string& fix_id,
                                                    std::chrono::system_clock::time_point now,
                                                    const std::string& lang);

// When the current announcements next change by time alone (the soonest expiry of a current
// announcement), so a front end that shows them can look again then; nullopt when none is
// current. A new feed generation changes them too: MachineCatalog::sources_changed() sees it.
std::optional<std::chrono::system_clock::time_point> next_announcement_change(
    const MachineCatalog& catalog, std::chrono::system_clock::time_point now);

// "IT already knows about this: TITLE — TEXT (until 2026-11-24 19:00)", translated, the time
// local: what a front end says before it runs or asks for help with a fix the announcement
// concerns. The text's line breaks are kept.
std::string known_issue_notice(const AnnouncementView& a);

// "until 2026-11-24 19:00" (local time), translated.
std::string announcement_until_text(const AnnouncementView& a);

}  // namespace fixtray
