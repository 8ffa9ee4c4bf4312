#include "app/announcements.h"

#include <algorithm>

#include "app/policy_summary.h"
#include "base/i18n.h"
#include "feed/feed_sync.h"

namespace fixtray {

namespace {

// The installed feed's announcements, when the catalog trusts that feed and it has not expired.
const std::vector<FeedAnnouncement>* trusted_announcements(
    const MachineCatalog& catalog, std::chrono::system_clock::time_point now) {
    const FeedState& feed = catalog.feed_state();
    if (!catalog.options().feed || !feed.index_verified || !feed.trust_problem.empty())
        return nullptr;
    if (feed_expired(feed, now)) return nullptr;
    return &feed.announcements;
}

AnnouncementView view_of(const MachineCatalog& catalog, const FeedAnnouncement& a,
                         const std::string& lang) {
    AnnouncementView v;
    v.id = a.id;
    v.title = a.title.get(lang);
    v.title_lang = a.title.tag_for(lang);
    v.text = a.text.get(lang);
    v.text_lang = a.text.tag_for(lang);
    v.expires = a.expires;
    for (const auto& id : a.fixes)
        if (const auto entry = catalog.catalog().find(id, current_platform()))
            v.fixes.push_back({id, entry->fix->title.get(lang)});
    return v;
}

std::vector<AnnouncementView> select(const MachineCatalog& catalog,
                                     std::chrono::system_clock::time_point now,
                                     const std::string& lang, const std::string* fix_id) {
    std::vector<AnnouncementView> out;
    const auto* all = trusted_announcements(catalog, now);
    if (!all) return out;
    std::vector<const FeedAnnouncement*> picked;
    for (const FeedAnnouncement& a : *all) {
        if (!announcement_current(a, now)) continue;
        if (fix_id && std::find(a.fixes.begin(), a.fixes.end(), *fix_id) == a.fixes.end()) continue;
        picked.push_back(&a);
    }
    std::sort(picked.begin(), picked.end(),
              [](const FeedAnnouncement* a, const FeedAnnouncement* b) {
                  return a->expires != b->expires ? a->expires < b->expires : a->id < b->id;
              });
    for (const FeedAnnouncement* a : picked) out.push_back(view_of(catalog, *a, lang));
    return out;
}

}  // namespace

std::vector<AnnouncementView> current_announcements(const MachineCatalog& catalog,
                                                    std::chrono::system_clock::time_point now,
                                                    const std::string& lang) {
    return select(catalog, now, lang, nullptr);
}

std::vector<AnnouncementView> announcements_for_fix(const MachineCatalog& catalog,
                                                    const std::string& fix_id,
                                                    std::chrono::system_clock::time_point now,
                                                    const std::string& lang) {
    return select(catalog, now, lang, &fix_id);
}

std::optional<std::chrono::system_clock::time_point> next_announcement_change(
    const MachineCatalog& catalog, std::chrono::system_clock::time_point now) {
    std::optional<std::chrono::system_clock::time_point> next;
    if (const auto* all = trusted_announcements(catalog, now))
        for (const FeedAnnouncement& a : *all)
            if (announcement_current(a, now) && (!next || a.expires < *next)) next = a.expires;
    return next;
}

std::string announcement_until_text(const AnnouncementView& a) {
    // TRANSLATORS: how long an announcement from IT is shown; %s is a local date and time,
    // "2026-11-24 19:00".
    return trf("until %s", {local_time_text(a.expires)});
}

std::string known_issue_notice(const AnnouncementView& a) {
    // TRANSLATORS: said before a fix runs or a request for help is made, when IT announced a
    // problem with it: the announcement's title, its text, and "until TIME" (translated on its
    // own).
    return trf("IT already knows about this: %1$s — %2$s (%3$s)",
               {a.title, a.text, announcement_until_text(a)});
}

}  // namespace fixtray
