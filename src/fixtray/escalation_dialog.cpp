#include "escalation_dialog.h"

#include <gtk/gtk.h>

#include <functional>
#include <memory>
#include <thread>

#include <wx/app.h>
#include <wx/button.h>
#include <wx/dataview.h>
#include <wx/dialog.h>
#include <wx/gauge.h>
#include <wx/hyperlink.h>
#include <wx/panel.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "app/escalation_session.h"
#include "app/escalation_view.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "controller.h"
#include "icons.h"
#include "question_dialog.h"
#include "show_soon.h"
#include "texts.h"

namespace fixtray::gui {

namespace {

wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}

class EscalationDialog final : public wxDialog {
public:
    EscalationDialog(Controller& c, std::optional<RunRecord> run, wxWindow* parent, bool automatic);
    ~EscalationDialog() override;
    // Built in two turns of the event loop (the text fields in the constructor, the rest in
    // build_bottom()) and shown in a third, each well under the 50 ms the UI thread may be
    // busy; collecting starts once it is shown (its processes would compete for the CPU).
    void present() {
        show_soon_.start([this] { collect(); }, {[this] { build_bottom(); }});
    }

private:
    // Progress of prepare(), posted to the UI thread.
    struct Progress final : EscalationObserver {
        EscalationDialog* d;
        std::shared_ptr<bool> alive;
        void collecting(std::size_t total) override {
            wxTheApp->CallAfter([d = d, alive = alive, total] {
                if (!*alive) return;
                d->total_ = total;
                d->gauge_->SetRange(static_cast<int>(std::max<std::size_t>(total, 1)));
            });
        }
        void item_finished(std::size_t, const std::string& title,
                           const DiagnosticResult&) override {
            wxTheApp->CallAfter([d = d, alive = alive, title] {
                if (!*alive) return;
                ++d->done_;
                d->gauge_->SetValue(static_cast<int>(d->done_));
                // TRANSLATORS: the escalation dialog's status while it collects: items done,
                // items in all, the title of the item that just finished.
                d->status_->SetLabel(wxString::Format(_("Collecting diagnostics: %zu of %zu (%s)"),
                                                      d->done_, d->total_, wx(title)));
            });
        }
    };

    void build_bottom();
    void collect();
    void start_session();
    // Texts are made on the UI thread only (wx's translation lookup is not thread-safe).
    wxString intro_text(const EscalationGate* gate) const;
    void prepared(EscalationError err);
    void fill_items();
    void send();
    // `f` on the next turn of the event loop while the dialog lives: a button whose handler
    // may open a modal window (View, Remove, Send) must return first, since the click may be a
    // screen reader's action call waiting for it (seen: pressed through AT-SPI, such a window
    // never reached the accessibility tree).
    void after_click(std::function<void()> f) {
        wxTheApp->CallAfter([alive = alive_, f = std::move(f)] {
            if (*alive) f();
        });
    }
    void sent(EscalationError err, EscalationDelivery delivery);
    void run_worker(std::function<void()> work);
    void finish_close();
    std::string selected_file() const;

    Controller& c_;
    wxPanel* panel_ = nullptr;
    std::shared_ptr<const MachineSnapshot> snapshot_;  // the catalog the session points into
    bool automatic_;
    RealServices services_;
    std::optional<RunRecord> run_;                // what the request is about, if a run
    std::unique_ptr<EscalationSession> session_;  // made on the worker (start_session)
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    CancelToken cancel_;
    std::thread worker_;
    bool busy_ = false, closing_ = false, done_sending_ = false;
    std::size_t total_ = 0, done_ = 0;
    Progress progress_;

