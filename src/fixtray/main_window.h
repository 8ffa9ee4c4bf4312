// The main window: search over the fixes that apply here, grouped by category; the chosen
// fix's description and "What will this do?"; one button to run it. A second page lists the
// recent runs from the audit log, with their steps and "Get help with this".
#pragma once

#include <map>
#include <string>
#include <vector>

#include <wx/frame.h>

#include "controller.h"

class wxButton;
class wxDataViewEvent;
class wxDataViewListCtrl;
class wxDataViewTreeCtrl;
class wxNotebook;
class wxPanel;
class wxSearchCtrl;
class wxStaticText;
class wxTextCtrl;

namespace fixtray::gui {

class SettingsPage;

class MainWindow final : public wxFrame, public ControllerListener {
public:
    explicit MainWindow(Controller& c);
    ~MainWindow() override;

    void machine_updated() override;
    void outbox_updated() override;
    void run_updated() override;

private:
    void fill_fixes();
    void show_details();
    void fill_recent();
    void show_recent_details();
    std::string selected_fix() const;
    std::string selected_run() const;

    Controller& c_;
    wxPanel* root_ = nullptr;
    wxNotebook* pages_ = nullptr;
    wxSearchCtrl* search_ = nullptr;
    wxDataViewTreeCtrl* fixes_ = nullptr;
    wxStaticText* title_ = nullptr;
    wxStaticText* description_ = nullptr;
    wxTextCtrl* plan_ = nullptr;
    wxButton* run_ = nullptr;
    wxStaticText* status_ = nullptr;
    wxButton* help_ = nullptr;
    wxDataViewListCtrl* recent_ = nullptr;
    wxTextCtrl* recent_details_ = nullptr;
    wxButton* recent_help_ = nullptr;
    SettingsPage* settings_ = nullptr;
    wxPanel* news_ = nullptr;  // IT's announcements, above the tabs; hidden when none
    wxStaticText* news_text_ = nullptr;
    std::map<void*, std::string> fix_by_item_;
    std::vector<std::string> run_ids_;
    std::string shown_fix_;
};

}  // namespace fixtray::gui
