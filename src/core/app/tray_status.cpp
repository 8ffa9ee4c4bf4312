#include "app/tray_status.h"

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
    if (s.waiting == 1)
        waiting_line = "1 request to your help desk is waiting to be sent.";
    else if (s.waiting > 1)
        waiting_line =
            std::to_string(s.waiting) + " requests to your help desk are waiting to be sent.";

    if (!in.running_fix.empty()) {
        s.state = TrayState::working;
        s.tooltip = "fixtray: running \"" + in.running_fix + "\"";
    } else if (in.sending) {
        s.state = TrayState::working;
        s.tooltip = "fixtray: sending your request to the help desk";
    } else if (in.unseen_outcome && *in.unseen_outcome == Outcome::not_fixed) {
        s.state = TrayState::attention;
        s.tooltip = "fixtray: \"" + in.unseen_title + "\" did not fix the problem";
    } else if (s.undeliverable > 0) {
        s.state = TrayState::attention;
        s.tooltip = s.undeliverable == 1 ? "fixtray: 1 request could not be delivered"
                                         : "fixtray: " + std::to_string(s.undeliverable) +
                                               " requests could not be delivered";
    } else if (retrying > 0) {
        s.state = TrayState::attention;
        s.tooltip = "fixtray: your help desk could not be reached yet";
    } else {
        s.tooltip = "fixtray: ready to fix common problems";
    }
    if (!waiting_line.empty() && s.state != TrayState::working) s.tooltip += "\n" + waiting_line;
    return s;
}

}  // namespace fixtray
