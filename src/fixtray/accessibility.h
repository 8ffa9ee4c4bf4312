// Accessible names for controls. wx 3.2 sets no accessible name on GTK (wxAccessible is
// Windows-only): this sets the ATK name that AT-SPI (screen readers, the GUI tests) reads.
#pragma once

#include <wx/string.h>

class wxWindow;

namespace fixtray::gui {

// Sets the accessible name (and description, when given) of `window`'s GTK widget.
void set_accessible(wxWindow* window, const wxString& name, const wxString& description = {});

}  // namespace fixtray::gui
