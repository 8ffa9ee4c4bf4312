#include "outbox_window.h"

#include <wx/button.h>
#include <wx/dataview.h>
#include <wx/panel.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "app/outbox_service.h"
#include "app/policy_summary.h"
#include "app/real_services.h"
#include "icons.h"
#include "question_dialog.h"
#include "texts.h"

namespace fixtray::gui {

namespace {

wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}

wxString state_words(const DeliveryStatus& s) {
    switch (s.state) {
        case DeliveryState::pending:
            // TRANSLATORS: the state of a request in "Requests to IT".
            return _("Waiting to be sent");
        case DeliveryState::delivered:
            // TRANSLATORS: the state of a request in "Requests to IT".
            return _("Delivered");
        case DeliveryState::failed:
            // TRANSLATORS: the state of a request in "Requests to IT".
            return _("Could not be delivered");
    }
    return "?";
}

// The last column: the ticket, when the next try is, or why it failed.
wxString state_detail(const DeliveryStatus& s) {
    switch (s.state) {
        case DeliveryState::pending:
            if (s.attempts == 0) return _("Not tried yet");
            // TRANSLATORS: %s is a local date and time.
            return wxString::Format(_("Next try: %s"), wx(local_time_text(s.next_attempt)));
        case DeliveryState::delivered:
            if (!s.ticket_id.empty()) return wxString::Format(_("Ticket %s"), wx(s.ticket_id));
            if (!s.handed_to.empty())
                // TRANSLATORS: %s says where it was handed ("your mail program").
                return wxString::Format(_("Handed to %s"), wx(s.handed_to));
            return _("Delivered");
        case DeliveryState::failed:
            return wx(s.last_error);
    }
    return {};
}

}  // namespace

OutboxWindow::OutboxWindow(Controller& c)
    : wxFrame(nullptr, wxID_ANY, wxString::Format(_("%s - fixtray"), _("Requests to IT")),
              wxDefaultPosition, wxSize(760, 480)),
      c_(c),
      service_(std::make_unique<OutboxService>(c.services())) {
    SetIcons(app_icons());
    auto* p = new wxPanel(this);
    list_ = new wxDataViewListCtrl(p, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                                   wxDV_SINGLE | wxDV_ROW_LINES);
    // TRANSLATORS: a column of "Requests to IT": when the request was made (local time).
    list_->AppendTextColumn(_("Made"), wxDATAVIEW_CELL_INERT, 130);
    // TRANSLATORS: a column of "Requests to IT": the request's subject.
    list_->AppendTextColumn(_("Subject"), wxDATAVIEW_CELL_INERT, 280);
    // TRANSLATORS: a column of "Requests to IT": waiting, delivered, could not be delivered.
    list_->AppendTextColumn(_("State"), wxDATAVIEW_CELL_INERT, 150);
    // TRANSLATORS: a column of "Requests to IT": the ticket, the next try, or why it failed.
    list_->AppendTextColumn(_("Ticket or reason"), wxDATAVIEW_CELL_INERT, 260);
    // TRANSLATORS: the accessible name of the list of requests to the help desk.
    set_accessible(list_, _("Requests"));
    details_ = new wxTextCtrl(p, wxID_ANY, "", wxDefaultPosition, wxSize(-1, 120),
                              wxTE_MULTILINE | wxTE_READONLY | wxTE_WORDWRAP);
    // TRANSLATORS: the accessible name of the box with the chosen request's history.
    set_accessible(details_, _("The chosen request"));
    status_ = new wxStaticText(p, wxID_ANY, "");
    // TRANSLATORS: the accessible name of the line that says what the last action did.
    set_accessible(status_, _("Requests status"));
    // TRANSLATORS: a button: sends every waiting request now.
    send_ = new wxButton(p, wxID_ANY, _("Send &now"));
    set_accessible(send_, _("Send now"));
    // TRANSLATORS: a button: tries a request that could not be delivered again.
    retry_ = new wxButton(p, wxID_ANY, _("&Retry"));
    set_accessible(retry_, _("Retry"));
    // TRANSLATORS: a button: saves the request and its attachments to the desktop folder.
    save_ = new wxButton(p, wxID_ANY, _("Save a &copy"));
    set_accessible(save_, _("Save a copy"));
    // TRANSLATORS: a button: removes the chosen request from the outbox.
    remove_ = new wxButton(p, wxID_ANY, _("Re&move"));
    set_accessible(remove_, _("Remove"));
    auto* close = new wxButton(p, wxID_ANY, _("C&lose"));
    set_accessible(close, _("Close"));

    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    buttons->Add(send_, 0, wxRIGHT, 8);
    buttons->Add(retry_, 0, wxRIGHT, 8);
    buttons->Add(save_, 0, wxRIGHT, 8);
    buttons->Add(remove_, 0, wxRIGHT, 8);
    buttons->AddStretchSpacer();
    buttons->Add(close, 0);
    auto* s = new wxBoxSizer(wxVERTICAL);
    s->Add(list_, 1, wxEXPAND | wxALL, 8);
    s->Add(details_, 0, wxEXPAND | wxLEFT | wxRIGHT, 8);
    s->Add(status_, 0, wxEXPAND | wxALL, 8);
    s->Add(buttons, 0, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, 8);
    p->SetSizer(s);

    list_->Bind(wxEVT_DATAVIEW_SELECTION_CHANGED, [this](wxDataViewEvent&) { show_selected(); });
    send_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        c_.deliver_outbox_now();
        status_->SetLabel(_("Sending the waiting requests..."));
    });
    retry_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        const std::string id = selected_id();
        if (id.empty()) return;
        if (Status st = service_->retry(id); !st) {
            status_->SetLabel(wxString::Format(_("Not retried: %s"), wx(st.message())));
            return;
        }
        c_.deliver_outbox_now();
        status_->SetLabel(_("Trying again..."));
        outbox_updated();
    });
    save_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        const std::string id = selected_id();
        if (id.empty()) return;
        Result<std::vector<std::string>> files = service_->save_copy(id, "");
        if (!files) {
            status_->SetLabel(wxString::Format(_("Not saved: %s"), wx(files.status().message())));
            return;
        }
        const std::string first = files->empty() ? std::string() : files->front();
        const std::string folder = first.substr(0, first.rfind('/'));
        // TRANSLATORS: %s is the folder the copy was saved in.
        status_->SetLabel(wxString::Format(_("Saved a copy in %s"), wx(folder)));
    });
    remove_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        const std::string id = selected_id();
        if (id.empty()) return;
        CallAfter([this, id] {
            if (!ask_question(this, QuestionKind::warning, _("Remove the request?"),
                              _("Remove this request from the outbox?"),
                              _("A request that was not delivered will not reach IT."),
                              _("Remove it"), _("Keep it")))
                return;
            if (Status st = service_->remove(id); !st) {
                status_->SetLabel(wxString::Format(_("Not removed: %s"), wx(st.message())));
                return;
            }
            status_->SetLabel(_("Removed."));
            c_.request_reload();
            outbox_updated();
        });
    });
    close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
    Bind(wxEVT_CHAR_HOOK, [this](wxKeyEvent& e) {
        if (e.GetKeyCode() == WXK_ESCAPE)
            Close();
        else
            e.Skip();
    });
    c_.add_listener(this);
    outbox_updated();
}

