#include "run_window.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <wx/button.h>
#include <wx/collpane.h>
#include <wx/dataview.h>
#include <wx/gauge.h>
#include <wx/panel.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/tglbtn.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "base/visible_text.h"
#include "icons.h"
#include "texts.h"

namespace fixtray::gui {

namespace {
enum { kTickTimer = 1, kPendingTimer = 2 };
constexpr std::chrono::milliseconds kMinRefresh{100};

wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}

void set_label(wxStaticText* text, const wxString& label) {
    if (text->GetLabel() != label) text->SetLabel(label);
}

wxString seconds_text(std::chrono::milliseconds ms) {
    const long long s = ms.count() / 1000;
    if (s >= 60) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
        return buf;
    }
    // TRANSLATORS: a duration under a minute, in seconds with one decimal ("2.5 s").
    return wxString::Format(_("%.1f s"), static_cast<double>(ms.count()) / 1000.0);
}

// The window's title while no fix's title is known.
wxString running_a_fix() {
    // TRANSLATORS: the run window's title before the fix's title is known.
    return _("Running a fix");
}
}  // namespace

RunWindow::RunWindow(Controller& c)
    : wxFrame(nullptr, wxID_ANY, window_title(running_a_fix()), wxDefaultPosition,
              wxSize(640, 520)),
      c_(c),
      timer_(this, kTickTimer),
      pending_(this, kPendingTimer) {
    SetIcons(app_icons());
    auto* p = new wxPanel(this);
    panel_ = p;
    title_ = new wxStaticText(p, wxID_ANY, "");
    title_->SetFont(title_->GetFont().Bold().Larger());
    steps_ = new wxDataViewListCtrl(p, wxID_ANY, wxDefaultPosition, wxSize(-1, 180),
                                    wxDV_SINGLE | wxDV_ROW_LINES);
    // TRANSLATORS: a column of the run window's list of steps: waiting, running, done...
    steps_->AppendTextColumn(_("State"), wxDATAVIEW_CELL_INERT, 130);
    // TRANSLATORS: a column of the run window's list of steps: what the step does.
    steps_->AppendTextColumn(_("Step"), wxDATAVIEW_CELL_INERT, 340);
    // TRANSLATORS: a column of the run window's list of steps: how long it took.
    steps_->AppendTextColumn(_("Time"), wxDATAVIEW_CELL_INERT, 70);
    // TRANSLATORS: the accessible name of the run window's list of steps.
    set_accessible(steps_, _("Steps"));
    progress_ = new wxGauge(p, wxID_ANY, 100);
    // TRANSLATORS: the accessible name of the run window's progress bar.
    set_accessible(progress_, _("Progress"));
    progress_text_ = new wxStaticText(p, wxID_ANY, "");
    // TRANSLATORS: a toggle button: shows what the chosen step printed.
    output_toggle_ = new wxToggleButton(p, wxID_ANY, _("Show &output"));
    // TRANSLATORS: the accessible name of the toggle button "Show &output".
    set_accessible(output_toggle_, _("Show output"));
    Bind(
        wxEVT_TIMER,
        [this](wxTimerEvent&) {
            if (!c_.fix_running()) return;
            const_cast<RunView&>(c_.run_view()).tick(RunView::Clock::now());
            refresh();
        },
        kTickTimer);
    Bind(
        wxEVT_TIMER, [this](wxTimerEvent&) { refresh(); }, kPendingTimer);
    // Esc closes the window; the fix goes on (it is the controller's), as with the close box.
    Bind(wxEVT_CHAR_HOOK, [this](wxKeyEvent& e) {
        if (e.GetKeyCode() == WXK_ESCAPE && e.GetModifiers() == wxMOD_NONE) {
            Close();
            return;
        }
        e.Skip();
    });
    Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent& e) {
        if (c_.run_view().result()) c_.seen_result();
        e.Skip();  // the fix goes on without the window
    });
    c_.add_listener(this);
    timer_.Start(250);
}

