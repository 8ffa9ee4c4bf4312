// The run view: every step with its live state and elapsed time, a progress bar over the
// steps, the output on demand, Cancel; then the result in plain language and "Did that help?",
// and under "Technical details" (collapsed) the run's own English message as IT gets it.
// Closing it does not stop the fix (the controller owns the run); it can be opened again from
// the tray menu.
#pragma once

#include <chrono>
#include <string>

#include <wx/frame.h>
#include <wx/timer.h>

#include "controller.h"
#include "show_soon.h"

class wxButton;
class wxCollapsiblePane;
class wxDataViewListCtrl;
class wxGauge;
class wxPanel;
class wxSizer;
class wxStaticText;
class wxTextCtrl;
class wxToggleButton;

namespace fixtray::gui {

class RunWindow final : public wxFrame, public ControllerListener {
public:
    explicit RunWindow(Controller& c);
    ~RunWindow() override;
    void run_updated() override;
    // Built in two turns of the event loop (the steps and progress in the constructor, the
    // result, the question and the buttons in build_bottom()) and shown in a third, each well
    // under the 50 ms the UI thread may be busy (show_soon.h); a shown window is raised now.
    void present();

private:
    void build_bottom();
    void refresh();
    void show_output();

    Controller& c_;
    wxPanel* panel_ = nullptr;
    wxStaticText* title_ = nullptr;
    wxDataViewListCtrl* steps_ = nullptr;
    wxGauge* progress_ = nullptr;
    wxStaticText* progress_text_ = nullptr;
    wxToggleButton* output_toggle_ = nullptr;
    wxTextCtrl* output_ = nullptr;  // made on the first "Show output"
    wxSizer* sizer_ = nullptr;
    std::size_t output_slot_ = 0;
    wxStaticText* headline_ = nullptr;
    wxStaticText* detail_ = nullptr;
    wxCollapsiblePane* technical_pane_ = nullptr;  // shown when the result has technical details
    wxStaticText* technical_ = nullptr;
    wxStaticText* question_ = nullptr;
    wxButton* yes_ = nullptr;
    wxButton* no_ = nullptr;
    wxButton* help_ = nullptr;
    wxButton* cancel_ = nullptr;
    wxButton* close_ = nullptr;
    wxTimer timer_;    // 250 ms: the running step's elapsed time
    wxTimer pending_;  // a refresh that waits for kMinRefresh to pass
    std::chrono::steady_clock::time_point last_refresh_;
    ShowSoon show_soon_{this};
    std::string detail_text_;
    std::string technical_text_;
    bool answered_ = false;
    bool built_ = false;  // build_bottom() ran
};

}  // namespace fixtray::gui
