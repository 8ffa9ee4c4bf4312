// Shows the app layer's DesktopNotices: through the desktop's notification server
// (wxNotificationMessage: libnotify on GTK), or, when no server answers, in a small window of
// the tray's own (bottom right, closes by itself after a while; readable through AT-SPI like
// every window). Nothing is shown while the employee turned notifications off.
#pragma once

#include <deque>
#include <functional>
#include <memory>

#include "app/desktop_notices.h"

class wxNotificationMessage;

namespace fixtray::gui {

class Notifier {
public:
    // `clicked` is called (UI thread) when the employee clicks a notice: the tray opens its
    // window.
    explicit Notifier(std::function<void(const DesktopNotice&)> clicked);
    ~Notifier();
    void show(const DesktopNotice& notice);

private:
    std::function<void(const DesktopNotice&)> clicked_;
    // Kept until the server closed them (libnotify's callbacks point into them); the last few.
    std::deque<std::unique_ptr<wxNotificationMessage>> shown_;
};

}  // namespace fixtray::gui
