#include "app/language.h"

#include <algorithm>
#include <cctype>
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

std::string primary_language(std::string_view tag) {
    std::string primary(tag.substr(0, tag.find_first_of("-_.@")));
    std::transform(primary.begin(), primary.end(), primary.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return primary;
}

GoAheadQuestion go_ahead_question(std::string_view text_language) {
    const std::string primary = primary_language(text_language);
    if (primary == "de") return {"Fortfahren? [j/N] ", {"j", "ja"}};
    if (primary == "fr") return {"Continuer ? [o/N] ", {"o", "oui"}};
    if (primary == "es") return {"¿Continuar? [s/N] ", {"s", "si", "sí"}};
    if (primary == "nl") return {"Doorgaan? [j/N] ", {"j", "ja"}};
    return {"Go ahead? [y/N] ", {"y", "yes"}};
}

bool GoAheadQuestion::accepts(std::string_view answer) const {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    const auto first = std::find_if(answer.begin(), answer.end(), not_space);
    const auto last = std::find_if(answer.rbegin(), answer.rend(), not_space).base();
    if (first >= last) return false;
    std::string a(first, last);
    std::transform(a.begin(), a.end(), a.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::find(yes.begin(), yes.end(), a) != yes.end();
}

}  // namespace fixtray
