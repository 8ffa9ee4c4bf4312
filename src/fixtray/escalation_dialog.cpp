#include "escalation_dialog.h"

#include <gtk/gtk.h>

#include <memory>
#include <thread>

#include <wx/app.h>
#include <wx/button.h>
#include <wx/dataview.h>
#include <wx/dialog.h>
#include <wx/gauge.h>
#include <wx/hyperlink.h>
#include <wx/msgdlg.h>
#include <wx/panel.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "accessibility.h"
#include "app/escalation_session.h"
#include "app/escalation_view.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "controller.h"
#include "icons.h"
#include "show_soon.h"

namespace fixtray::gui {

namespace {

wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}

class EscalationDialog final : public wxDialog {
public:
    EscalationDialog(Controller& c, std::optional<RunRecord> run, wxWindow* parent, bool automatic);
    ~EscalationDialog() override;
    // Shown on the next turn of the event loop; collecting starts once it is (its processes
    // would compete with building and showing the window for the CPU).
    void present() {
        show_soon_.start([this] { collect(); });
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
                d->status_->SetLabel(wxString::Format("Collecting diagnostics: %zu of %zu (%s)",
                                                      d->done_, d->total_, wx(title)));
            });
        }
    };

    void collect();
    void start_session();
    std::string intro_text(const EscalationGate* gate) const;
    void prepared(EscalationError err);
    void fill_items();
    void send();
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
    : wxDialog(parent, wxID_ANY, "Get help from IT - fixtray", wxDefaultPosition, wxSize(720, 780),
               wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
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
    auto* subject_label = new wxStaticText(p, wxID_ANY, "&Subject:");
    subject_ = new wxTextCtrl(p, wxID_ANY);
    set_accessible(subject_, "Subject");
    auto* description_label = new wxStaticText(p, wxID_ANY, "&What was tried:");
    description_ =
        new wxTextCtrl(p, wxID_ANY, "", wxDefaultPosition, wxSize(-1, 110), wxTE_MULTILINE);
    set_accessible(description_, "Description");
    auto* comment_label =
        new wxStaticText(p, wxID_ANY, "Your &comment (what happened, what you need):");
    comment_ = new wxTextCtrl(p, wxID_ANY, "", wxDefaultPosition, wxSize(-1, 70), wxTE_MULTILINE);
    set_accessible(comment_, "Your comment");
    auto* email_label = new wxStaticText(p, wxID_ANY, "Your &e-mail for the answer:");
    email_ = new wxTextCtrl(p, wxID_ANY);
    set_accessible(email_, "Your e-mail address");
    auto* items_label = new wxStaticText(p, wxID_ANY, "Attached &diagnostics:");
    items_ = new wxDataViewListCtrl(p, wxID_ANY, wxDefaultPosition, wxSize(-1, 170),
                                    wxDV_SINGLE | wxDV_ROW_LINES);
    items_->AppendTextColumn("Item", wxDATAVIEW_CELL_INERT, 420);
    items_->AppendTextColumn("Size", wxDATAVIEW_CELL_INERT, 100);
    set_accessible(items_, "Attached diagnostics");
    view_ = new wxButton(p, wxID_ANY, "&View...");
    set_accessible(view_, "View the item");
    remove_ = new wxButton(p, wxID_ANY, "&Remove");
    set_accessible(remove_, "Remove the item");
    masked_ = new wxStaticText(p, wxID_ANY, "");
    set_accessible(masked_, "What was masked");
    gauge_ = new wxGauge(p, wxID_ANY, 1);
    set_accessible(gauge_, "Collecting diagnostics");
    status_ = new wxStaticText(p, wxID_ANY, "");
    set_accessible(status_, "Request status");
    link_ = new wxHyperlinkCtrl(p, wxID_ANY, "Open the ticket", "https://invalid.example");
    link_->Hide();
    send_ = new wxButton(p, wxID_OK, "&Send");
    set_accessible(send_, "Send");
    close_ = new wxButton(p, wxID_CANCEL, "&Cancel");
    set_accessible(close_, "Cancel");

    for (wxWindow* w : {static_cast<wxWindow*>(subject_), static_cast<wxWindow*>(description_),
                        static_cast<wxWindow*>(items_), static_cast<wxWindow*>(view_),
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
    s->Add(items_label, 0, wxLEFT | wxRIGHT, 10);
    s->Add(items_row, 2, wxEXPAND | wxALL, 10);
    s->Add(masked_, 0, wxEXPAND | wxLEFT | wxRIGHT, 10);
    s->Add(gauge_, 0, wxEXPAND | wxALL, 10);
    s->Add(status_, 0, wxEXPAND | wxLEFT | wxRIGHT, 10);
    s->Add(buttons, 0, wxEXPAND | wxALL, 10);
    p->SetSizer(s);

    view_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        const std::string file = selected_file();
        std::string text;
        if (file.empty() || busy_) return;
        if (auto err = session_->item_text(file, &text)) {
            wxMessageBox(wx(err.message), "fixtray", wxOK | wxICON_WARNING, this);
            return;
        }
        wxDialog view(this, wxID_ANY, wx(file) + " - as it will be sent", wxDefaultPosition,
                      wxSize(700, 500), wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER);
        auto* t = new wxTextCtrl(&view, wxID_ANY, wx(text), wxDefaultPosition, wxDefaultSize,
                                 wxTE_MULTILINE | wxTE_READONLY | wxTE_DONTWRAP);
        set_accessible(t, "Item text");
        auto* vs = new wxBoxSizer(wxVERTICAL);
        vs->Add(t, 1, wxEXPAND | wxALL, 8);
        vs->Add(view.CreateStdDialogButtonSizer(wxCLOSE), 0, wxEXPAND | wxALL, 8);
        view.SetSizer(vs);
        view.SetEscapeId(wxID_CLOSE);
        view.FindWindow(wxID_CLOSE)->Bind(wxEVT_BUTTON, [&view](wxCommandEvent&) {
            view.EndModal(wxID_CLOSE);
        });
        view.ShowModal();
    });
    remove_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        const std::string file = selected_file();
        if (file.empty() || busy_) return;
        if (auto err = session_->remove_item(file)) {
            wxMessageBox(wx(err.message), "fixtray", wxOK | wxICON_WARNING, this);
            return;
        }
        fill_items();
    });
    items_->Bind(wxEVT_DATAVIEW_SELECTION_CHANGED, [this](wxDataViewEvent&) {
        const std::string file = selected_file();
        bool removable = false;
        for (const BundleItem& i : session_->items())
            if (i.file == file) removable = i.removable;
        remove_->Enable(!busy_ && !done_sending_ && removable);
        view_->Enable(!busy_ && !file.empty());
    });
    send_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { send(); });
    close_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
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

    intro_->SetLabel(wx(intro_text(nullptr)));
    intro_->Wrap(680);
    status_->SetLabel("Collecting diagnostics...");
}