// The second part of the window (see present()).
void RunWindow::build_bottom() {
    if (built_) return;
    wxPanel* p = panel_;
    headline_ = new wxStaticText(p, wxID_ANY, "");
    headline_->SetFont(headline_->GetFont().Bold().Larger());
    // TRANSLATORS: the accessible name of the run's result ("Fixed.", "Not fixed.").
    set_accessible(headline_, _("Result"));
    detail_ = new wxStaticText(p, wxID_ANY, "");
    // TRANSLATORS: the accessible name of the sentence under the result: what happened.
    set_accessible(detail_, _("Result details"));
    // The run's own message, for IT: collapsed under "Technical details"; the pane (a toggle
    // button to screen readers) and the text inside are both named so.
    // TRANSLATORS: opens the run's technical message (English, as IT gets it).
    const wxString technical = _("Technical details");
    // TRANSLATORS: the same, as the pane's label with its access key (Alt+T).
    technical_pane_ = new wxCollapsiblePane(p, wxID_ANY, _("&Technical details"), wxDefaultPosition,
                                            wxDefaultSize, wxCP_DEFAULT_STYLE | wxCP_NO_TLW_RESIZE);
    set_accessible(technical_pane_, technical);
    technical_ = new wxStaticText(technical_pane_->GetPane(), wxID_ANY, "");
    set_accessible(technical_, technical);
    auto* ts = new wxBoxSizer(wxVERTICAL);
    ts->Add(technical_, 0, wxEXPAND | wxLEFT | wxTOP, 6);
    technical_pane_->GetPane()->SetSizer(ts);
    technical_pane_->Hide();
    // TRANSLATORS: asked after a fix worked (or found nothing to fix); the answers are "&Yes"
    // and "&No".
    question_ = new wxStaticText(p, wxID_ANY, _("Did that help?"));
    // TRANSLATORS: the answer to "Did that help?".
    yes_ = new wxButton(p, wxID_ANY, _("&Yes"));
    // TRANSLATORS: the accessible name of the button "&Yes" after "Did that help?".
    set_accessible(yes_, _("Yes, it helped"));
    // TRANSLATORS: the answer to "Did that help?".
    no_ = new wxButton(p, wxID_ANY, _("&No"));
    // TRANSLATORS: the accessible name of the button "&No" after "Did that help?".
    set_accessible(no_, _("No, it did not help"));
    help_ = new wxButton(p, wxID_ANY, _("Get help from &IT..."));
    set_accessible(help_, _("Get help from IT"));
    // TRANSLATORS: a button of the run window: stops the running fix.
    // wxID_ANY, not wxID_CANCEL: a stock id with its stock label is GTK's own button, labelled
    // in the process's locale instead of the language fixtray speaks.
    cancel_ = new wxButton(p, wxID_ANY, _("&Cancel"));
    // TRANSLATORS: the accessible name of the run window's "&Cancel" button.
    set_accessible(cancel_, _("Cancel the fix"));
    // TRANSLATORS: a button: closes the run window (the fix goes on). "&" marks the keyboard
    // shortcut (Alt+L in English).
    close_ = new wxButton(p, wxID_ANY, _("C&lose"));
    // TRANSLATORS: the accessible name of a button that closes its window.
    set_accessible(close_, _("Close"));

    auto* ask = new wxBoxSizer(wxHORIZONTAL);
    ask->Add(question_, 0, wxALIGN_CENTER_VERTICAL | wxRIGHT, 8);
    ask->Add(yes_, 0, wxRIGHT, 4);
    ask->Add(no_, 0);
    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    buttons->Add(output_toggle_, 0);
    buttons->AddStretchSpacer();
    buttons->Add(help_, 0, wxRIGHT, 8);
    buttons->Add(cancel_, 0, wxRIGHT, 8);
    buttons->Add(close_, 0);
    auto* s = new wxBoxSizer(wxVERTICAL);
    s->Add(title_, 0, wxEXPAND | wxALL, 10);
    s->Add(steps_, 1, wxEXPAND | wxLEFT | wxRIGHT, 10);
    s->Add(progress_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 10);
    s->Add(progress_text_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 10);
    // The output box is made when it is first asked for (a multi-line text control costs the
    // window's construction, on the UI thread, about a fifth of its time): its place is here.
    output_slot_ = s->GetItemCount();
    s->Add(headline_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 10);
    s->Add(detail_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 10);
    s->Add(technical_pane_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 10);
    s->Add(ask, 0, wxLEFT | wxRIGHT | wxTOP, 10);
    s->Add(buttons, 0, wxEXPAND | wxALL, 10);
    p->SetSizer(s);
    sizer_ = s;

    output_toggle_->Bind(wxEVT_TOGGLEBUTTON, [this](wxCommandEvent&) {
        if (!output_) {
            output_ = new wxTextCtrl(panel_, wxID_ANY, "", wxDefaultPosition, wxSize(-1, 120),
                                     wxTE_MULTILINE | wxTE_READONLY | wxTE_DONTWRAP);
            // TRANSLATORS: the accessible name of the box with what the chosen step printed.
            set_accessible(output_, _("Output of the step"));
            output_->MoveAfterInTabOrder(output_toggle_);
            sizer_->Insert(output_slot_, output_, 1, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, 10);
        }
        output_->Show(output_toggle_->GetValue());
        show_output();
        panel_->Layout();
    });
    steps_->Bind(wxEVT_DATAVIEW_SELECTION_CHANGED, [this](wxDataViewEvent&) { show_output(); });
    technical_pane_->Bind(wxEVT_COLLAPSIBLEPANE_CHANGED,
                          [this](wxCollapsiblePaneEvent&) { panel_->Layout(); });
    cancel_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        cancel_->Enable(false);
        progress_text_->SetLabel(_("Cancelling: stopping the running step..."));
        c_.cancel_fix();
    });
    close_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
    yes_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        answered_ = true;
        c_.answer_did_it_help(true, this);
        refresh();
        // TRANSLATORS: replaces "Did that help?" after the employee answered Yes.
        question_->SetLabel(_("Thank you."));
    });
    no_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        answered_ = true;
        refresh();
        c_.answer_did_it_help(false, this);
    });
    help_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        c_.seen_result();
        if (c_.run_view().record()) c_.open_escalation(*c_.run_view().record(), this);
    });
    built_ = true;
    refresh();
    // The panel got its sizer after the frame gave it its size: lay it out now.
    panel_->Layout();
}

