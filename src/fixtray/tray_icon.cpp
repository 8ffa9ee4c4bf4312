#include "tray_icon.h"

#include <cstdlib>
#include <optional>
#include <span>

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <gdk/gdkx.h>
#include <gio/gio.h>
#include <gtk/gtk.h>
#include <libayatana-appindicator/app-indicator.h>
#include <libdbusmenu-gtk/parser.h>

#include <wx/menu.h>
#include <wx/taskbar.h>
#include <wx/timer.h>
#include <wx/translation.h>

#include "icons.h"

namespace fixtray::gui {

const char* to_string(TrayKind k) {
    switch (k) {
        case TrayKind::automatic:
            return "auto";
        case TrayKind::sni:
            return "sni";
        case TrayKind::xembed:
            return "xembed";
        case TrayKind::none:
            return "none";
    }
    return "?";
}

bool status_notifier_watcher_present() {
    GError* error = nullptr;
    GDBusConnection* bus = g_bus_get_sync(G_BUS_TYPE_SESSION, nullptr, &error);
    if (!bus) {
        g_clear_error(&error);
        return false;
    }
    GVariant* reply = g_dbus_connection_call_sync(
        bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "NameHasOwner", g_variant_new("(s)", "org.kde.StatusNotifierWatcher"),
        G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, 2000, nullptr, &error);
    bool present = false;
    if (reply) {
        gboolean has = FALSE;
        g_variant_get(reply, "(b)", &has);
        present = has;
        g_variant_unref(reply);
    }
    g_clear_error(&error);
    // The reference to the shared session connection is kept for the process's life: dropping
    // the last one finalizes the singleton while libayatana's own g_bus_get() may be taking it
    // (seen as "g_dbus_proxy_new: assertion 'G_IS_DBUS_CONNECTION (connection)' failed" and an
    // item that never registers, once in a while).
    return present;
}

TrayKind detect_tray_kind() {
    if (status_notifier_watcher_present()) return TrayKind::sni;
    if (wxTaskBarIcon::IsAvailable()) return TrayKind::xembed;
    return TrayKind::none;
}

std::unique_ptr<TrayIcon> make_tray_icon(TrayKind kind, TrayHost& host) {
    if (kind == TrayKind::automatic) kind = detect_tray_kind();
    switch (kind) {
        case TrayKind::sni:
            return make_sni_tray_icon(host);
        case TrayKind::xembed:
            return make_xembed_tray_icon(host);
        case TrayKind::automatic:
        case TrayKind::none:
            break;
    }
    return nullptr;
}

namespace {

std::string gtk_theme_name() {
    if (const char* env = std::getenv("GTK_THEME"); env && *env) return env;
    std::string name;
    if (GtkSettings* settings = gtk_settings_get_default()) {
        gchar* value = nullptr;
        g_object_get(settings, "gtk-theme-name", &value, nullptr);
        if (value) name = value;
        g_free(value);
    }
    return name;
}

std::string current_desktop() {
    const char* env = std::getenv("XDG_CURRENT_DESKTOP");
    return env ? env : "";
}

// The XEmbed tray manager's window (the owner of _NET_SYSTEM_TRAY_Sn), or None.
Window xembed_tray_manager() {
    GdkDisplay* display = gdk_display_get_default();
    if (!display || !GDK_IS_X11_DISPLAY(display)) return None;
    Display* x = GDK_DISPLAY_XDISPLAY(display);
    const std::string selection = "_NET_SYSTEM_TRAY_S" + std::to_string(DefaultScreen(x));
    return XGetSelectionOwner(x, XInternAtom(x, selection.c_str(), False));
}

// The XEmbed panel's text colour from the tray manager's _NET_SYSTEM_TRAY_COLORS, if it
// publishes them (the notification areas of MATE and GNOME Flashback, i3bar, polybar; trayer
// does not).
std::optional<Rgb> xembed_panel_foreground() {
    const Window manager = xembed_tray_manager();
    if (manager == None) return std::nullopt;
    GdkDisplay* display = gdk_display_get_default();
    Display* x = GDK_DISPLAY_XDISPLAY(display);
    Atom type = None;
    int format = 0;
    unsigned long count = 0, after = 0;
    unsigned char* data = nullptr;
    // The manager window may go away between the two calls: its BadWindow is trapped.
    gdk_x11_display_error_trap_push(display);
    const int rc =
        XGetWindowProperty(x, manager, XInternAtom(x, "_NET_SYSTEM_TRAY_COLORS", False), 0, 13,
                           False, XA_CARDINAL, &type, &format, &count, &after, &data);
    gdk_x11_display_error_trap_pop_ignored(display);
    std::optional<Rgb> colour;
    if (rc == Success && data && type == XA_CARDINAL && format == 32) {
        // Format 32 comes as an array of C longs (Xlib's rule, also on 64-bit machines).
        // More than 12 values (count 13, or more after them) is malformed and gives no colour.
        const auto* values = reinterpret_cast<const unsigned long*>(data);
        if (after == 0)
            colour = tray_foreground_from_property(std::span<const unsigned long>(values, count));
    }
    if (data) XFree(data);
    return colour;
}

TrayIconFacts tray_icon_facts(TrayKind kind) {
    TrayIconFacts facts;
    facts.status_notifier = kind == TrayKind::sni;
    if (kind == TrayKind::xembed) facts.panel_foreground = xembed_panel_foreground();
    facts.gtk_theme = gtk_theme_name();
    facts.current_desktop = current_desktop();
    return facts;
}

// StatusNotifierItem through libayatana-appindicator3. Why this and not our own GDBus SNI
// service: libdbusmenu-gtk exports the real GtkMenu of a wxMenu over com.canonical.dbusmenu
// (labels, mnemonics, sensitivity, submenus, updates), the same code every AppIndicator app on
// GNOME and KDE runs, and wx's menu events keep working. Its cost: AppIndicator has no left
// click "Activate" (a left click opens the menu, whose first entry opens the window; a middle
// click opens it directly through the secondary activate target) and no ToolTip setter (the
// state's text goes to Title and the icon's accessible description, which hosts show).
class SniTrayIcon final : public TrayIcon, private wxTimer {
public:
    explicit SniTrayIcon(TrayHost& host)
        : host_(host), look_(choose_tray_icon_look(tray_icon_facts(TrayKind::sni))) {
        indicator_ = app_indicator_new("fixtray", name(TrayState::idle).c_str(),
                                       APP_INDICATOR_CATEGORY_APPLICATION_STATUS);
        app_indicator_set_icon_theme_path(indicator_, (icon_dir() + "/scalable/apps").c_str());
        // TRANSLATORS: the tray icon's description (screen readers) while it asks for attention,
        // until the app's state replaces it.
        const std::string attention = _("fixtray needs attention").utf8_string();
        app_indicator_set_attention_icon_full(indicator_, name(TrayState::attention).c_str(),
                                              attention.c_str());
        app_indicator_set_title(indicator_, "fixtray");  // the app's name, until set_status()
        key_ = host_.menu_key();
        export_menu(host_.build_menu(SubmenuFill::on_open));
        app_indicator_set_status(indicator_, APP_INDICATOR_STATUS_ACTIVE);
    }
    ~SniTrayIcon() override {
        Stop();
        g_object_unref(indicator_);
        delete menu_;
        delete next_;
        delete old_;
    }
    TrayKind kind() const override { return TrayKind::sni; }

