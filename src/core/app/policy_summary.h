// What the organisation decided, for the tray's read-only policy page: how requests to IT are
// handled and where they go, the feed of fixes from IT with its last update and expiry, and the
// fixes turned off. Rows of (label, value) in the user's language; nothing secret (no
// password, token or file holding one is named).
#pragma once

#include <string>
#include <vector>

#include "app/machine_catalog.h"
#include "escalation/escalation_config.h"

namespace fixtray {

struct PolicyRow {
    std::string label;  // "Requests to IT"
    std::string value;  // "You read a request before it is sent."
};

std::vector<PolicyRow> policy_summary(const EscalationConfig& escalation,
                                      const MachineCatalog& catalog);

// A point in time as the employee reads it: local time, "2026-12-07 14:05"; "never" for none.
std::string local_time_text(std::chrono::system_clock::time_point t);

}  // namespace fixtray
