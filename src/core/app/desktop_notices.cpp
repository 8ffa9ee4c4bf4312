#include "app/desktop_notices.h"

#include <map>

#include "base/i18n.h"

namespace fixtray {

DesktopNotice notice_for_finished_run(const std::string& fix_title, const RunResultView& result) {
    DesktopNotice n;
    n.kind = DesktopNotice::Kind::fix_finished;
    n.warning = result.outcome == Outcome::not_fixed || result.outcome == Outcome::interrupted ||
                result.outcome == Outcome::refused;
    // TRANSLATORS: a notification's title: the fix's title, then its result ("Not fixed.").
    n.title = trf("%s: %s", {fix_title, result.headline});
    n.body = result.detail;
    return n;
}

std::vector<DesktopNotice> notices_for_outbox(const std::vector<OutboxEntry>& before,
                                              const std::vector<OutboxEntry>& after) {
    std::map<std::string, DeliveryState> was;
    for (const auto& e : before) was[e.request.id] = e.status.state;
    std::vector<DesktopNotice> out;
    for (const auto& e : after) {
        const auto it = was.find(e.request.id);
        const DeliveryState old = it == was.end() ? DeliveryState::pending : it->second;
        if (e.status.state == old) continue;
        DesktopNotice n;
        n.request_id = e.request.id;
        if (e.status.state == DeliveryState::delivered) {
            n.kind = DesktopNotice::Kind::request_delivered;
            n.link = e.status.ticket_url;
            if (!e.status.ticket_id.empty()) {
                // TRANSLATORS: a notification's title; %s is the ticket's number or key.
                n.title = trf("Your request reached IT: ticket %s", {e.status.ticket_id});
            } else {
                // TRANSLATORS: a notification's title.
                n.title = tr("Your request was handed on");
            }
            if (!e.status.handed_message.empty())
                n.body = e.status.handed_message;
            else if (!e.status.ticket_url.empty())
                // TRANSLATORS: a notification's text; %1$s the request's subject, %2$s the
                // ticket's web address.
                n.body = trf("\"%1$s\" is at %2$s", {e.request.subject, e.status.ticket_url});
            else
                n.body = trf("\"%s\" was delivered to your help desk.", {e.request.subject});
        } else if (e.status.state == DeliveryState::failed) {
            n.kind = DesktopNotice::Kind::request_undeliverable;
            n.warning = true;
            // TRANSLATORS: a notification's title.
            n.title = tr("Your request could not be delivered");
            // TRANSLATORS: a notification's text; %1$s the request's subject, %2$s the reason
            // the ticket system gave (technical, as it was recorded).
            n.body = trf(
                "\"%1$s\": %2$s. Open fixtray's requests to try again or save a copy "
                "to send another way.",
                {e.request.subject, e.status.last_error.empty() ? std::string(tr("no reason given"))
                                                                : e.status.last_error});
        } else {
            continue;  // back to pending (a retry was asked for): nothing to tell
        }
        out.push_back(std::move(n));
    }
    return out;
}

std::optional<DesktopNotice> notice_for_new_fixes(const MachineCatalog& catalog,
                                                  const CatalogChange& change,
                                                  const std::string& lang) {
    std::vector<std::string> titles;
    for (const std::string& id : change.added) {
        const std::optional<CatalogEntry> entry = catalog.catalog().find(id, current_platform());
        if (!entry) continue;
        const PackOrigin* origin = catalog.origin(*entry->pack);
        if (!origin || origin->source != PackSource::feed) continue;
        titles.push_back(entry->fix->title.get(lang));
    }
    if (titles.empty()) return std::nullopt;
    DesktopNotice n;
    n.kind = DesktopNotice::Kind::new_fixes;
    // TRANSLATORS: a notification's title when the help desk published new fixes.
    n.title = trn("New fix from IT", "New fixes from IT", titles.size());
    const std::size_t shown = titles.size() > 5 ? 5 : titles.size();
    for (std::size_t i = 0; i < shown; ++i) n.body += (i ? "\n" : "") + titles[i];
    if (titles.size() > shown)
        // TRANSLATORS: the last line of the list of new fixes; %s is how many more there are.
        n.body += "\n" + trfn("and %s more", "and %s more", titles.size() - shown,
                              {std::to_string(titles.size() - shown)});
    return n;
}

}  // namespace fixtray
