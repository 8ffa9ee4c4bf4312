// The tray icon's state and tooltip, decided in one place from what the app knows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/run_record.h"
#include "outbox/outbox.h"

namespace fixtray {

enum class TrayState { idle, working, attention };
// "idle", "working", "attention": the icon names' suffix (fixtray-idle...). Not translated.
const char* to_string(TrayState s);

struct TrayInputs {
    std::string running_fix;  // title of the fix running now, "" for none
    bool sending = false;     // a delivery or a diagnostics collection is running
    // The last run's outcome and title while the employee has not looked at it yet.
    std::optional<Outcome> unseen_outcome;
    std::string unseen_title;
    std::vector<OutboxEntry> outbox;  // the outbox now
};

struct TrayStatus {
    TrayState state = TrayState::idle;
    std::string tooltip;    // one or two short lines, in the user's language
    int waiting = 0;        // requests not delivered yet (pending)
    int undeliverable = 0;  // requests the help desk's system refused (failed)
};

// working while a fix runs or something is sent; else attention when the last fix did not
// fix the problem (until seen) or a request could not be delivered (refused, or pending after
// a failed attempt); else idle.
TrayStatus tray_status(const TrayInputs& in);

}  // namespace fixtray
