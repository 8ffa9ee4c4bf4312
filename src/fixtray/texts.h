// Words and titles more than one of the tray's windows shows, in the user's language (wx's _()
// over the "fixtray" catalogs, see translations.h). English is the message id.
#pragma once

#include <string>

#include <wx/string.h>

#include "app/run_view.h"
#include "engine/run_record.h"

namespace fixtray::gui {

// A window's title: "<subject> - fixtray" ("Get help from IT - fixtray").
wxString window_title(const wxString& subject);

// A step's phase as the step lists show it: "Check", "Fix", "Verify", "Undo".
wxString phase_words(Phase p);

// A step's state in the run window's list: "waiting", "running", "done", "failed", "skipped",
// "cancelled".
wxString step_state_words(StepState s);

// How a recorded step ended (a past run's steps): "ok", "failed", "skipped", "timed out",
// "cancelled".
wxString step_status_words(StepStatus s);

// A recorded run's outcome (AuditEntry::outcome, to_string(Outcome)) in words: "Fixed",
// "Not fixed"...; an unknown one as it is.
wxString outcome_words(const std::string& outcome);

}  // namespace fixtray::gui
