#include "main_window.h"

#include <wx/button.h>
#include <wx/dataview.h>
#include <wx/notebook.h>
#include <wx/panel.h>
#include <wx/sizer.h>
#include <wx/srchctrl.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "icons.h"
#include "settings_page.h"
#include "texts.h"

namespace fixtray::gui {

namespace {
wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}
}  // namespace

MainWindow::MainWindow(Controller& c)
    : wxFrame(nullptr, wxID_ANY, "fixtray", wxDefaultPosition, wxSize(820, 560)), c_(c) {
    SetIcons(app_icons());
    SetName("fixtray");
    root_ = new wxPanel(this);
    auto* root = root_;
    pages_ = new wxNotebook(root, wxID_ANY);
    // TRANSLATORS: the accessible name of the main window's tabs ("Fixes", "Recent runs").
    set_accessible(pages_, _("Pages"));

    // --- Fixes page ---------------------------------------------------------------------------
    auto* fixes_page = new wxPanel(pages_);
    search_ = new wxSearchCtrl(fixes_page, wxID_ANY);
    // TRANSLATORS: the hint in the empty search field; the examples are words a fix's title or
    // description may hold in your language.
    search_->SetDescriptiveText(_("Search fixes (for example: printer, network, slow)"));
    search_->ShowCancelButton(true);
    // TRANSLATORS: the accessible name of the search field.
    set_accessible(search_, _("Search fixes"));
    fixes_ = new wxDataViewTreeCtrl(fixes_page, wxID_ANY, wxDefaultPosition, wxSize(300, -1),
                                    wxDV_NO_HEADER | wxDV_SINGLE);
    // TRANSLATORS: the accessible name of the list of fixes (grouped by category).
    set_accessible(fixes_, _("Fixes"));
    fixes_->SetName("Fixes");  // wx's window name, not shown

    auto* details = new wxPanel(fixes_page);
    title_ = new wxStaticText(details, wxID_ANY, _("Choose a fix from the list."));
    title_->SetFont(title_->GetFont().Bold().Larger());
    description_ = new wxStaticText(details, wxID_ANY, "");
    // TRANSLATORS: the heading over the plain-words description of what the chosen fix does.
    const wxString plan_title = _("What will this do?");
    auto* plan_label = new wxStaticText(details, wxID_ANY, plan_title);
    plan_label->SetFont(plan_label->GetFont().Bold());
    plan_ = new wxTextCtrl(details, wxID_ANY, "", wxDefaultPosition, wxDefaultSize,
                           wxTE_MULTILINE | wxTE_READONLY | wxTE_WORDWRAP);
    set_accessible(plan_, plan_title);
    // TRANSLATORS: a button; "&" marks the keyboard shortcut (Alt+letter).
    run_ = new wxButton(details, wxID_ANY, _("&Run this fix"));
    // TRANSLATORS: the accessible name of the button "&Run this fix".
    set_accessible(run_, _("Run this fix"));
    run_->Enable(false);

    auto* ds = new wxBoxSizer(wxVERTICAL);
    ds->Add(title_, 0, wxBOTTOM, 6);
    ds->Add(description_, 0, wxEXPAND | wxBOTTOM, 12);
    ds->Add(plan_label, 0, wxBOTTOM, 4);
    ds->Add(plan_, 1, wxEXPAND | wxBOTTOM, 8);
    ds->Add(run_, 0, wxALIGN_RIGHT);
    details->SetSizer(ds);

    auto* split = new wxBoxSizer(wxHORIZONTAL);
    split->Add(fixes_, 0, wxEXPAND | wxRIGHT, 12);
    split->Add(details, 1, wxEXPAND);
    auto* fs = new wxBoxSizer(wxVERTICAL);
    fs->Add(search_, 0, wxEXPAND | wxALL, 8);
    fs->Add(split, 1, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, 8);
    fixes_page->SetSizer(fs);
    // TRANSLATORS: the main window's first tab: the fixes to choose from.
    pages_->AddPage(fixes_page, _("&Fixes"));

    // --- Recent runs page ---------------------------------------------------------------------
    auto* recent_page = new wxPanel(pages_);
    recent_ = new wxDataViewListCtrl(recent_page, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                                     wxDV_SINGLE | wxDV_ROW_LINES);
    // TRANSLATORS: a column of the "Recent runs" list: when the fix ran (in UTC).
    recent_->AppendTextColumn(_("When (UTC)"), wxDATAVIEW_CELL_INERT, 170);
    // TRANSLATORS: a column of the "Recent runs" list: the fix's title.
    recent_->AppendTextColumn(_("Fix"), wxDATAVIEW_CELL_INERT, 230);
    // TRANSLATORS: a column of the "Recent runs" list: how the run ended.
    recent_->AppendTextColumn(_("Result"), wxDATAVIEW_CELL_INERT, 120);
    // TRANSLATORS: the accessible name of the list of the fixes that ran lately.
    set_accessible(recent_, _("Recent runs"));
    recent_details_ = new wxTextCtrl(recent_page, wxID_ANY, "", wxDefaultPosition, wxDefaultSize,
                                     wxTE_MULTILINE | wxTE_READONLY | wxTE_DONTWRAP);
    // TRANSLATORS: the accessible name of the box with what the chosen past run did.
    set_accessible(recent_details_, _("Steps of the chosen run"));
    // TRANSLATORS: a button under a past run: asks the help desk for help with it.
    recent_help_ = new wxButton(recent_page, wxID_ANY, _("Get &help with this..."));
    // TRANSLATORS: the accessible name of the button "Get &help with this...".
    set_accessible(recent_help_, _("Get help with this"));
    recent_help_->Enable(false);
    auto* rs = new wxBoxSizer(wxVERTICAL);
    rs->Add(recent_, 1, wxEXPAND | wxALL, 8);
    rs->Add(recent_details_, 1, wxEXPAND | wxLEFT | wxRIGHT, 8);
    rs->Add(recent_help_, 0, wxALIGN_RIGHT | wxALL, 8);
    recent_page->SetSizer(rs);
    // TRANSLATORS: the main window's second tab: the fixes that ran lately.
    pages_->AddPage(recent_page, _("Recent &runs"));
    settings_ = new SettingsPage(pages_, c_);
    // TRANSLATORS: the main window's third tab: the employee's settings and the organisation's.
    pages_->AddPage(settings_, _("&Settings"));

    // --- Bottom bar ---------------------------------------------------------------------------
    status_ = new wxStaticText(root, wxID_ANY, _("Loading fixes..."));
    // TRANSLATORS: the accessible name of the status line at the bottom of the main window.
    set_accessible(status_, _("Status"));
    // TRANSLATORS: a button: loads the list of fixes again and says where they come from.
    auto* check = new wxButton(root, wxID_ANY, _("&Check for new fixes"));
    // TRANSLATORS: the accessible name of the button "&Check for new fixes".
    set_accessible(check, _("Check for new fixes"));
    // TRANSLATORS: a button: opens the window that sends a request to the help desk.
    help_ = new wxButton(root, wxID_ANY, _("Get help from &IT..."));
    // TRANSLATORS: the accessible name of the button "Get help from &IT...".
    set_accessible(help_, _("Get help from IT"));
    // TRANSLATORS: a button: opens the list of requests to the help desk (the outbox).
    auto* requests = new wxButton(root, wxID_ANY, _("Re&quests..."));
    // TRANSLATORS: the accessible name of the button "Re&quests...".
    set_accessible(requests, _("Requests to IT"));
    requests->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { c_.show_outbox_window(); });
    auto* bottom = new wxBoxSizer(wxHORIZONTAL);
    bottom->Add(status_, 1, wxALIGN_CENTER_VERTICAL);
    bottom->Add(requests, 0, wxLEFT, 8);
    bottom->Add(check, 0, wxLEFT, 8);
    bottom->Add(help_, 0, wxLEFT, 8);

    // --- IT's announcements, above everything ----------------------------------------------------
    // The theme's own colours (a high-contrast theme stays high-contrast); bold sets it apart.
    news_ = new wxPanel(root);
    news_text_ = new wxStaticText(news_, wxID_ANY, "");
    news_text_->SetFont(news_text_->GetFont().Bold());
    // TRANSLATORS: the accessible name of the announcements from IT at the top of the window.
    set_accessible(news_text_, _("Announcements from IT"));
    auto* ns = new wxBoxSizer(wxVERTICAL);
    ns->Add(news_text_, 0, wxEXPAND | wxALL, 8);
    news_->SetSizer(ns);
    news_->Hide();

    auto* top = new wxBoxSizer(wxVERTICAL);
    top->Add(news_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 8);
    top->Add(pages_, 1, wxEXPAND | wxALL, 8);
    top->Add(bottom, 0, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, 8);
    root->SetSizer(top);

    // --- Events -------------------------------------------------------------------------------
    search_->Bind(wxEVT_TEXT, [this](wxCommandEvent&) { fill_fixes(); });
    search_->Bind(wxEVT_SEARCHCTRL_SEARCH_BTN, [this](wxCommandEvent&) { fill_fixes(); });
    fixes_->Bind(wxEVT_DATAVIEW_SELECTION_CHANGED, [this](wxDataViewEvent&) { show_details(); });
    // Running a fix may ask first, and "Check for new fixes" may say something: modal windows,
    // opened after the click's handler has returned. A click that comes from a screen reader
    // (an AT-SPI action) is handled inside the accessibility bridge's D-Bus dispatch, which a
    // nested event loop would keep from answering anything until the question is closed.
    auto run_selected = [this] {
        if (selected_fix().empty()) return;
        CallAfter([this, fix = selected_fix()] { c_.run_fix(fix, this); });
    };
    fixes_->Bind(wxEVT_DATAVIEW_ITEM_ACTIVATED,
                 [run_selected](wxDataViewEvent&) { run_selected(); });
    run_->Bind(wxEVT_BUTTON, [run_selected](wxCommandEvent&) { run_selected(); });
    check->Bind(wxEVT_BUTTON,
                [this](wxCommandEvent&) { CallAfter([this] { c_.check_for_new_fixes(this); }); });
    help_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { c_.open_escalation(std::nullopt, this); });
    recent_->Bind(wxEVT_DATAVIEW_SELECTION_CHANGED,
                  [this](wxDataViewEvent&) { show_recent_details(); });
    recent_help_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (auto run = c_.find_run(selected_run())) c_.open_escalation(*run, this);
    });
    pages_->Bind(wxEVT_NOTEBOOK_PAGE_CHANGED, [this](wxBookCtrlEvent& e) {
        if (e.GetSelection() == 1) fill_recent();
        e.Skip();
    });
    // Keyboard: Ctrl+F goes to the search field; Enter in the search field or on a fix runs
    // the chosen fix (the list's own Enter is its "activate"); Esc closes the window (with a
    // tray, fixtray stays there).
    Bind(wxEVT_CHAR_HOOK, [this, run_selected](wxKeyEvent& e) {
        if (e.GetKeyCode() == 'F' && e.GetModifiers() == wxMOD_CONTROL) {
            pages_->SetSelection(0);
            search_->SetFocus();
            search_->SelectAll();
            return;
        }
        if (e.GetKeyCode() == WXK_ESCAPE && e.GetModifiers() == wxMOD_NONE) {
            Close();
            return;
        }
        if ((e.GetKeyCode() == WXK_RETURN || e.GetKeyCode() == WXK_NUMPAD_ENTER) &&
            search_->HasFocus() && !selected_fix().empty()) {
            run_selected();
            return;
        }
        e.Skip();
    });
    Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent& e) {
        // Closing the window never stops a running fix; with a tray the app stays there.
        if (c_.tray_kind() == TrayKind::none && !c_.fix_running()) {
            c_.quit(this);
            return;
        }
        if (c_.tray_kind() == TrayKind::none) {
            Iconize(true);  // no tray to come back from: keep it reachable while a fix runs
            e.Veto();
            return;
        }
        e.Skip();
    });

    c_.add_listener(this);
    machine_updated();
    search_->SetFocus();
    SetMinSize(wxSize(640, 420));
}