    void set_status(TrayState state, const wxString& tooltip) override {
        const std::string text = tooltip.utf8_string();
        app_indicator_set_title(indicator_, text.c_str());
        if (state == TrayState::attention) {
            app_indicator_set_attention_icon_full(indicator_, name(TrayState::attention).c_str(),
                                                  text.c_str());
            app_indicator_set_status(indicator_, APP_INDICATOR_STATUS_ATTENTION);
        } else {
            app_indicator_set_icon_full(indicator_, name(state).c_str(), text.c_str());
            app_indicator_set_status(indicator_, APP_INDICATOR_STATUS_ACTIVE);
        }
    }

    // Exporting a menu of a few hundred fixes over D-Bus costs the UI thread tens of
    // milliseconds in each of three parts: building the wxMenu, libdbusmenu-gtk walking it,
    // and deleting the menu it replaces. So: entries that come and go (the running fix, the
    // outbox count) are updated in place, libdbusmenu-gtk follows the GtkMenu's changes; a
    // menu that shows something else (the catalog changed) is replaced in three turns of the
    // event loop, one part each, with input and repaints in between. Until it is exported the
    // old one stays, and works.
    void menu_changed() override {
        std::string key = host_.menu_key();
        if (key == key_ && !next_) {
            host_.update_menu(menu_);
            return;
        }
        if (next_ && key == next_key_) {
            host_.update_menu(next_);
            host_.update_menu(menu_);
            return;
        }
        if (key == key_) {  // changed back before the new one was exported
            delete next_;
            next_ = nullptr;
            host_.update_menu(menu_);
            return;
        }
        delete next_;
        next_key_ = std::move(key);
        next_ = host_.build_menu(SubmenuFill::on_open);
        StartOnce(1);
    }

private:
    std::string name(TrayState state) const { return tray_icon_name(state, look_); }