    wxStaticText* intro_ = nullptr;
    wxTextCtrl* subject_ = nullptr;
    wxTextCtrl* description_ = nullptr;
    wxTextCtrl* comment_ = nullptr;
    wxTextCtrl* email_ = nullptr;
    wxDataViewListCtrl* items_ = nullptr;
    wxButton* view_ = nullptr;
    wxButton* remove_ = nullptr;
    wxStaticText* masked_ = nullptr;
    wxGauge* gauge_ = nullptr;
    wxStaticText* status_ = nullptr;
    wxHyperlinkCtrl* link_ = nullptr;
    wxButton* send_ = nullptr;
    wxButton* close_ = nullptr;
    ShowSoon show_soon_{this};
};

EscalationDialog::EscalationDialog(Controller& c, std::optional<RunRecord> run, wxWindow* parent,
                                   bool automatic)
    // TRANSLATORS: the escalation dialog's title (with " - fixtray"): it sends a request to the
    // help desk.
    : wxDialog(parent, wxID_ANY, window_title(_("Get help from IT")), wxDefaultPosition,
               wxSize(720, 780), wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      c_(c),
      snapshot_(c.snapshot_ptr()),
      automatic_(automatic),
      services_(RealServices::for_user()),
      run_(std::move(run)) {
    SetIcons(app_icons());
    // A modeless wxDialog is a plain GtkWindow: say it is a dialog to screen readers.
    atk_object_set_role(gtk_widget_get_accessible(GetHandle()), ATK_ROLE_DIALOG);
    progress_.d = this;
    progress_.alive = alive_;

    auto* p = new wxPanel(this);
    panel_ = p;
    intro_ = new wxStaticText(p, wxID_ANY, "");
    // TRANSLATORS: the label of the request's subject field.
    auto* subject_label = new wxStaticText(p, wxID_ANY, _("&Subject:"));
    subject_ = new wxTextCtrl(p, wxID_ANY);
    // TRANSLATORS: the accessible name of the request's subject field.
    set_accessible(subject_, _("Subject"));
    // TRANSLATORS: the label of the request's description: what the fixes did.
    auto* description_label = new wxStaticText(p, wxID_ANY, _("&What was tried:"));
    description_ =
        new wxTextCtrl(p, wxID_ANY, "", wxDefaultPosition, wxSize(-1, 110), wxTE_MULTILINE);
    // TRANSLATORS: the accessible name of the request's description field ("&What was tried:").
    set_accessible(description_, _("Description"));
    auto* comment_label =
        new wxStaticText(p, wxID_ANY, _("Your &comment (what happened, what you need):"));
    comment_ = new wxTextCtrl(p, wxID_ANY, "", wxDefaultPosition, wxSize(-1, 70), wxTE_MULTILINE);
    // TRANSLATORS: the accessible name of the employee's comment field.
    set_accessible(comment_, _("Your comment"));
    // TRANSLATORS: the label of the field for the employee's e-mail address.
    auto* email_label = new wxStaticText(p, wxID_ANY, _("Your &e-mail for the answer:"));
    email_ = new wxTextCtrl(p, wxID_ANY);
    // TRANSLATORS: the accessible name of the field for the employee's e-mail address.
    set_accessible(email_, _("Your e-mail address"));
    auto* s = new wxBoxSizer(wxVERTICAL);
    s->Add(intro_, 0, wxEXPAND | wxALL, 10);
    s->Add(subject_label, 0, wxLEFT | wxRIGHT, 10);
    s->Add(subject_, 0, wxEXPAND | wxALL, 10);
    s->Add(description_label, 0, wxLEFT | wxRIGHT, 10);
    s->Add(description_, 1, wxEXPAND | wxALL, 10);
    s->Add(comment_label, 0, wxLEFT | wxRIGHT, 10);
    s->Add(comment_, 0, wxEXPAND | wxALL, 10);
    s->Add(email_label, 0, wxLEFT | wxRIGHT, 10);
    s->Add(email_, 0, wxEXPAND | wxALL, 10);
    p->SetSizer(s);
    subject_->Enable(false);
    description_->Enable(false);
    intro_->SetLabel(intro_text(nullptr));
    intro_->Wrap(680);
    Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) {
        if (busy_) {
            // Collecting or sending: stop it, and go once the worker has let go.
            cancel_.cancel();
            closing_ = true;
            Hide();
            return;
        }
        finish_close();
    });
}