void RunWindow::present() {
    if (IsShown()) {
        Raise();
        return;
    }
    std::deque<std::function<void()>> build;
    if (!built_) build.push_back([this] { build_bottom(); });
    show_soon_.start(nullptr, std::move(build));
}

RunWindow::~RunWindow() {
    timer_.Stop();
    pending_.Stop();
    c_.remove_listener(this);
    c_.window_closed(this);
}

void RunWindow::run_updated() {
    // At most one refresh per kMinRefresh: a step that prints fast must not keep the UI busy.
    const auto since = std::chrono::steady_clock::now() - last_refresh_;
    if (since >= kMinRefresh) {
        refresh();
    } else if (!pending_.IsRunning()) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(kMinRefresh - since);
        pending_.StartOnce(std::max(1, static_cast<int>(wait.count())));
    }
}

void RunWindow::refresh() {
    if (!built_) return;  // build_bottom() refreshes once it has built the rest
    last_refresh_ = std::chrono::steady_clock::now();
    pending_.Stop();
    const RunView& v = c_.run_view();
    // Labels and visibility are set only when they change, and the panel is laid out again only
    // then: the labels that change while a fix runs span the window's width (wxEXPAND).
    bool relayout = false;
    set_label(title_, wx(v.title()));
    const wxString title = window_title(v.title().empty() ? running_a_fix() : wx(v.title()));
    if (GetTitle() != title) SetTitle(title);
    const auto& rows = v.rows();
    // Rows only grow (a foreach item, a revert step); update in place, append what is new.
    if (static_cast<std::size_t>(steps_->GetItemCount()) > rows.size()) steps_->DeleteAllItems();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        // A check that fails found the problem the fix is for: not an error of the fix.
        const wxString state = r.phase == Phase::check && r.state == StepState::failed
                                   // TRANSLATORS: a step's state in the run window's list: a
                                   // check found the problem the fix is for.
                                   ? _("problem")
                                   : step_state_words(r.state);
        const wxString step = wx(visible_text(r.label, false));
        const wxString label =
            r.admin
                // TRANSLATORS: a step in the run window's list: its phase (Check, Fix, Verify,
                // Undo), its label, and that it needs administrator rights.
                ? wxString::Format(_("%s: %s [administrator]"), phase_words(r.phase), step)
                // TRANSLATORS: a step in the run window's list: its phase (Check, Fix, Verify,
                // Undo) and its label.
                : wxString::Format(_("%s: %s"), phase_words(r.phase), step);
        const wxString time = r.state == StepState::waiting || r.state == StepState::skipped
                                  ? wxString()
                                  : seconds_text(r.elapsed);
        const unsigned row = static_cast<unsigned>(i);
        if (row >= static_cast<unsigned>(steps_->GetItemCount())) {
            wxVector<wxVariant> values;
            values.push_back(state);
            values.push_back(label);
            values.push_back(time);
            steps_->AppendItem(values);
        } else {
            // A changed row is told to GTK as a changed row: wx's per-cell ValueChanged only
            // repaints the cell, and the accessibility tree (a screen reader) would keep the
            // old text ("running" after the step failed).
            bool changed = false;
            for (const auto& [col, text] :
                 {std::pair<unsigned, const wxString&>{0, state}, {1, label}, {2, time}})
                if (steps_->GetTextValue(row, col) != text) {
                    steps_->SetTextValue(text, row, col);
                    changed = true;
                }
            if (changed) steps_->GetStore()->RowChanged(row);
        }
    }
    const std::size_t total = v.steps_total(), done = v.steps_finished();
    const int percent = v.result() ? 100 : total ? static_cast<int>(done * 100 / total) : 0;
    if (progress_->GetValue() != percent) progress_->SetValue(percent);
    const bool running = v.running();
    if (running) {
        // TRANSLATORS: the run window's progress: the running step's number, the number of
        // steps, the time since the fix started ("Step 2 of 5, 3.4 s").
        const wxString step_of = _("Step %zu of %zu, %s");
        set_label(progress_text_, wxString::Format(step_of, std::min(done + 1, total), total,
                                                   seconds_text(v.elapsed())));
    } else if (v.result()) {
        // TRANSLATORS: the run window once the fix ended: how long it ran ("Took 12.5 s").
        set_label(progress_text_, wxString::Format(_("Took %s"), seconds_text(v.elapsed())));
    }
    if (cancel_->IsEnabled() != running) cancel_->Enable(running);
    const auto& result = v.result();
    // TRANSLATORS: the run window's result while the fix runs.
    set_label(headline_, result ? wx(result->headline) : _("Working on it..."));
    // The plain-language sentence where the result is; the run's own (English, technical)
    // message under "Technical details", when it says more than that sentence.
    const std::string detail = result ? visible_text(result->detail) : std::string();
    if (detail != detail_text_) {
        detail_text_ = detail;
        detail_->SetLabel(wx(detail));
        detail_->Wrap(600);
        relayout = true;
    }
    const std::string technical = result && result->technical != result->detail
                                      ? visible_text(result->technical)
                                      : std::string();
    if (technical != technical_text_) {
        technical_text_ = technical;
        technical_pane_->Collapse(true);  // a new result's details start folded
        technical_->SetLabel(wx(technical));
        technical_->Wrap(580);
        technical_pane_->GetPane()->Layout();
        relayout = true;
    }
    relayout |= technical_pane_->Show(!technical.empty());
    const bool ask = result && result->ask_did_it_help && !answered_;
    relayout |= question_->Show(ask || answered_);
    relayout |= yes_->Show(ask);
    relayout |= no_->Show(ask && c_.escalation_allowed());
    relayout |= help_->Show(result && result->offer_escalation && c_.escalation_allowed());
    if (ask && !yes_->HasFocus() && !no_->HasFocus()) yes_->SetFocus();
    if (result && result->offer_escalation && help_->IsShown() && !help_->HasFocus() &&
        FindFocus() == nullptr)
        help_->SetFocus();
    show_output();
    if (relayout) panel_->Layout();
}

