#include "app/tray_icon_style.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace fixtray {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::optional<Rgb> tray_foreground_from_property(std::span<const unsigned long> cardinals) {
    if (cardinals.size() != 12) return std::nullopt;
    for (unsigned long v : cardinals)
        if (v > 65535) return std::nullopt;
    // 16-bit channels to 8 bits, rounded: 65535 -> 255, 32896 -> 128.
    auto to8 = [](unsigned long v) { return static_cast<std::uint8_t>((v * 255 + 32767) / 65535); };
    return Rgb{to8(cardinals[0]), to8(cardinals[1]), to8(cardinals[2])};
}

bool is_high_contrast_theme(std::string_view theme_name) {
    const std::string name = lower(theme_name.substr(0, theme_name.find(':')));
    return name.find("highcontrast") != std::string::npos ||
           name.find("contrasthigh") != std::string::npos;
}

bool desktop_prefers_symbolic(std::string_view xdg_current_desktop) {
    static constexpr std::array<std::string_view, 4> symbolic{"gnome", "unity", "budgie",
                                                              "pantheon"};
    std::string all = lower(xdg_current_desktop);
    std::string_view rest = all;
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string_view token = rest.substr(0, colon);
        // "Budgie:GNOME", "ubuntu:GNOME", "GNOME-Classic:GNOME", "GNOME-Flashback:GNOME".
        if (std::find(symbolic.begin(), symbolic.end(), token) != symbolic.end()) return true;
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return false;
}

TrayIconLook choose_tray_icon_look(const TrayIconFacts& facts) {
    if (facts.status_notifier)
        return is_high_contrast_theme(facts.gtk_theme) ||
                       desktop_prefers_symbolic(facts.current_desktop)
                   ? TrayIconLook::symbolic
                   : TrayIconLook::colour;
    return facts.panel_foreground ? TrayIconLook::symbolic : TrayIconLook::colour;
}

std::string tray_icon_name(TrayState state, TrayIconLook look) {
    std::string name = std::string("fixtray-") + to_string(state);
    if (look == TrayIconLook::symbolic) name += "-symbolic";
    return name;
}

}  // namespace fixtray