// The second part of the window (see present()).
void EscalationDialog::build_bottom() {
    wxPanel* p = panel_;
    // TRANSLATORS: the label of the list of diagnostics items sent with the request.
    auto* items_label = new wxStaticText(p, wxID_ANY, _("Attached &diagnostics:"));
    items_ = new wxDataViewListCtrl(p, wxID_ANY, wxDefaultPosition, wxSize(-1, 170),
                                    wxDV_SINGLE | wxDV_ROW_LINES);
    // TRANSLATORS: a column of the list of attached diagnostics: the item's title.
    items_->AppendTextColumn(_("Item"), wxDATAVIEW_CELL_INERT, 420);
    // TRANSLATORS: a column of the list of attached diagnostics: the item's size ("4.2 KB").
    items_->AppendTextColumn(_("Size"), wxDATAVIEW_CELL_INERT, 100);
    // TRANSLATORS: the accessible name of the list of diagnostics items sent with the request.
    set_accessible(items_, _("Attached diagnostics"));
    // TRANSLATORS: a button: shows the chosen diagnostics item as it will be sent.
    view_ = new wxButton(p, wxID_ANY, _("&View..."));
    // TRANSLATORS: the accessible name of the button "&View...".
    set_accessible(view_, _("View the item"));
    // TRANSLATORS: a button: leaves the chosen diagnostics item out of the request.
    remove_ = new wxButton(p, wxID_ANY, _("&Remove"));
    // TRANSLATORS: the accessible name of the button "&Remove".
    set_accessible(remove_, _("Remove the item"));
    masked_ = new wxStaticText(p, wxID_ANY, "");
    // TRANSLATORS: the accessible name of the sentence that says which secrets were masked.
    set_accessible(masked_, _("What was masked"));
    gauge_ = new wxGauge(p, wxID_ANY, 1);
    // TRANSLATORS: the accessible name of the escalation dialog's progress bar.
    set_accessible(gauge_, _("Collecting diagnostics"));
    status_ = new wxStaticText(p, wxID_ANY, "");
    // TRANSLATORS: the accessible name of the escalation dialog's status line.
    set_accessible(status_, _("Request status"));
    // TRANSLATORS: a link to the ticket the request became (its label once sent names it).
    link_ = new wxHyperlinkCtrl(p, wxID_ANY, _("Open the ticket"), "https://invalid.example");
    link_->Hide();
    // TRANSLATORS: a button: sends the request to the help desk (a verb).
    send_ = new wxButton(p, wxID_OK, _("&Send"));
    // TRANSLATORS: the accessible name of the button "&Send" (a verb).
    set_accessible(send_, _("Send"));
    // TRANSLATORS: a button: closes the escalation dialog without sending anything.
    // wxID_ANY, not wxID_CANCEL: with a stock id and its stock label ("&Cancel", translated
    // alike) wxGTK shows GTK's own button, labelled in the process's locale instead of the
    // language fixtray speaks. Esc presses it (SetEscapeId below).
    close_ = new wxButton(p, wxID_ANY, _("&Cancel"));
    SetEscapeId(close_->GetId());
    // TRANSLATORS: the accessible name of the escalation dialog's "&Cancel" button.
    set_accessible(close_, _("Cancel"));

    for (wxWindow* w : {static_cast<wxWindow*>(items_), static_cast<wxWindow*>(view_),
                        static_cast<wxWindow*>(remove_), static_cast<wxWindow*>(send_)})
        w->Enable(false);

    auto* item_buttons = new wxBoxSizer(wxVERTICAL);
    item_buttons->Add(view_, 0, wxEXPAND | wxBOTTOM, 4);
    item_buttons->Add(remove_, 0, wxEXPAND);
    auto* items_row = new wxBoxSizer(wxHORIZONTAL);
    items_row->Add(items_, 1, wxEXPAND | wxRIGHT, 8);
    items_row->Add(item_buttons, 0);
    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    buttons->Add(link_, 0, wxALIGN_CENTER_VERTICAL);
    buttons->AddStretchSpacer();
    buttons->Add(close_, 0, wxRIGHT, 8);
    buttons->Add(send_, 0);
    wxSizer* s = p->GetSizer();  // the fields' (constructor)
    s->Add(items_label, 0, wxLEFT | wxRIGHT, 10);
    s->Add(items_row, 2, wxEXPAND | wxALL, 10);
    s->Add(masked_, 0, wxEXPAND | wxLEFT | wxRIGHT, 10);
    s->Add(gauge_, 0, wxEXPAND | wxALL, 10);
    s->Add(status_, 0, wxEXPAND | wxLEFT | wxRIGHT, 10);
    s->Add(buttons, 0, wxEXPAND | wxALL, 10);

    // The item's window is modal: it opens after the click (after_click).
    view_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        after_click([this] {
            const std::string file = selected_file();
            std::string text;
            if (file.empty() || busy_) return;
            if (auto err = session_->item_text(file, &text)) {
                tell(this, wx(err.message), "fixtray", wxICON_WARNING);
                return;
            }
            // TRANSLATORS: the title of the window that shows a diagnostics item; %s is its file
            // name.
            wxDialog view(this, wxID_ANY, wxString::Format(_("%s - as it will be sent"), wx(file)),
                          wxDefaultPosition, wxSize(700, 500),
                          wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER);
            auto* t = new wxTextCtrl(&view, wxID_ANY, wx(text), wxDefaultPosition, wxDefaultSize,
                                     wxTE_MULTILINE | wxTE_READONLY | wxTE_DONTWRAP);
            // TRANSLATORS: the accessible name of the text of a diagnostics item as it will be
            // sent.
            set_accessible(t, _("Item text"));
            // Our own label, not the stock button's (GTK's follows the process's locale).
            // TRANSLATORS: a button: closes the window that shows a diagnostics item.
            auto* close = new wxButton(&view, wxID_ANY, _("&Close"));
            set_accessible(close, _("Close"));
            auto* vs = new wxBoxSizer(wxVERTICAL);
            vs->Add(t, 1, wxEXPAND | wxALL, 8);
            vs->Add(close, 0, wxALIGN_RIGHT | wxLEFT | wxRIGHT | wxBOTTOM, 8);
            view.SetSizer(vs);
            view.SetEscapeId(close->GetId());
            view.SetAffirmativeId(close->GetId());
            close->Bind(wxEVT_BUTTON, [&view](wxCommandEvent&) { view.EndModal(wxID_CLOSE); });
            view.ShowModal();
        });
    });
    remove_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        after_click([this] {
            const std::string file = selected_file();
            if (file.empty() || busy_) return;
            if (auto err = session_->remove_item(file)) {
                tell(this, wx(err.message), "fixtray", wxICON_WARNING);
                return;
            }
            fill_items();
        });
    });
    items_->Bind(wxEVT_DATAVIEW_SELECTION_CHANGED, [this](wxDataViewEvent&) {
        const std::string file = selected_file();
        bool removable = false;
        for (const BundleItem& i : session_->items())
            if (i.file == file) removable = i.removable;
        remove_->Enable(!busy_ && !done_sending_ && removable);
        view_->Enable(!busy_ && !file.empty());
    });
    // Sending may say something first (a refused field, a masked comment) in a modal window.
    send_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { after_click([this] { send(); }); });
    close_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
    // TRANSLATORS: the escalation dialog's status while it collects, before the first item.
    status_->SetLabel(_("Collecting diagnostics..."));
}

