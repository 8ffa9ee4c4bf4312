// The single instance's "show" channel: a second start of fixtray asks the running one, over a
// per-user Unix domain socket, to bring its window to the front. Its one command is "show";
// nothing received on it starts a fix or reads anything else. GIO (which GTK loads anyway),
// not wx's IPC classes: their network library alone was 0.3 MB of the idle tray's memory.
#pragma once

#include <functional>
#include <string>

#include <gio/gio.h>

namespace fixtray::gui {

// Listens on `path` (a stale socket there is replaced) in the main loop; `show` runs on the UI
// thread for each "show" received. Without the socket (listen() false) a second start cannot
// open the window, and says so.
class ShowSocket {
public:
    explicit ShowSocket(std::function<void()> show) : show_(std::move(show)) {}
    ~ShowSocket();
    ShowSocket(const ShowSocket&) = delete;
    ShowSocket& operator=(const ShowSocket&) = delete;

    bool listen(const std::string& path);

private:
    static gboolean incoming(GSocketService*, GSocketConnection* connection, GObject*,
                             gpointer self);

    std::function<void()> show_;
    GSocketService* service_ = nullptr;
    GCancellable* cancellable_ = nullptr;  // cancelled when it goes: reads still under way end
    std::string path_;
};

// Asks the instance listening on `path` to show its window; true when it answered that it did.
// Gives up after a few seconds.
bool ask_to_show(const std::string& path);

}  // namespace fixtray::gui
