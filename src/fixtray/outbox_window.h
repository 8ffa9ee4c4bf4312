// "Requests to IT": the employee's outbox. Every request with its state: waiting (and when it
// is tried next), delivered (the ticket's number or link), could not be delivered (why). Send
// now (every waiting request), Retry (a failed one), Save a copy (to the desktop folder, to
// send another way) and Remove (asked first). Delivery runs on the controller's delivery
// thread; retry, save and remove are quick file operations of the app layer's OutboxService.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <wx/frame.h>

#include "controller.h"

class wxButton;
class wxDataViewListCtrl;
class wxStaticText;
class wxTextCtrl;

namespace fixtray {
class OutboxService;
}

namespace fixtray::gui {

class OutboxWindow final : public wxFrame, public ControllerListener {
public:
    explicit OutboxWindow(Controller& c);
    ~OutboxWindow() override;
    void outbox_updated() override;
    void machine_updated() override { outbox_updated(); }

private:
    void show_selected();
    std::string selected_id() const;

    Controller& c_;
    std::unique_ptr<OutboxService> service_;
    std::vector<std::string> ids_;
    std::vector<std::vector<wxString>> rows_;  // what the list shows
    wxDataViewListCtrl* list_ = nullptr;
    wxTextCtrl* details_ = nullptr;
    wxStaticText* status_ = nullptr;
    wxButton* send_ = nullptr;
    wxButton* retry_ = nullptr;
    wxButton* save_ = nullptr;
    wxButton* remove_ = nullptr;
};

}  // namespace fixtray::gui
