#include "app/tray_status.h"

#include "base/i18n.h"

namespace fixtray {

const char* to_string(TrayState s) {
    switch (s) {
        case TrayState::idle:
            return "idle";
        case TrayState::working:
            return "working";
        case TrayState::attention:
            return "attention";
    }
    return "?";
}

TrayStatus tray_status(const TrayInputs& in) {
    TrayStatus s;
    int retrying = 0;
    for (const OutboxEntry& e : in.outbox) {
        if (e.status.state == DeliveryState::pending) {
            ++s.waiting;
            if (e.status.attempts > 0) ++retrying;
        } else if (e.status.state == DeliveryState::failed) {
            ++s.undeliverable;
        }
    }
    std::string waiting_line;
    if (s.waiting > 0)
        // TRANSLATORS: a line of the tray icon's tooltip; %s is the number of requests.
        waiting_line = trfn("%s request to your help desk is waiting to be sent.",
                            "%s requests to your help desk are waiting to be sent.",
                            static_cast<unsigned long>(s.waiting), {std::to_string(s.waiting)});

    if (!in.running_fix.empty()) {
        s.state = TrayState::working;
        // TRANSLATORS: the tray icon's tooltip (fixtray is the program's name); %s is the title of
        // the fix that runs.
        s.tooltip = trf("fixtray: running \"%s\"", {in.running_fix});
    } else if (in.sending) {
        s.state = TrayState::working;
        // TRANSLATORS: the tray icon's tooltip (fixtray is the program's name).
        s.tooltip = tr("fixtray: sending your request to the help desk");
    } else if (in.unseen_outcome && *in.unseen_outcome == Outcome::not_fixed) {
        s.state = TrayState::attention;
        // TRANSLATORS: the tray icon's tooltip (fixtray is the program's name); %s is the title of
        // the fix.
        s.tooltip = trf("fixtray: \"%s\" did not fix the problem", {in.unseen_title});
    } else if (s.undeliverable > 0) {
        s.state = TrayState::attention;
        s.tooltip =
            // TRANSLATORS: the tray icon's tooltip (fixtray is the program's name); %s is the
            // number of requests.
            trfn("fixtray: %s request could not be delivered",
                 "fixtray: %s requests could not be delivered",
                 static_cast<unsigned long>(s.undeliverable), {std::to_string(s.undeliverable)});
    } else if (retrying > 0) {
        s.state = TrayState::attention;
        // TRANSLATORS: the tray icon's tooltip (fixtray is the program's name).
        s.tooltip = tr("fixtray: your help desk could not be reached yet");
    } else {
        // TRANSLATORS: the tray icon's tooltip (fixtray is the program's name).
        s.tooltip = tr("fixtray: ready to fix common problems");
    }
    if (!waiting_line.empty() && s.state != TrayState::working) s.tooltip += "\n" + waiting_line;
    return s;
}

}  // namespace fixtray
