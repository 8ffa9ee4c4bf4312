// Showing a new window on the next turn of the event loop.
//
// Building a window (wx creates and measures every GTK widget) and its first show (GTK
// realizes, lays out and maps them) each take the UI thread a few tens of milliseconds; done in
// one callback they block it for longer than the 50 ms the tray allows itself (the heartbeat
// benchmark, tests/bench/tray_bench.py). wx's CallAfter would not split them: pending events
// posted while pending events are processed run in the same pass. A one-shot timer goes back
// through the main loop, so input, repaints and other timers run in between. A window too
// big to build in one turn builds the rest of itself in further turns before it is shown
// (start()'s `build`).
#pragma once

#include <deque>
#include <functional>
#include <utility>

#include <wx/timer.h>
#include <wx/toplevel.h>

namespace fixtray::gui {

// A member of the window it shows (constructed with it, so it cannot outlive it).
class ShowSoon final {
public:
    explicit ShowSoon(wxTopLevelWindow* window)
        : window_(window), id_(wxWindow::NewControlId()), timer_(window, id_) {
        window->Bind(
            wxEVT_TIMER,
            [this](wxTimerEvent&) {
                if (!build_.empty()) {
                    const std::function<void()> part = std::move(build_.front());
                    build_.pop_front();
                    part();
                    timer_.StartOnce(1);
                    return;
                }
                window_->Show();
                window_->Raise();
                if (auto then = std::exchange(then_, nullptr)) then();
            },
            id_);
    }
    ShowSoon(const ShowSoon&) = delete;
    ShowSoon& operator=(const ShowSoon&) = delete;
    ~ShowSoon() {
        timer_.Stop();
        wxWindow::UnreserveControlId(id_);
    }

    // `build` runs first, one part per turn; then the window is shown, and `then` runs once
    // it is (work that would compete with showing it).
    void start(std::function<void()> then = nullptr, std::deque<std::function<void()>> build = {}) {
        then_ = std::move(then);
        build_ = std::move(build);
        timer_.StartOnce(1);
    }

private:
    wxTopLevelWindow* window_;
    wxWindowID id_;  // the window's other timers keep their own ids
    wxTimer timer_;
    std::function<void()> then_;
    std::deque<std::function<void()>> build_;
};

}  // namespace fixtray::gui