MainWindow::~MainWindow() {
    c_.remove_listener(this);
    c_.window_closed(this);
}

void MainWindow::machine_updated() {
    wxString news;
    for (const AnnouncementView& a : c_.announcements()) {
        if (!news.empty()) news += "\n\n";
        // TRANSLATORS: an announcement from IT at the top of the window: its title, then when
        // it ends ("until 2026-12-07 14:00"), then on the next line its text.
        news += wxString::Format(_("IT: %s (%s)"), wx(a.title), wx(announcement_until_text(a))) +
                "\n" + wx(a.text);
    }
    if (news != news_text_->GetLabelText()) {
        news_text_->SetLabelText(news);  // as text: an "&" from the feed is not a mnemonic
        news_text_->Wrap(760);
    }
    news_->Show(!news.empty());
    fill_fixes();
    settings_->machine_updated();
    outbox_updated();
    help_->Show(c_.escalation_allowed());
    recent_help_->Show(c_.escalation_allowed());
    root_->Layout();
}

void MainWindow::outbox_updated() {
    if (!c_.loaded()) return;
    const TrayStatus s = c_.tray_status();
    // Whole sentences, joined with spaces.
    const int fixes = static_cast<int>(c_.snapshot()->fixes().size());
    // TRANSLATORS: the main window's status line: how many fixes apply to this computer.
    const wxString& fixes_text = wxPLURAL(
        "%d fix for this computer.", "%d fixes for this computer.", static_cast<unsigned>(fixes));
    wxString text = wxString::Format(fixes_text, fixes);
    if (s.waiting > 0) {
        const wxString& waiting =
            // TRANSLATORS: the main window's status line: requests to the help desk not sent yet.
            wxPLURAL("%d request is waiting to be sent.", "%d requests are waiting to be sent.",
                     static_cast<unsigned>(s.waiting));
        text += " " + wxString::Format(waiting, s.waiting);
    }
    if (s.undeliverable > 0) {
        const wxString& refused =
            // TRANSLATORS: the main window's status line, after "... requests are waiting to be
            // sent.": how many requests the help desk's system refused.
            wxPLURAL("%d could not be delivered.", "%d could not be delivered.",
                     static_cast<unsigned>(s.undeliverable));
        text += " " + wxString::Format(refused, s.undeliverable);
    }
    status_->SetLabel(text);
}