wxString EscalationDialog::intro_text(const EscalationGate* gate) const {
    wxString intro =
        automatic_ ? _("Your help desk's settings send a request automatically when a fix does not "
                       "work. Here is what is sent.")
                   // TRANSLATORS: "Send" is the button "&Send" of this dialog.
                   : _("Your help desk gets a request with what was tried and a diagnostics bundle "
                       "of this computer. Nothing is sent before you press Send.");
    if (!gate) return intro;
    if (gate->backend_configured && gate->backend_problem.empty())
        // TRANSLATORS: where the request goes: %s describes the help desk's system ("Request
        // Tracker at https://...").
        intro += "\n" + wxString::Format(_("It goes to: %s."), wx(gate->destination));
    else if (!gate->destination.empty())
        // TRANSLATORS: %s is a folder.
        intro += "\n" + wxString::Format(_("No ticket system is set up here: a copy is saved "
                                           "in %s for you to send to your help desk."),
                                         wx(gate->destination));
    if (!gate->backend_problem.empty()) intro += "\n" + wx(gate->backend_problem);
    return intro;
}

// On the worker: setting up the ticket backend may load libcurl (lazy_libcurl.cpp), tens of
// milliseconds the UI thread does not wait for.
void EscalationDialog::start_session() {
    EscalationSetup setup;
    setup.config = snapshot_->escalation;
    setup.site = snapshot_->catalog->config().site;
    setup.env = services_.env();
    setup.state_dir = services_.state_dir();
    setup.lang = c_.lang();
    auto session = std::make_unique<EscalationSession>(std::move(setup), services_.runner(),
                                                       services_.http(), services_.clock());
    std::string problem;
    if (run_) {
        if (auto err = session->about_run(snapshot_->catalog->catalog(), *run_))
            problem = err.message;
    }
    EscalationGate gate = session->gate();  // its text is made on the UI thread
    session_ = std::move(session);          // the UI thread reads it once prepared() runs
    wxTheApp->CallAfter([this, alive = alive_, gate = std::move(gate), problem] {
        if (!*alive) return;
        intro_->SetLabel(intro_text(&gate));
        intro_->Wrap(680);
        if (!problem.empty()) status_->SetLabel(wx(problem));
        panel_->Layout();
    });
}