std::string EscalationDialog::intro_text(const EscalationGate* gate) const {
    std::string intro =
        "Your help desk gets a request with what was tried and a diagnostics bundle of this "
        "computer. Nothing is sent before you press Send.";
    if (automatic_)
        intro =
            "Your help desk's settings send a request automatically when a fix does not "
            "work. Here is what is sent.";
    if (!gate) return intro;
    if (gate->backend_configured && gate->backend_problem.empty())
        intro += "\nIt goes to: " + gate->destination + ".";
    else if (!gate->destination.empty())
        intro += "\nNo ticket system is set up here: a copy is saved in " + gate->destination +
                 " for you to send to your help desk.";
    if (!gate->backend_problem.empty()) intro += "\n" + gate->backend_problem;
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
    std::string intro = intro_text(&session->gate());
    session_ = std::move(session);  // the UI thread reads it once prepared() runs
    wxTheApp->CallAfter([this, alive = alive_, intro, problem] {
        if (!*alive) return;
        intro_->SetLabel(wx(intro));
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
        status_->SetLabel(wx("The request could not be prepared: " + err.message));
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
    std::string text = "Ready. Look through it, then press Send.";
    if (!session_->warnings().empty())
        text += " (" + std::to_string(session_->warnings().size()) +
                " items could not be collected; the bundle says which.)";
    status_->SetLabel(wx(text));
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
    masked_->SetLabel(wx(masked_sentence(session_->manifest()) +
                         " Attachment size: " + human_size(session_->bundle_size()) + "."));
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
        wxMessageBox(wx(e.err.message), "fixtray", wxOK | wxICON_WARNING, this);
        e.field->SetFocus();
        return;
    }
    // What was masked in the comment is shown before anything is sent.
    if (session_->comment_masked() > 0 &&
        comment_->GetValue().utf8_string() != session_->request().comment) {
        comment_->ChangeValue(wx(session_->request().comment));
        wxMessageBox(wx("Something in your comment looked like a password or key, so it was "
                        "replaced with ***. Check your comment, then press Send again."),
                     "fixtray", wxOK | wxICON_INFORMATION, this);
        comment_->SetFocus();
        return;
    }
    for (wxWindow* w : {static_cast<wxWindow*>(subject_), static_cast<wxWindow*>(description_),
                        static_cast<wxWindow*>(comment_), static_cast<wxWindow*>(email_),
                        static_cast<wxWindow*>(remove_), static_cast<wxWindow*>(send_)})
        w->Enable(false);
    status_->SetLabel("Sending...");
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
        status_->SetLabel(wx("Not sent: " + err.message));
        send_->Enable(true);
        return;
    }
    done_sending_ = true;
    const DeliverySentence s = delivery_sentence(delivery);
    status_->SetLabel(wx(s.text));
    status_->Wrap(680);
    if (s.kind == DeliverySentence::Kind::delivered && !s.ticket_url.empty()) {
        link_->SetURL(wx(s.ticket_url));
        link_->SetLabel(wx("Open ticket " + s.ticket_id));
        set_accessible(link_, wx("Open ticket " + s.ticket_id));
        link_->Show();
    }
    send_->Hide();
    close_->SetLabel("&Close");
    set_accessible(close_, "Close");
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
