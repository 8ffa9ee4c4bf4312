// minimal_tray: the reference tray app the benchmarks compare fixtray against.
// "An icon and one menu item" (Quit), nothing else. It picks its tray kind the way fixtray does:
//   1. an org.kde.StatusNotifierWatcher owns its name on the session bus -> StatusNotifierItem
//      through libayatana-appindicator3 (the menu is a wxMenu's GtkMenu, so wx menu events work);
//   2. else wxTaskBarIcon::IsAvailable() (an XEmbed tray owns _NET_SYSTEM_TRAY_S<n>) -> XEmbed;
//   3. else it prints "no-tray" on stdout (the reason on stderr) and exits 3.
// Once the icon is set it prints one line "ready sni" or "ready xembed" on stdout (flushed).
// Quit exits 0.
//
// Usage: minimal_tray [--icon-dir DIR] [--icon-name NAME]
//   --icon-dir/--icon-name only matter for SNI (an icon theme name plus a theme path, as an
//   AppIndicator takes them); the XEmbed icon is a 22x22 bitmap made in code.
//
// Build by hand:
//   g++ -std=c++20 -O2 -o minimal_tray tests/bench/minimal_tray.cpp
//       $(wx-config --cxxflags --libs core,base)
//       $(pkg-config --cflags --libs ayatana-appindicator3-0.1)      (one command line)
// or with CMake through tests/gui/CMakeLists.txt (target minimal_tray).

#include <wx/wx.h>
#include <wx/taskbar.h>

#include <gio/gio.h>
#include <gtk/gtk.h>
#include <libayatana-appindicator/app-indicator.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

constexpr const char* kWatcherName = "org.kde.StatusNotifierWatcher";
constexpr int kExitNoTray = 3;

// True when kWatcherName has an owner on the session bus; no session bus -> false.
bool sniWatcherPresent(std::string& why)
{
    GError* err = nullptr;
    GDBusConnection* bus = g_bus_get_sync(G_BUS_TYPE_SESSION, nullptr, &err);
    if (!bus) {
        why = std::string("no session bus: ") + (err ? err->message : "?");
        g_clear_error(&err);
        return false;
    }
    GVariant* reply = g_dbus_connection_call_sync(
        bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "NameHasOwner", g_variant_new("(s)", kWatcherName), G_VARIANT_TYPE("(b)"),
        G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &err);
    bool has = false;
    if (reply) {
        gboolean b = FALSE;
        g_variant_get(reply, "(b)", &b);
        has = b;
        g_variant_unref(reply);
        if (!has)
            why = std::string(kWatcherName) + " has no owner on the session bus";
    } else {
        why = std::string("NameHasOwner failed: ") + (err ? err->message : "?");
        g_clear_error(&err);
    }
    // Keep the reference for the process's life (as fixtray does, src/fixtray/tray_icon.cpp):
    // dropping the last one finalizes the shared connection while libayatana's g_bus_get() may
    // be taking it, and its item then never registers.
    (void)bus;
    return has;
}

void sayReady(const char* kind)
{
    std::printf("ready %s\n", kind);
    std::fflush(stdout);
}

wxIcon makeIcon()
{
    wxBitmap bmp(22, 22, 24);
    {
        wxMemoryDC dc(bmp);
        dc.SetBackground(wxBrush(wxColour(0x2e, 0x86, 0xc1)));
        dc.Clear();
        dc.SetBrush(wxBrush(wxColour(0xf5, 0xb0, 0x41)));
        dc.SetPen(*wxTRANSPARENT_PEN);
        dc.DrawRectangle(6, 6, 10, 10);
    }
    wxIcon icon;
    icon.CopyFromBitmap(bmp);
    return icon;
}

// XEmbed: wx's own tray icon (GtkStatusIcon in Debian's wx 3.2).
class XEmbedIcon : public wxTaskBarIcon {
public:
    XEmbedIcon()
    {
        Bind(wxEVT_MENU, [this](wxCommandEvent&) {
            RemoveIcon();
            wxTheApp->ExitMainLoop();
        }, wxID_EXIT);
    }

protected:
    wxMenu* CreatePopupMenu() override
    {
        auto* menu = new wxMenu;
        menu->Append(wxID_EXIT, "Quit");
        return menu;
    }
};

}  // namespace

class MinimalTrayApp : public wxApp {
public:
    bool OnInit() override
    {
        wxString iconDir, iconName = "applications-system";
        for (int i = 1; i < argc; ++i) {
            wxString a = argv[i];
            if (a == "--icon-dir" && i + 1 < argc)
                iconDir = argv[++i];
            else if (a == "--icon-name" && i + 1 < argc)
                iconName = argv[++i];
            else {
                std::fprintf(stderr, "usage: minimal_tray [--icon-dir DIR] [--icon-name NAME]\n");
                m_exitCode = 2;
                return true;
            }
        }

        std::string whyNoSni;
        if (sniWatcherPresent(whyNoSni)) {
            m_menu = std::make_unique<wxMenu>();
            m_menu->Append(wxID_EXIT, "Quit");
            m_menu->Bind(wxEVT_MENU, [this](wxCommandEvent&) { ExitMainLoop(); }, wxID_EXIT);

            m_indicator = app_indicator_new("minimal_tray", iconName.utf8_str(),
                                            APP_INDICATOR_CATEGORY_APPLICATION_STATUS);
            if (!iconDir.empty())
                app_indicator_set_icon_theme_path(m_indicator, iconDir.utf8_str());
            app_indicator_set_title(m_indicator, "minimal_tray");
            app_indicator_set_status(m_indicator, APP_INDICATOR_STATUS_ACTIVE);
            app_indicator_set_menu(m_indicator, GTK_MENU(m_menu->m_menu));
            sayReady("sni");
            return true;
        }

        if (wxTaskBarIcon::IsAvailable()) {
            m_xembed = new XEmbedIcon;
            m_xembed->SetIcon(makeIcon(), "minimal_tray");
            sayReady("xembed");
            return true;
        }

        std::printf("no-tray\n");
        std::fflush(stdout);
        std::fprintf(stderr, "minimal_tray: no tray: %s, and no XEmbed tray (_NET_SYSTEM_TRAY_S*)\n",
                     whyNoSni.c_str());
        m_exitCode = kExitNoTray;
        return true;
    }

    int OnRun() override
    {
        if (m_exitCode != 0)
            return m_exitCode;  // skip the main loop: nothing to show
        return wxApp::OnRun();
    }

    int OnExit() override
    {
        if (m_indicator) {
            app_indicator_set_status(m_indicator, APP_INDICATOR_STATUS_PASSIVE);
            g_object_unref(m_indicator);
            m_indicator = nullptr;
        }
        m_menu.reset();  // after the indicator that used its GtkMenu
        if (m_xembed) {
            m_xembed->Destroy();
            m_xembed = nullptr;
        }
        return wxApp::OnExit();
    }

private:
    int m_exitCode = 0;
    AppIndicator* m_indicator = nullptr;
    std::unique_ptr<wxMenu> m_menu;  // kept alive: the indicator shows its GtkMenu
    XEmbedIcon* m_xembed = nullptr;
};

wxIMPLEMENT_APP(MinimalTrayApp);
