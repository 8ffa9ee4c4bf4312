#include "texts.h"

#include <wx/translation.h>

namespace fixtray::gui {

wxString window_title(const wxString& subject) {
    // TRANSLATORS: a window's title: what the window is about (a fix's title, "Get help from
    // IT"), then the app's name. Screen readers announce it.
    return wxString::Format(_("%s - fixtray"), subject);
}

wxString phase_words(Phase p) {
    switch (p) {
        case Phase::check:
            // TRANSLATORS: the phase of a fix's step that looks for the problem (step lists:
            // "Check: Looking at the printer queue").
            return _("Check");
        case Phase::steps:
            // TRANSLATORS: the phase of a fix's step that repairs ("Fix: Restarting the
            // printer service").
            return _("Fix");
        case Phase::verify:
            // TRANSLATORS: the phase of a fix's step that checks the repair worked.
            return _("Verify");
        case Phase::revert:
            // TRANSLATORS: the phase of a fix's step that takes a failed repair back.
            return _("Undo");
    }
    return {};
}

wxString step_state_words(StepState s) {
    switch (s) {
        case StepState::waiting:
            // TRANSLATORS: a step's state in the run window's list: not started yet.
            return _("waiting");
        case StepState::running:
            // TRANSLATORS: a step's state in the run window's list.
            return _("running");
        case StepState::done:
            // TRANSLATORS: a step's state in the run window's list: finished without error.
            return _("done");
        case StepState::failed:
            // TRANSLATORS: a step's state in the run window's list.
            return _("failed");
        case StepState::skipped:
            // TRANSLATORS: a step's state in the run window's list: it did not run.
            return _("skipped");
        case StepState::cancelled:
            // TRANSLATORS: a step's state in the run window's list: the employee cancelled it.
            return _("cancelled");
    }
    return {};
}

wxString step_status_words(StepStatus s) {
    switch (s) {
        case StepStatus::ok:
            // TRANSLATORS: how a step of a past run ended (the "Recent runs" page).
            return _("ok");
        case StepStatus::failed:
            return _("failed");
        case StepStatus::skipped:
            return _("skipped");
        case StepStatus::timed_out:
            // TRANSLATORS: how a step of a past run ended: it took too long and was stopped.
            return _("timed out");
        case StepStatus::cancelled:
            return _("cancelled");
    }
    return {};
}

wxString outcome_words(const std::string& outcome) {
    // TRANSLATORS: the "Result" column of the "Recent runs" page.
    if (outcome == "fixed") return _("Fixed");
    // TRANSLATORS: the "Result" column of the "Recent runs" page.
    if (outcome == "not-fixed") return _("Not fixed");
    // TRANSLATORS: the "Result" column of the "Recent runs" page: the checks found no problem.
    if (outcome == "nothing-to-fix") return _("Nothing to fix");
    // TRANSLATORS: the "Result" column of the "Recent runs" page.
    if (outcome == "cancelled") return _("Cancelled");
    // TRANSLATORS: the "Result" column of the "Recent runs" page: the fix was refused (it does
    // not apply here, needs rights the employee lacks...).
    if (outcome == "refused") return _("Not run");
    // TRANSLATORS: the "Result" column of the "Recent runs" page: fixtray ended during the run.
    if (outcome == "interrupted") return _("Interrupted");
    return wxString::FromUTF8(outcome);
}

}  // namespace fixtray::gui
