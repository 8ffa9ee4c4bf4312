// What the tray tells the employee through the desktop's notifications, decided in the app
// layer so every front end says the same: a fix that finished while its window was closed, a
// request delivered (with its ticket), a request that cannot be delivered (with the reason and
// what to do), and new fixes from IT (with their titles). Plain values in the user's language;
// showing them (wxNotificationMessage, or the tray's own window when no notification server
// answers) is the front end's part.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/machine_catalog.h"
#include "app/run_view.h"
#include "outbox/outbox.h"

namespace fixtray {

struct DesktopNotice {
    enum class Kind { fix_finished, request_delivered, request_undeliverable, new_fixes };
    Kind kind = Kind::fix_finished;
    bool warning = false;    // shown as a warning (not fixed, not delivered)
    std::string title;       // "Printer fixed" / "Your request reached IT"
    std::string body;        // one or two sentences
    std::string link;        // the ticket's address, when the ticket system gave one
    std::string request_id;  // the request it is about, "" for others
};

// A fix finished while its window was not shown: its title and how it ended.
DesktopNotice notice_for_finished_run(const std::string& fix_title, const RunResultView& result);

// The requests that became delivered or failed between two readings of the outbox (matched by
// request id; a request seen for the first time in `after` counts from "pending"). One notice
// per request, in the order of `after`.
std::vector<DesktopNotice> notices_for_outbox(const std::vector<OutboxEntry>& before,
                                              const std::vector<OutboxEntry>& after);

// Fixes that the catalog offers now and did not before, from the help desk's feed: one notice
// naming their titles in `lang` (at most five, then "and N more"). None for other sources or
// when no fix was added.
std::optional<DesktopNotice> notice_for_new_fixes(const MachineCatalog& catalog,
                                                  const CatalogChange& change,
                                                  const std::string& lang);

}  // namespace fixtray