void RunWindow::show_output() {
    if (!output_ || !output_->IsShown()) return;
    const auto& rows = c_.run_view().rows();
    int row = steps_->GetSelectedRow();
    if (row < 0) row = c_.run_view().running_row();
    if (row < 0 || row >= static_cast<int>(rows.size())) {
        output_->ChangeValue(_("Choose a step to see what it printed."));
        return;
    }
    const auto& r = rows[static_cast<std::size_t>(row)];
    std::string text = r.output;
    if (r.output_truncated)
        // TRANSLATORS: the first line of a step's output when its beginning was too long to keep.
        text = _("[earlier output left out]").utf8_string() + "\n" + r.output;
    if (text.empty())
        text = r.state == StepState::waiting
                   // TRANSLATORS: the output box of a step that has not started.
                   ? _("(not started)").utf8_string()
                   // TRANSLATORS: the output box of a step that printed nothing.
                   : _("(no output)").utf8_string();
    // The step's own one-line result (English, technical) after what it printed.
    if (!r.message.empty()) text += "\n-- " + r.message;
    // What a step printed is shown, not obeyed: no control character, no bidi override, and
    // bytes that are not UTF-8 escaped (wxString would make the whole text empty).
    text = visible_text(text);
    if (output_->GetValue().utf8_string() != text) {
        output_->ChangeValue(wx(text));
        output_->ShowPosition(output_->GetLastPosition());
    }
}

}  // namespace fixtray::gui
