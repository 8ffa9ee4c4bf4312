// The tray icon, one small interface with one implementation per kind, chosen at run time:
//   sni     a StatusNotifierItem (libayatana-appindicator3: the menu is exported over
//           com.canonical.dbusmenu by libdbusmenu-gtk) when org.kde.StatusNotifierWatcher
//           owns its name on the session bus: GNOME with the AppIndicator extension, KDE,
//           and every Wayland session with a tray;
//   xembed  wxTaskBarIcon (GtkStatusIcon) when wxTaskBarIcon::IsAvailable() says an XEmbed
//           tray exists: Xfce, MATE, Cinnamon, KDE/X11, trayer;
//   none    no tray: the app opens its window at start, and the launcher opens it again.
#pragma once

#include <memory>
#include <string>

#include <wx/menu.h>
#include <wx/string.h>

#include "app/tray_status.h"

namespace fixtray::gui {

enum class TrayKind { automatic, sni, xembed, none };
const char* to_string(TrayKind k);

// A submenu whose entries are added when it first opens: an exported menu (SNI) holds one
// entry per category, not a few widgets per fix, until someone looks (about 4 MB less with a
// few hundred fixes). fill() adds them, once.
class FillOnOpenMenu : public wxMenu {
public:
    ~FillOnOpenMenu() override { *alive_ = nullptr; }
    void fill() {
        if (filled_) return;
        filled_ = true;
        add_entries();
    }
    bool filled() const { return filled_; }
    // This menu, or null once it is gone: for a toolkit's signal handler, which may outlive it.
    std::shared_ptr<FillOnOpenMenu*> alive() const { return alive_; }

protected:
    virtual void add_entries() = 0;

private:
    bool filled_ = false;
    std::shared_ptr<FillOnOpenMenu*> alive_ = std::make_shared<FillOnOpenMenu*>(this);
};

// How a menu's submenus get their entries: all at once (a popup menu, built when it opens), or
// as FillOnOpenMenu, filled when each opens (a menu exported for as long as the app runs).
enum class SubmenuFill { now, on_open };

// What the tray asks of the app.
class TrayHost {
public:
    virtual ~TrayHost() = default;
    // A new menu, built from the app's state now. The tray owns it.
    virtual wxMenu* build_menu(SubmenuFill fill) = 0;
    // What the menu shows, as a key: a menu built for the same key needs only update_menu().
    virtual std::string menu_key() const = 0;
    // Brings a menu built for the current key up to date in place (the entries that come and go
    // while a fix runs, the number of requests waiting), without building it again.
    virtual void update_menu(wxMenu* menu) = 0;
    // Left click (XEmbed) / Activate or middle click (SNI): open the main window.
    virtual void activate() = 0;
};

class TrayIcon {
public:
    virtual ~TrayIcon() = default;
    virtual TrayKind kind() const = 0;
    virtual void set_status(TrayState state, const wxString& tooltip) = 0;
    // The app's state changed: the menu is built again (SNI exports a persistent menu; XEmbed
    // builds it when it is opened).
    virtual void menu_changed() = 0;
};

// The kind the desktop offers: sni when a StatusNotifierWatcher is on the session bus, else
// xembed when an XEmbed tray exists, else none.
TrayKind detect_tray_kind();

// A tray of `kind` (automatic: detect_tray_kind()), or nullptr for none. `host` must outlive it.
std::unique_ptr<TrayIcon> make_tray_icon(TrayKind kind, TrayHost& host);

// Whether org.kde.StatusNotifierWatcher has an owner on the session bus (false without a bus).
bool status_notifier_watcher_present();

std::unique_ptr<TrayIcon> make_sni_tray_icon(TrayHost& host);
std::unique_ptr<TrayIcon> make_xembed_tray_icon(TrayHost& host);

}  // namespace fixtray::gui
