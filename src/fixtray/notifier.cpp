#include "notifier.h"

#include <wx/button.h>
#include <wx/display.h>
#include <wx/frame.h>
#include <wx/notifmsg.h>
#include <wx/panel.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/timer.h>
#include <wx/translation.h>

#include "accessibility.h"
#include "icons.h"

namespace fixtray::gui {

namespace {

wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}

// The fallback: a small window with the notice, near the bottom right of the screen, that
// closes itself after 30 seconds (or with its button, or Esc).
class NoticeWindow final : public wxFrame {
public:
    NoticeWindow(const DesktopNotice& n, std::function<void(const DesktopNotice&)> clicked)
        : wxFrame(nullptr, wxID_ANY, wxString::Format(_("%s - fixtray"), wx(n.title)),
                  wxDefaultPosition, wxDefaultSize,
                  wxCAPTION | wxCLOSE_BOX | wxSTAY_ON_TOP | wxFRAME_TOOL_WINDOW),
          notice_(n),
          clicked_(std::move(clicked)),
          timer_(this) {
        SetIcons(app_icons());
        auto* p = new wxPanel(this);
        // SetLabelText: the texts are shown as they are ("&" is not a mnemonic).
        auto* title = new wxStaticText(p, wxID_ANY, "");
        title->SetLabelText(wx(n.title));
        title->SetFont(title->GetFont().Bold());
        // TRANSLATORS: the accessible name of the title line of a notice window.
        set_accessible(title, _("Notice"));
        std::string body = n.body;
        if (!n.link.empty() && body.find(n.link) == std::string::npos) body += "\n" + n.link;
        auto* text = new wxStaticText(p, wxID_ANY, "");
        text->SetLabelText(wx(body));
        text->Wrap(360);
        // TRANSLATORS: the accessible name of the text of a notice window.
        set_accessible(text, _("Notice text"));
        // TRANSLATORS: a button of a notice window: opens fixtray's window.
        auto* open = new wxButton(p, wxID_ANY, _("&Open fixtray"));
        set_accessible(open, _("Open fixtray"));
        // TRANSLATORS: a button of a notice window: closes it.
        auto* close = new wxButton(p, wxID_ANY, _("&Dismiss"));
        set_accessible(close, _("Dismiss"));
        auto* buttons = new wxBoxSizer(wxHORIZONTAL);
        buttons->Add(open, 0, wxRIGHT, 8);
        buttons->Add(close, 0);
        auto* s = new wxBoxSizer(wxVERTICAL);
        s->Add(title, 0, wxALL, 10);
        s->Add(text, 0, wxLEFT | wxRIGHT | wxBOTTOM, 10);
        s->Add(buttons, 0, wxALIGN_RIGHT | wxALL, 10);
        p->SetSizer(s);
        s->SetSizeHints(this);
        open->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
            if (clicked_) clicked_(notice_);
            Close();
        });
        close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
        Bind(wxEVT_CHAR_HOOK, [this](wxKeyEvent& e) {
            if (e.GetKeyCode() == WXK_ESCAPE)
                Close();
            else
                e.Skip();
        });
        Bind(wxEVT_TIMER, [this](wxTimerEvent&) { Close(); });
        Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) { Destroy(); });
        const wxRect area = wxDisplay(0u).GetClientArea();
        const wxSize size = GetSize();
        Move(area.GetRight() - size.x - 16, area.GetBottom() - size.y - 16);
        timer_.StartOnce(30000);
        ShowWithoutActivating();
    }

private:
    DesktopNotice notice_;
    std::function<void(const DesktopNotice&)> clicked_;
    wxTimer timer_;
};

}  // namespace

Notifier::Notifier(std::function<void(const DesktopNotice&)> clicked)
    : clicked_(std::move(clicked)) {}

Notifier::~Notifier() = default;

void Notifier::show(const DesktopNotice& notice) {
    std::string body = notice.body;
    if (!notice.link.empty() && body.find(notice.link) == std::string::npos)
        body += "\n" + notice.link;
    auto message = std::make_unique<wxNotificationMessage>(wx(notice.title), wx(body));
    message->SetFlags(notice.warning ? wxICON_WARNING : wxICON_INFORMATION);
    message->Bind(wxEVT_NOTIFICATION_MESSAGE_CLICK, [this, notice](wxCommandEvent&) {
        if (clicked_) clicked_(notice);
    });
    // Show() is false when no notification server answers on the session bus.
    if (message->Show(wxNotificationMessage::Timeout_Auto)) {
        shown_.push_back(std::move(message));
        while (shown_.size() > 8) shown_.pop_front();
        return;
    }
    new NoticeWindow(notice, clicked_);  // deletes itself when closed
}

}  // namespace fixtray::gui
