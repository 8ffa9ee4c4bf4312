// "Get help from IT": the escalation dialog over the core's EscalationSession. Subject and
// description pre-filled from the run, a comment box, the employee's contact, the diagnostics
// that will be attached (titles and sizes, each viewable and removable), what was masked;
// Send puts the request in the outbox and shows the ticket number or "It will be sent when
// you are back online". Collecting and sending run on a worker thread.
#pragma once

#include <optional>

#include "engine/run_record.h"

class wxWindow;

namespace fixtray::gui {

class Controller;

// Opens the dialog (about `run` when given). `automatic`: the help desk's policy sends a
// failed run's request without asking: the dialog collects and sends at once and shows what
// it sent. Returns the dialog (it destroys itself when closed).
wxWindow* open_escalation_dialog(Controller& c, std::optional<RunRecord> run, wxWindow* parent,
                                 bool automatic);

}  // namespace fixtray::gui