void MainWindow::run_updated() {
    if (!c_.fix_running() && pages_->GetSelection() == 1) fill_recent();
    run_->Enable(!selected_fix().empty());
}

void MainWindow::fill_fixes() {
    if (!c_.loaded()) return;
    const std::string keep = selected_fix().empty() ? shown_fix_ : selected_fix();
    fixes_->DeleteAllItems();
    fix_by_item_.clear();
    const auto groups = group_fix_list(c_.snapshot()->fixes(), search_->GetValue().utf8_string());
    wxDataViewItem first, chosen;
    for (const FixListGroup& g : groups) {
        const wxDataViewItem group = fixes_->AppendContainer(wxDataViewItem(), wx(g.title));
        for (const FixListItem& f : g.fixes) {
            const wxDataViewItem item = fixes_->AppendItem(group, wx(f.title));
            fix_by_item_[item.GetID()] = f.fix_id;
            if (!first.IsOk()) first = item;
            if (f.fix_id == keep) chosen = item;
        }
        fixes_->Expand(group);
    }
    if (!chosen.IsOk()) chosen = first;
    if (chosen.IsOk()) {
        fixes_->Select(chosen);
        fixes_->EnsureVisible(chosen);
    }
    show_details();
}

std::string MainWindow::selected_fix() const {
    const auto it = fix_by_item_.find(fixes_->GetSelection().GetID());
    return it == fix_by_item_.end() ? std::string() : it->second;
}

