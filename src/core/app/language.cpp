#include "app/language.h"

#include <cstdlib>
#include <string_view>

namespace fixtray {

namespace {

bool is_c_locale(std::string_view name) {
    const std::string_view language = name.substr(0, name.find_first_of(".@"));
    return language == "C" || language == "POSIX";
}

}  // namespace

std::string message_language(const std::function<const char*(const char*)>& lookup) {
    std::string locale;
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"})
        if (const char* v = lookup(var); v && *v) {
            locale = v;
            break;
        }
    if (!locale.empty() && is_c_locale(locale)) return "en";

    if (const char* v = lookup("LANGUAGE"); v && *v) {
        std::string_view list = v;
        while (!list.empty()) {
            const auto colon = list.find(':');
            const std::string_view entry = list.substr(0, colon);
            if (!entry.empty()) return is_c_locale(entry) ? "en" : std::string(entry);
            if (colon == std::string_view::npos) break;
            list.remove_prefix(colon + 1);
        }
    }
    return locale.empty() ? "en" : locale;
}

std::string message_language() {
    return message_language([](const char* name) { return std::getenv(name); });
}

}  // namespace fixtray
