// Which tray icons to show, colour or symbolic (one colour), decided from what the desktop says.
// The tray app gathers the facts (the tray kind, the panel's published colours, the GTK theme,
// the desktop's name); this decides. No X or D-Bus here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "app/tray_status.h"

namespace fixtray {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

// The foreground (text) colour of an XEmbed tray's panel from the tray manager window's
// _NET_SYSTEM_TRAY_COLORS property (System Tray Protocol 0.3): twelve CARDINALs, the red, green
// and blue of the foreground, error, warning and success colours, each 0..65535. Anything else
// (fewer values, values out of range) is no colour: the panel's property is not trusted for more.
std::optional<Rgb> tray_foreground_from_property(std::span<const unsigned long> cardinals);

// A high-contrast GTK theme: "HighContrast", "HighContrastInverse" (Adwaita's), "ContrastHigh"
// (MATE's), with an optional ":variant" (GTK_THEME's form). Case-insensitive.
bool is_high_contrast_theme(std::string_view theme_name);

// XDG_CURRENT_DESKTOP names desktops whose panels draw symbolic status icons in their text
// colour (GNOME's AppIndicator extension, Unity, Budgie, Pantheon). A colon-separated list.
bool desktop_prefers_symbolic(std::string_view xdg_current_desktop);

enum class TrayIconLook { colour, symbolic };

struct TrayIconFacts {
    bool status_notifier = false;         // the StatusNotifierItem host draws the icon by name
    std::optional<Rgb> panel_foreground;  // XEmbed: what the panel published, if anything
    std::string gtk_theme;                // GTK_THEME or the gtk-theme-name setting
    std::string current_desktop;          // XDG_CURRENT_DESKTOP
};

// StatusNotifierItem: symbolic under a high-contrast theme or on a desktop that prefers them
// (the host recolours "-symbolic" icons); else colour.
// XEmbed: symbolic, drawn by fixtray in the panel's foreground, exactly when the panel publishes
// one (a high-contrast panel then gets its own text colour); else colour, whose shapes keep 3:1
// against light and dark panels.
TrayIconLook choose_tray_icon_look(const TrayIconFacts& facts);

// "fixtray-idle", or "fixtray-idle-symbolic" for the symbolic look.
std::string tray_icon_name(TrayState state, TrayIconLook look);

}  // namespace fixtray
