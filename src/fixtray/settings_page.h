// The main window's "Settings" page: the employee's own choices (language, notifications, start
// at login), saved as soon as they change, and a read-only part with what the organisation
// decided (app/policy_summary.h).
#pragma once

#include <wx/panel.h>

#include "app/autostart.h"
#include "app/user_settings.h"

class wxCheckBox;
class wxChoice;
class wxDataViewListCtrl;
class wxStaticText;

namespace fixtray::gui {

class Controller;

class SettingsPage final : public wxPanel {
public:
    SettingsPage(wxWindow* parent, Controller& c);
    // The organisation's part again (a new catalog, config or feed state).
    void machine_updated();

private:
    void save();

    Controller& c_;
    std::string settings_file_;
    AutostartPaths autostart_;
    UserSettings settings_;
    wxChoice* language_ = nullptr;
    wxCheckBox* notifications_ = nullptr;
    wxCheckBox* autostart_box_ = nullptr;
    wxStaticText* status_ = nullptr;
    wxDataViewListCtrl* policy_ = nullptr;
};

}  // namespace fixtray::gui
