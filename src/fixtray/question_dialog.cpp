#include "question_dialog.h"

#include <gtk/gtk.h>

#include <wx/artprov.h>
#include <wx/button.h>
#include <wx/dialog.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/statbmp.h>
#include <wx/stattext.h>
#include <wx/translation.h>
#include <wx/utils.h>

#include "accessibility.h"

namespace fixtray::gui {

bool ask_question(wxWindow* parent, QuestionKind kind, const wxString& title,
                  const wxString& question, const wxString& details, const wxString& yes,
                  const wxString& no) {
    wxDialog d(parent, wxID_ANY, title, wxDefaultPosition, wxDefaultSize, wxDEFAULT_DIALOG_STYLE);
    AtkObject* atk = gtk_widget_get_accessible(d.GetHandle());
    atk_object_set_role(atk, ATK_ROLE_ALERT);
    atk_object_set_name(atk, title.utf8_str());

    const auto art = kind == QuestionKind::warning ? wxART_WARNING : wxART_QUESTION;
    auto* icon =
        new wxStaticBitmap(&d, wxID_ANY, wxArtProvider::GetBitmapBundle(art, wxART_MESSAGE_BOX));
    // SetLabelText: shown as written, an "&" in a fix's or IT's text is not a mnemonic.
    auto* text = new wxStaticText(&d, wxID_ANY, "");
    text->SetLabelText(question);
    text->SetFont(text->GetFont().Bold());
    text->Wrap(440);
    set_accessible(text, question);
    wxStaticText* more = nullptr;
    if (!details.empty()) {
        more = new wxStaticText(&d, wxID_ANY, "");
        more->SetLabelText(details);
        more->Wrap(440);
        set_accessible(more, details);
    }
    auto* no_button = new wxButton(&d, wxID_NO, no);
    auto* yes_button = new wxButton(&d, wxID_YES, yes);
    set_accessible(no_button, wxStripMenuCodes(no));
    set_accessible(yes_button, wxStripMenuCodes(yes));
    no_button->SetDefault();
    d.SetEscapeId(wxID_NO);
    d.SetAffirmativeId(wxID_YES);
    no_button->Bind(wxEVT_BUTTON, [&d](wxCommandEvent&) { d.EndModal(wxID_NO); });
    yes_button->Bind(wxEVT_BUTTON, [&d](wxCommandEvent&) { d.EndModal(wxID_YES); });

    auto* words = new wxBoxSizer(wxVERTICAL);
    words->Add(text, 0, wxBOTTOM, more ? 8 : 0);
    if (more) words->Add(more, 0);
    auto* top = new wxBoxSizer(wxHORIZONTAL);
    top->Add(icon, 0, wxRIGHT, 12);
    top->Add(words, 1);
    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    buttons->AddStretchSpacer();
    buttons->Add(no_button, 0, wxRIGHT, 8);
    buttons->Add(yes_button, 0);
    auto* all = new wxBoxSizer(wxVERTICAL);
    all->Add(top, 1, wxEXPAND | wxALL, 16);
    all->Add(buttons, 0, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, 16);
    d.SetSizerAndFit(all);
    d.CentreOnParent();
    no_button->SetFocus();
    return d.ShowModal() == wxID_YES;
}

void tell(wxWindow* parent, const wxString& message, const wxString& title, long icon) {
    wxMessageDialog d(parent, message, title, wxOK | wxCENTRE | icon);
    // TRANSLATORS: the button that closes a message window.
    d.SetOKLabel(_("OK"));
    d.ShowModal();
}

}  // namespace fixtray::gui