OutboxWindow::~OutboxWindow() {
    c_.remove_listener(this);
    c_.window_closed(this);
}

std::string OutboxWindow::selected_id() const {
    const int row = list_->GetSelectedRow();
    return row >= 0 && static_cast<std::size_t>(row) < ids_.size() ? ids_[row] : std::string();
}

void OutboxWindow::outbox_updated() {
    // Newest first: what the employee just sent is at the top.
    std::vector<OutboxEntry> entries = service_->entries();
    std::vector<std::vector<wxString>> rows;
    std::vector<std::string> ids;
    bool waiting = false;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const OutboxEntry& e = *it;
        rows.push_back({wx(local_time_text(e.status.queued)), wx(e.request.subject),
                        state_words(e.status), state_detail(e.status)});
        ids.push_back(e.request.id);
        waiting = waiting || e.status.state == DeliveryState::pending;
    }
    send_->Enable(waiting);
    // Rebuilt only when something shown changed: the controller tells about every reading of
    // the outbox, and a list rebuilt under the employee (or a screen reader) loses its place.
    if (rows == rows_ && ids == ids_) {
        show_selected();
        return;
    }
    const std::string keep = selected_id();
    list_->DeleteAllItems();
    for (const auto& r : rows) {
        wxVector<wxVariant> row;
        for (const wxString& cell : r) row.push_back(wxVariant(cell));
        list_->AppendItem(row);
    }
    rows_ = std::move(rows);
    ids_ = std::move(ids);
    for (std::size_t i = 0; i < ids_.size(); ++i)
        if (ids_[i] == keep) list_->SelectRow(static_cast<unsigned>(i));
    if (ids_.empty()) status_->SetLabel(_("No requests to IT."));
    show_selected();
}

void OutboxWindow::show_selected() {
    const std::string id = selected_id();
    Result<OutboxEntry> e =
        id.empty() ? Result<OutboxEntry>(Status::error("")) : service_->entry(id);
    retry_->Enable(e && e->status.state == DeliveryState::failed);
    save_->Enable(static_cast<bool>(e));
    remove_->Enable(static_cast<bool>(e));
    if (!e) {
        details_->ChangeValue("");
        return;
    }
    std::string text = e->request.subject + "\n";
    if (!e->status.ticket_url.empty()) text += e->status.ticket_url + "\n";
    if (!e->status.handed_message.empty()) text += e->status.handed_message + "\n";
    for (const std::string& h : e->status.history) text += h + "\n";
    details_->ChangeValue(wx(text));
}

}  // namespace fixtray::gui
