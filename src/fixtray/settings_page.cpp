#include "settings_page.h"

#include <wx/checkbox.h>
#include <wx/choice.h>
#include <wx/dataview.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/stdpaths.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "app/policy_summary.h"
#include "controller.h"
#include "platform/platform_paths.h"

namespace fixtray::gui {

namespace {
wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}
}  // namespace

SettingsPage::SettingsPage(wxWindow* parent, Controller& c) : wxPanel(parent), c_(c) {
    const UserEnvironment env = current_user_environment();
    settings_file_ = user_settings_file(env);
    autostart_ = autostart_paths(env.config);
    settings_ = load_user_settings(settings_file_).settings;

    // TRANSLATORS: the label before the choice of the language fixtray speaks.
    auto* language_label = new wxStaticText(this, wxID_ANY, _("&Language:"));
    language_ = new wxChoice(this, wxID_ANY);
    // TRANSLATORS: the first choice of "Language": whatever the desktop uses.
    language_->Append(_("The system's language"));
    int selected = 0;
    for (const auto& l : shipped_languages()) {
        language_->Append(wx(l.name));  // each language in its own words: "Deutsch"
        if (settings_.language == l.tag) selected = static_cast<int>(language_->GetCount()) - 1;
    }
    language_->SetSelection(selected);
    // TRANSLATORS: the accessible name of the choice of language.
    set_accessible(language_, _("Language"));

    // TRANSLATORS: a check box of the settings.
    notifications_ =
        new wxCheckBox(this, wxID_ANY, _("Show &notifications about fixes and requests"));
    notifications_->SetValue(settings_.notifications);
    set_accessible(notifications_, _("Show notifications about fixes and requests"));
    // TRANSLATORS: a check box of the settings: the tray icon appears after logging in.
    autostart_box_ = new wxCheckBox(this, wxID_ANY, _("&Start fixtray when I log in"));
    autostart_box_->SetValue(starts_at_login(autostart_));
    set_accessible(autostart_box_, _("Start fixtray when I log in"));

    status_ = new wxStaticText(this, wxID_ANY, "");
    // TRANSLATORS: the accessible name of the line that says whether the settings were saved.
    set_accessible(status_, _("Settings status"));

    // TRANSLATORS: the heading over what the organisation decided (read-only).
    auto* policy_title = new wxStaticText(this, wxID_ANY, _("Decided by your organisation"));
    policy_title->SetFont(policy_title->GetFont().Bold());
    policy_ = new wxDataViewListCtrl(this, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                                     wxDV_ROW_LINES | wxDV_VARIABLE_LINE_HEIGHT);
    // TRANSLATORS: a column of the organisation's settings: what is decided.
    policy_->AppendTextColumn(_("Setting"), wxDATAVIEW_CELL_INERT, 190);
    // TRANSLATORS: a column of the organisation's settings: the decision.
    policy_->AppendTextColumn(_("Decision"), wxDATAVIEW_CELL_INERT, 480);
    // TRANSLATORS: the accessible name of the list of what the organisation decided.
    set_accessible(policy_, _("Decided by your organisation"));

    auto* grid = new wxFlexGridSizer(2, 6, 8);
    grid->Add(language_label, 0, wxALIGN_CENTER_VERTICAL);
    grid->Add(language_, 0);
    auto* s = new wxBoxSizer(wxVERTICAL);
    s->Add(grid, 0, wxALL, 8);
    s->Add(notifications_, 0, wxLEFT | wxRIGHT | wxBOTTOM, 8);
    s->Add(autostart_box_, 0, wxLEFT | wxRIGHT | wxBOTTOM, 8);
    s->Add(status_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, 8);
    s->Add(policy_title, 0, wxLEFT | wxRIGHT | wxTOP, 8);
    s->Add(policy_, 1, wxEXPAND | wxALL, 8);
    SetSizer(s);

    language_->Bind(wxEVT_CHOICE, [this](wxCommandEvent&) { save(); });
    notifications_->Bind(wxEVT_CHECKBOX, [this](wxCommandEvent&) { save(); });
    autostart_box_->Bind(wxEVT_CHECKBOX, [this](wxCommandEvent&) {
        const bool on = autostart_box_->GetValue();
        const std::string exe = wxStandardPaths::Get().GetExecutablePath().utf8_string();
        if (Status st = set_start_at_login(autostart_, on, exe); !st) {
            autostart_box_->SetValue(starts_at_login(autostart_));
            // TRANSLATORS: %s is the reason (a file that could not be written).
            status_->SetLabel(wxString::Format(_("Not changed: %s"), wx(st.message())));
            return;
        }
        status_->SetLabel(on ? _("fixtray will start when you log in.")
                             : _("fixtray will not start when you log in."));
    });
    machine_updated();
}

void SettingsPage::save() {
    const int sel = language_->GetSelection();
    const auto& languages = shipped_languages();
    settings_.language = sel >= 1 && static_cast<std::size_t>(sel) <= languages.size()
                             ? languages[sel - 1].tag
                             : "system";
    settings_.notifications = notifications_->GetValue();
    if (Status st = save_user_settings(settings_file_, settings_); !st) {
        status_->SetLabel(wxString::Format(_("Not saved: %s"), wx(st.message())));
        return;
    }
    status_->SetLabel(_("Saved. A new language is used the next time fixtray starts."));
    c_.settings_changed(settings_);
}

void SettingsPage::machine_updated() {
    policy_->DeleteAllItems();
    const MachineSnapshot* s = c_.snapshot();
    if (!s || !s->catalog) return;
    for (const PolicyRow& row : policy_summary(s->escalation, *s->catalog)) {
        wxVector<wxVariant> cells;
        cells.push_back(wxVariant(wx(row.label)));
        cells.push_back(wxVariant(wx(row.value)));
        policy_->AppendItem(cells);
    }
}

}  // namespace fixtray::gui