void MainWindow::show_details() {
    const std::string id = selected_fix();
    run_->Enable(!id.empty());
    if (id.empty()) {
        const wxDataViewItem sel = fixes_->GetSelection();
        if (sel.IsOk() && fixes_->IsContainer(sel)) {
            title_->SetLabel(fixes_->GetItemText(sel));
            // TRANSLATORS: shown when a category (not a fix) is selected in the list of fixes.
            description_->SetLabel(_("Choose one of the fixes below it."));
            plan_->ChangeValue("");
            shown_fix_.clear();
            title_->GetParent()->Layout();
            return;
        }
        title_->SetLabel(!c_.loaded()                     ? _("Loading fixes...")
                         : c_.snapshot()->fixes().empty() ? _("No fixes apply to this computer.")
                                                          : _("No fix matches your search."));
        description_->SetLabel("");
        plan_->ChangeValue("");
        shown_fix_.clear();
        return;
    }
    if (id == shown_fix_) return;
    shown_fix_ = id;
    for (const FixListItem& f : c_.snapshot()->fixes()) {
        if (f.fix_id != id) continue;
        title_->SetLabel(wx(f.title));
        description_->SetLabel(wx(f.description));
        description_->Wrap(420);
    }
    std::string text;
    for (const std::string& line : describe_plan(c_.plan_for(id))) text += line + "\n";
    plan_->ChangeValue(wx(text));
    title_->GetParent()->Layout();  // the details pane: the wrapped description's new height
    root_->Layout();
}