EscalationDialog::~EscalationDialog() {
    *alive_ = false;
    cancel_.cancel();
    if (worker_.joinable()) worker_.join();
    c_.window_closed(this);
}

void EscalationDialog::run_worker(std::function<void()> work) {
    if (worker_.joinable()) worker_.join();
    busy_ = true;
    worker_ = std::thread(std::move(work));
}

void EscalationDialog::collect() {
    run_worker([this] {
        if (!session_) start_session();
        const EscalationError err = session_->prepare(cancel_, &progress_);
        wxTheApp->CallAfter([this, alive = alive_, err] {
            if (*alive) prepared(err);
        });
    });
}

void EscalationDialog::prepared(EscalationError err) {
    busy_ = false;
    if (closing_) {
        finish_close();
        return;
    }
    if (err) {
        // TRANSLATORS: %s is the reason (from the core, in the user's language where it has
        // one).
        const wxString failed = _("The request could not be prepared: %s");
        status_->SetLabel(wxString::Format(failed, wx(err.message)));
        return;
    }
    const SupportRequest& r = session_->request();
    subject_->ChangeValue(wx(r.subject));
    description_->ChangeValue(wx(r.description));
    email_->ChangeValue(wx(r.contact.email));
    for (wxWindow* w : {static_cast<wxWindow*>(subject_), static_cast<wxWindow*>(description_),
                        static_cast<wxWindow*>(items_), static_cast<wxWindow*>(send_)})
        w->Enable(true);
    gauge_->SetValue(gauge_->GetRange());
    fill_items();
    // TRANSLATORS: the escalation dialog's status once collected; "Send" is its button
    // "&Send".
    wxString text = _("Ready. Look through it, then press Send.");
    if (const int missing = static_cast<int>(session_->warnings().size()); missing > 0)
        // TRANSLATORS: after "Ready. Look through it, then press Send.": diagnostics items
        // that could not be collected (the bundle's manifest names them).
        text += " " + wxString::Format(wxPLURAL("(%d item could not be collected; the bundle "
                                                "says which.)",
                                                "(%d items could not be collected; the bundle "
                                                "says which.)",
                                                static_cast<unsigned>(missing)),
                                       missing);
    status_->SetLabel(text);
    if (automatic_) {
        send();
    } else {
        comment_->SetFocus();
    }
}

void EscalationDialog::fill_items() {
    items_->DeleteAllItems();
    for (const BundleItem& i : session_->items()) {
        wxVector<wxVariant> row;
        row.push_back(wxVariant(wx(i.title)));
        row.push_back(wxVariant(wx(human_size(i.size))));
        items_->AppendItem(row);
    }
    // TRANSLATORS: after the sentence that says what was masked: the size of the
    // diagnostics bundle ("1.3 MB").
    const wxString size = _("Attachment size: %s.");
    masked_->SetLabel(wx(masked_sentence(session_->manifest())) + " " +
                      wxString::Format(size, wx(human_size(session_->bundle_size()))));
    masked_->Wrap(680);
    remove_->Enable(false);
    view_->Enable(false);
    panel_->Layout();
}

