#include "accessibility.h"

#include <gtk/gtk.h>

#include <wx/dataview.h>
#include <wx/window.h>

namespace fixtray::gui {

void set_accessible(wxWindow* window, const wxString& name, const wxString& description) {
    if (!window) return;
    // The widget that takes focus and input (a multi-line text's GtkTextView, not its
    // scrolled window), and the outer one when they differ: both carry the name.
    // A wxDataViewCtrl's handle is the scrolled window around it: the table itself (what a
    // screen reader announces) is its GtkTreeView.
    GtkWidget* widgets[] = {window->GetConnectWidget(), window->GetHandle(), nullptr};
    if (auto* dv = dynamic_cast<wxDataViewCtrl*>(window)) widgets[2] = dv->GtkGetTreeView();
    for (GtkWidget* w : widgets) {
        if (!w) continue;
        AtkObject* a = gtk_widget_get_accessible(w);
        if (!a) continue;
        atk_object_set_name(a, name.utf8_str());
        if (!description.empty()) atk_object_set_description(a, description.utf8_str());
    }
}

}  // namespace fixtray::gui