void MainWindow::fill_recent() {
    recent_->DeleteAllItems();
    run_ids_.clear();
    for (const AuditEntry& e : c_.recent_runs(50)) {
        wxVector<wxVariant> row;
        row.push_back(wxVariant(wx(e.time.substr(0, 16).replace(10, 1, " "))));
        row.push_back(wxVariant(wx(c_.fix_title(e.fix_id))));
        row.push_back(wxVariant(outcome_words(e.outcome)));
        recent_->AppendItem(row);
        run_ids_.push_back(e.run_id);
    }
    if (!run_ids_.empty()) recent_->SelectRow(0);
    show_recent_details();
}

std::string MainWindow::selected_run() const {
    const int row = recent_->GetSelectedRow();
    return row >= 0 && row < static_cast<int>(run_ids_.size())
               ? run_ids_[static_cast<std::size_t>(row)]
               : std::string();
}

void MainWindow::show_recent_details() {
    const auto run = c_.find_run(selected_run());
    recent_help_->Enable(run.has_value());
    if (!run) {
        recent_details_->ChangeValue("");
        return;
    }
    // The result in plain words, as the run window said it; then the steps, each with its own
    // (English, technical) message; then the run's technical message and id, as IT gets them.
    const RunResultView result = run_result_view(*run);
    wxString text = wx(run->fix_title) + "\n" + wx(result.headline);
    if (!result.detail.empty()) text += " " + wx(result.detail);
    text += "\n\n";
    for (const StepRecord& s : run->steps) {
        text += phase_words(s.phase) + "  " + wx(s.label) + "  -  " + step_status_words(s.status);
        if (!s.message.empty()) text += ": " + wx(s.message);
        text += "\n";
    }
    if (!result.technical.empty() && result.technical != result.detail)
        // TRANSLATORS: a past run's own technical message (English, as recorded for IT).
        text += "\n" + wxString::Format(_("Technical details: %s"), wx(result.technical));
    // TRANSLATORS: a past run's identifier (IT asks for it).
    text += "\n" + wxString::Format(_("Run id: %s"), wx(run->run_id));
    recent_details_->ChangeValue(text);
}

}  // namespace fixtray::gui