    void Notify() override {
        if (next_) {
            // The second turn: export the new menu; the third deletes the old one.
            if (old_) {
                delete old_;  // left from an earlier replacement
                old_ = nullptr;
            }
            old_ = menu_;
            key_ = std::move(next_key_);
            export_menu(next_);
            next_ = nullptr;
            host_.update_menu(menu_);  // what changed while it waited for its turn
            StartOnce(1);
            return;
        }
        delete old_;
        old_ = nullptr;
    }

    void export_menu(wxMenu* menu) {
        app_indicator_set_menu(indicator_, GTK_MENU(menu->m_menu));
        // The first entry opens the window: a middle click on the icon activates it.
        if (menu->GetMenuItemCount() > 0)
            app_indicator_set_secondary_activate_target(indicator_,
                                                        menu->FindItemByPosition(0)->GetMenuItem());
        for (wxMenuItem* item : menu->GetMenuItems())
            if (auto* sub = dynamic_cast<FillOnOpenMenu*>(item->GetSubMenu()))
                fill_on_open(item->GetMenuItem(), sub);
        menu_ = menu;
    }

    // A host asks for a submenu's entries with dbusmenu's AboutToShow when it opens it;
    // libdbusmenu-gtk passes that on as the GtkMenuItem's "activate" (parser.c,
    // item_about_to_show: "in case the program dynamically creates menus"), and announces the
    // entries added then with LayoutUpdated. Until then the entry has no children, so it is
    // marked a submenu itself (libdbusmenu sets children-display only when a first child comes).
    static void fill_on_open(GtkWidget* widget, FillOnOpenMenu* sub) {
        if (sub->filled()) return;
        if (DbusmenuMenuitem* entry = dbusmenu_gtk_parse_get_cached_item(widget))
            dbusmenu_menuitem_property_set(entry, DBUSMENU_MENUITEM_PROP_CHILD_DISPLAY,
                                           DBUSMENU_MENUITEM_CHILD_DISPLAY_SUBMENU);
        // The widget, and libdbusmenu's idle call that activates it, may outlive the submenu
        // (a host's AboutToShow just before the menu is replaced): the handler holds a pointer
        // that is null once the submenu is gone.
        using Alive = std::shared_ptr<FillOnOpenMenu*>;
        g_signal_connect_data(
            widget, "activate", G_CALLBACK(+[](GtkMenuItem*, gpointer data) {
                if (FillOnOpenMenu* s = *static_cast<Alive*>(data)->get()) s->fill();
            }),
            new Alive(sub->alive()),
            +[](gpointer data, GClosure*) { delete static_cast<Alive*>(data); }, GConnectFlags(0));
    }

