#include "about_dialog.h"

#include <gtk/gtk.h>

#include <wx/button.h>
#include <wx/dialog.h>
#include <wx/sizer.h>
#include <wx/statbmp.h>
#include <wx/stattext.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "icons.h"

namespace fixtray::gui {

namespace {

class AboutDialog final : public wxDialog {
public:
    explicit AboutDialog(wxWindow* parent)
        // TRANSLATORS: the title of the About window; %s is the app's name, "fixtray".
        : wxDialog(parent, wxID_ANY, wxString::Format(_("About %s"), "fixtray")) {
        SetIcons(app_icons());
        // A modeless wxDialog is a plain GtkWindow: say it is a dialog to screen readers.
        atk_object_set_role(gtk_widget_get_accessible(GetHandle()), ATK_ROLE_DIALOG);
        auto* icon =
            new wxStaticBitmap(this, wxID_ANY, icon_bundle("fixtray").GetBitmap(wxSize(64, 64)));
        auto* name = new wxStaticText(this, wxID_ANY, "fixtray " FIXTRAY_VERSION);
        name->SetFont(name->GetFont().Bold().Larger());
        const wxString about =
            _("Fixes common problems of this computer with one click, and asks your help desk "
              "for help when a fix does not work.");
        auto* text = new wxStaticText(this, wxID_ANY, about);
        text->Wrap(380);
        set_accessible(text, about);
        // TRANSLATORS: the button that closes the About window.
        // wxID_ANY, not wxID_CLOSE: a stock id with its stock label is GTK's own button,
        // labelled in the process's locale.
        auto* close = new wxButton(this, wxID_ANY, _("&Close"));
        set_accessible(close, _("Close"));
        close->SetDefault();
        SetEscapeId(close->GetId());
        SetAffirmativeId(close->GetId());
        close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
        Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) { Destroy(); });

        auto* words = new wxBoxSizer(wxVERTICAL);
        words->Add(name, 0, wxBOTTOM, 8);
        words->Add(text, 0);
        auto* top = new wxBoxSizer(wxHORIZONTAL);
        top->Add(icon, 0, wxRIGHT, 16);
        top->Add(words, 1);
        auto* all = new wxBoxSizer(wxVERTICAL);
        all->Add(top, 1, wxEXPAND | wxALL, 16);
        all->Add(close, 0, wxALIGN_RIGHT | wxLEFT | wxRIGHT | wxBOTTOM, 16);
        SetSizerAndFit(all);
        CentreOnParent();
        close->SetFocus();
    }
    ~AboutDialog() override;
};

AboutDialog* g_open = nullptr;

AboutDialog::~AboutDialog() {
    if (g_open == this) g_open = nullptr;
}

}  // namespace

void show_about_dialog(wxWindow* parent) {
    if (!g_open) g_open = new AboutDialog(parent);
    g_open->Show();
    g_open->Raise();
}

}  // namespace fixtray::gui
