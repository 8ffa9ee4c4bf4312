// Colour or symbolic tray icons: the decision from the panel's colours, the theme and the desktop.
#include <doctest/doctest.h>

#include <vector>

#include "app/tray_icon_style.h"

using namespace fixtray;

TEST_CASE("tray_foreground_from_property reads the panel's foreground, nothing else") {
    // Xfce's panel on a dark theme: foreground #eeeeec, then error, warning, success.
    std::vector<unsigned long> colors{0xeeee, 0xeeee, 0xecec, 0xcccc, 0,      0,
                                      0xf5f5, 0x7979, 0,      0x4e4e, 0x9a9a, 0x0606};
    CHECK(tray_foreground_from_property(colors) == Rgb{0xee, 0xee, 0xec});
    std::vector<unsigned long> black(12, 0);
    CHECK(tray_foreground_from_property(black) == Rgb{0, 0, 0});
    std::vector<unsigned long> white(12, 65535);
    CHECK(tray_foreground_from_property(white) == Rgb{255, 255, 255});
    // 8-bit channels rounded from 16 bits: 32896 (0x8080) is 128.
    std::vector<unsigned long> mid(12, 0x8080);
    CHECK(tray_foreground_from_property(mid) == Rgb{128, 128, 128});

    SUBCASE("a malformed property is no colour") {
        CHECK_FALSE(tray_foreground_from_property({}));
        std::vector<unsigned long> three{65535, 65535, 65535};
        CHECK_FALSE(tray_foreground_from_property(three));
        std::vector<unsigned long> thirteen(13, 0);
        CHECK_FALSE(tray_foreground_from_property(thirteen));
        std::vector<unsigned long> out_of_range(12, 0);
        out_of_range[7] = 65536;
        CHECK_FALSE(tray_foreground_from_property(out_of_range));
    }
}

TEST_CASE("is_high_contrast_theme knows the high-contrast themes Debian ships") {
    CHECK(is_high_contrast_theme("HighContrast"));
    CHECK(is_high_contrast_theme("HighContrastInverse"));
    CHECK(is_high_contrast_theme("Adwaita:HighContrast") == false);  // the variant is not the theme
    CHECK(is_high_contrast_theme("highcontrast:dark"));
    CHECK(is_high_contrast_theme("ContrastHigh"));  // MATE
    CHECK_FALSE(is_high_contrast_theme("Adwaita"));
    CHECK_FALSE(is_high_contrast_theme("Adwaita-dark"));
    CHECK_FALSE(is_high_contrast_theme(""));
}

TEST_CASE("desktop_prefers_symbolic reads XDG_CURRENT_DESKTOP's list") {
    CHECK(desktop_prefers_symbolic("GNOME"));
    CHECK(desktop_prefers_symbolic("ubuntu:GNOME"));
    CHECK(desktop_prefers_symbolic("Budgie:GNOME"));
    CHECK(desktop_prefers_symbolic("Pantheon"));
    CHECK(desktop_prefers_symbolic("Unity"));
    CHECK_FALSE(desktop_prefers_symbolic("XFCE"));
    CHECK_FALSE(desktop_prefers_symbolic("KDE"));
    CHECK_FALSE(desktop_prefers_symbolic("X-Cinnamon"));
    CHECK_FALSE(desktop_prefers_symbolic("MATE"));
    CHECK_FALSE(desktop_prefers_symbolic(""));
    CHECK_FALSE(desktop_prefers_symbolic("GNOME-Classic"));  // a token is matched whole
    CHECK(desktop_prefers_symbolic("GNOME-Classic:GNOME"));
    CHECK_FALSE(desktop_prefers_symbolic("::"));
}

TEST_CASE("choose_tray_icon_look") {
    SUBCASE("StatusNotifierItem: the theme and the desktop decide") {
        TrayIconFacts f;
        f.status_notifier = true;
        CHECK(choose_tray_icon_look(f) == TrayIconLook::colour);
        f.current_desktop = "XFCE";
        CHECK(choose_tray_icon_look(f) == TrayIconLook::colour);
        f.gtk_theme = "HighContrast";
        CHECK(choose_tray_icon_look(f) == TrayIconLook::symbolic);
        f.gtk_theme = "Adwaita";
        f.current_desktop = "ubuntu:GNOME";
        CHECK(choose_tray_icon_look(f) == TrayIconLook::symbolic);
        // A published XEmbed colour means nothing to an SNI host.
        f.current_desktop = "KDE";
        f.panel_foreground = Rgb{255, 255, 255};
        CHECK(choose_tray_icon_look(f) == TrayIconLook::colour);
    }
    SUBCASE("XEmbed: symbolic exactly when the panel publishes its foreground") {
        TrayIconFacts f;
        CHECK(choose_tray_icon_look(f) == TrayIconLook::colour);
        // fixtray cannot know an XEmbed panel's colour otherwise: the theme alone does not switch.
        f.gtk_theme = "HighContrast";
        f.current_desktop = "GNOME";
        CHECK(choose_tray_icon_look(f) == TrayIconLook::colour);
        f.panel_foreground = Rgb{0, 0, 0};
        CHECK(choose_tray_icon_look(f) == TrayIconLook::symbolic);
    }
}

TEST_CASE("tray_icon_name") {
    CHECK(tray_icon_name(TrayState::idle, TrayIconLook::colour) == "fixtray-idle");
    CHECK(tray_icon_name(TrayState::working, TrayIconLook::colour) == "fixtray-working");
    CHECK(tray_icon_name(TrayState::attention, TrayIconLook::symbolic) ==
          "fixtray-attention-symbolic");
}