    TrayHost& host_;
    // Colour or symbolic, chosen once: the host recolours a symbolic icon to its own colours.
    TrayIconLook look_;
    AppIndicator* indicator_ = nullptr;
    wxMenu* menu_ = nullptr;  // exported
    std::string key_;         // what menu_ shows
    wxMenu* next_ = nullptr;  // built, exported on the next turn
    std::string next_key_;
    wxMenu* old_ = nullptr;  // replaced, deleted on the next turn
};

// XEmbed through wxTaskBarIcon (GtkStatusIcon in wx 3.2 on GTK).
class XembedTrayIcon final : public TrayIcon, public wxTaskBarIcon {
public:
    explicit XembedTrayIcon(TrayHost& host) : host_(host) {
        // GtkStatusIcon "activate" (a left click) arrives as LEFT_DOWN.
        Bind(wxEVT_TASKBAR_LEFT_DOWN, [this](wxTaskBarIconEvent&) { host_.activate(); });
        set_status(TrayState::idle, "fixtray");
    }
    ~XembedTrayIcon() override { watch_manager(None); }
    TrayKind kind() const override { return TrayKind::xembed; }
    // The panel's colours are read at each change of state and whenever the panel publishes
    // new ones (a switch to a high-contrast or dark theme): the icon takes its text colour.
    void set_status(TrayState state, const wxString& tooltip) override {
        state_ = state;
        tooltip_ = tooltip;
        watch_manager(xembed_tray_manager());
        const TrayIconFacts facts = tray_icon_facts(TrayKind::xembed);
        const TrayIconLook look = choose_tray_icon_look(facts);
        if (!loaded_ || facts.panel_foreground != foreground_) {
            foreground_ = facts.panel_foreground;
            loaded_ = true;
            for (TrayState s : {TrayState::idle, TrayState::working, TrayState::attention}) {
                const std::string name = tray_icon_name(s, look);
                bundles_[static_cast<int>(s)] = look == TrayIconLook::symbolic && foreground_
                                                    ? symbolic_icon_bundle(name, *foreground_)
                                                    : icon_bundle(name);
            }
        }
        SetIcon(bundles_[static_cast<int>(state)], tooltip);
    }
    void menu_changed() override {}  // built when it opens

protected:
    wxMenu* CreatePopupMenu() override { return host_.build_menu(SubmenuFill::now); }

private:
    // Follows _NET_SYSTEM_TRAY_COLORS on the tray manager's window (another client's: only
    // this client's event mask on it is set, and an X error from a window that is gone is
    // trapped).
    void watch_manager(Window manager) {
        if (manager == watched_) return;
        GdkDisplay* display = gdk_display_get_default();
        if (watched_window_) {
            gdk_window_remove_filter(watched_window_, &XembedTrayIcon::on_x_event, this);
            g_object_unref(watched_window_);
            watched_window_ = nullptr;
        }
        watched_ = manager;
        if (manager == None || !display || !GDK_IS_X11_DISPLAY(display)) return;
        gdk_x11_display_error_trap_push(display);
        watched_window_ = gdk_x11_window_foreign_new_for_display(display, manager);
        if (watched_window_) {
            gdk_window_set_events(watched_window_, GDK_PROPERTY_CHANGE_MASK);
            gdk_window_add_filter(watched_window_, &XembedTrayIcon::on_x_event, this);
        }
        gdk_x11_display_error_trap_pop_ignored(display);
    }
    static GdkFilterReturn on_x_event(GdkXEvent* xevent, GdkEvent*, gpointer self) {
        const auto* e = static_cast<XEvent*>(xevent);
        if (e->type == PropertyNotify &&
            e->xproperty.atom ==
                XInternAtom(e->xproperty.display, "_NET_SYSTEM_TRAY_COLORS", False)) {
            auto* icon = static_cast<XembedTrayIcon*>(self);
            // Outside GDK's event dispatch: set_status() makes X requests of its own.
            icon->CallAfter([icon] { icon->set_status(icon->state_, icon->tooltip_); });
        }
        return GDK_FILTER_CONTINUE;
    }

    TrayHost& host_;
    TrayState state_ = TrayState::idle;
    wxString tooltip_;
    Window watched_ = None;
    GdkWindow* watched_window_ = nullptr;
    bool loaded_ = false;
    std::optional<Rgb> foreground_;  // the panel's text colour, when it publishes one
    wxBitmapBundle bundles_[3];
};

}  // namespace

std::unique_ptr<TrayIcon> make_sni_tray_icon(TrayHost& host) {
    return std::make_unique<SniTrayIcon>(host);
}
std::unique_ptr<TrayIcon> make_xembed_tray_icon(TrayHost& host) {
    return std::make_unique<XembedTrayIcon>(host);
}

}  // namespace fixtray::gui