std::string EscalationDialog::selected_file() const {
    const int row = items_->GetSelectedRow();
    if (row < 0 || row >= static_cast<int>(session_->items().size())) return {};
    return session_->items()[static_cast<std::size_t>(row)].file;
}

void EscalationDialog::send() {
    if (busy_ || !session_ || !session_->prepared()) return;
    // The employee's edits; a refusal names the field.
    struct Edit {
        wxTextCtrl* field;
        EscalationError err;
    } edits[] = {
        {subject_, session_->set_subject(subject_->GetValue().utf8_string())},
        {description_, session_->set_description(description_->GetValue().utf8_string())},
        {comment_, session_->set_comment(comment_->GetValue().utf8_string())},
        {email_, session_->set_email(email_->GetValue().Trim().Trim(false).utf8_string())},
    };
    for (const Edit& e : edits) {
        if (!e.err) continue;
        tell(this, wx(e.err.message), "fixtray", wxICON_WARNING);
        e.field->SetFocus();
        return;
    }
    // What was masked in the comment is shown before anything is sent.
    if (session_->comment_masked() > 0 &&
        comment_->GetValue().utf8_string() != session_->request().comment) {
        comment_->ChangeValue(wx(session_->request().comment));
        const wxString masked =
            // TRANSLATORS: "Send" is the button "&Send" of the escalation dialog.
            _("Something in your comment looked like a password or key, so it was replaced with "
              "***. Check your comment, then press Send again.");
        tell(this, masked, "fixtray", wxICON_INFORMATION);
        comment_->SetFocus();
        return;
    }
    for (wxWindow* w : {static_cast<wxWindow*>(subject_), static_cast<wxWindow*>(description_),
                        static_cast<wxWindow*>(comment_), static_cast<wxWindow*>(email_),
                        static_cast<wxWindow*>(remove_), static_cast<wxWindow*>(send_)})
        w->Enable(false);
    // TRANSLATORS: the escalation dialog's status while the request is sent.
    status_->SetLabel(_("Sending..."));
    gauge_->Pulse();
    run_worker([this] {
        EscalationError err = session_->queue();
        EscalationDelivery delivery;
        if (!err) delivery = session_->deliver(cancel_);
        wxTheApp->CallAfter([this, alive = alive_, err, delivery] {
            if (*alive) sent(err, delivery);
        });
    });
}

void EscalationDialog::sent(EscalationError err, EscalationDelivery delivery) {
    busy_ = false;
    if (closing_) {
        finish_close();
        return;
    }
    gauge_->SetValue(gauge_->GetRange());
    if (err) {
        // TRANSLATORS: %s is the reason.
        status_->SetLabel(wxString::Format(_("Not sent: %s"), wx(err.message)));
        send_->Enable(true);
        return;
    }
    done_sending_ = true;
    const DeliverySentence s = delivery_sentence(delivery);
    status_->SetLabel(wx(s.text));
    status_->Wrap(680);
    if (s.kind == DeliverySentence::Kind::delivered && !s.ticket_url.empty()) {
        link_->SetURL(wx(s.ticket_url));
        // TRANSLATORS: a link to the help desk's ticket; %s is its number.
        const wxString open = wxString::Format(_("Open ticket %s"), wx(s.ticket_id));
        link_->SetLabel(open);
        set_accessible(link_, open);
        link_->Show();
    }
    send_->Hide();
    // TRANSLATORS: the escalation dialog's last button once the request is sent.
    close_->SetLabel(_("&Close"));
    set_accessible(close_, _("Close"));
    close_->SetFocus();
    c_.deliver_outbox_now();  // the tray's count follows at once
    panel_->Layout();
}

void EscalationDialog::finish_close() {
    if (session_ && !session_->queued()) session_->discard();
    Destroy();
}

}  // namespace

wxWindow* open_escalation_dialog(Controller& c, std::optional<RunRecord> run, wxWindow* parent,
                                 bool automatic) {
    auto* d = new EscalationDialog(c, std::move(run), parent, automatic);
    d->present();
    return d;
}

}  // namespace fixtray::gui
