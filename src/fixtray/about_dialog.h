// "About fixtray": the name, version and what it is for. Our own dialog, not wxAboutBox: GTK's
// about dialog labels its window and its buttons in the process's locale, not in the language
// the employee chose (translations.h).
#pragma once

class wxWindow;

namespace fixtray::gui {

// Shows the window (modeless); one at a time: a second call raises the one that is open.
void show_about_dialog(wxWindow* parent);

}  // namespace fixtray::gui
