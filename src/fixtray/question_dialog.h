// A yes/no question before something that cannot be taken back (running a disruptive fix,
// quitting while a fix runs). Not wxMessageDialog: GTK's message dialog is announced to screen
// readers by its type ("Warning", "Question") instead of its title; this one is an alert named
// like its title, with the question, the details, and "no" as the default (Escape and Enter
// answer no until the employee moves to the other button).
#pragma once

#include <wx/string.h>

class wxWindow;

namespace fixtray::gui {

enum class QuestionKind { question, warning };

// Shows the question modally; true when the employee chose `yes`.
bool ask_question(wxWindow* parent, QuestionKind kind, const wxString& title,
                  const wxString& question, const wxString& details, const wxString& yes,
                  const wxString& no);

// Says something, modally, with one button "OK" in the user's language (a wxMessageDialog whose
// button is given our label: GTK's stock "OK" follows the process's locale, not the language
// the employee chose). `icon`: wxICON_INFORMATION or wxICON_WARNING.
void tell(wxWindow* parent, const wxString& message, const wxString& title, long icon);

}  // namespace fixtray::gui
