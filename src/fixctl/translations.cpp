#include "translations.h"

#include <libintl.h>

#include <clocale>
#include <cstdlib>
#include <string_view>

#include "app/user_settings.h"
#include "base/i18n.h"
#include "platform/platform_paths.h"

namespace fixtray::cli {

namespace {

class GettextTranslator final : public Translator {
public:
    const char* translate(const char* msgid) const override {
        return ::dgettext(kTextDomain, msgid);
    }
    const char* translate_plural(const char* singular, const char* plural,
                                 unsigned long n) const override {
        return ::dngettext(kTextDomain, singular, plural, n);
    }
};

bool is_c_locale(std::string_view name) {
    const std::string_view language = name.substr(0, name.find_first_of(".@"));
    return language.empty() || language == "C" || language == "POSIX";
}

}  // namespace

std::string install_translations() {
    const UserSettings settings =
        load_user_settings(user_settings_file(current_user_environment())).settings;
    const std::string lang = effective_language(settings);

    // Only the messages' locale: numbers, character classes and collation stay "C", so what
    // fixctl prints for scripts (JSON, plans) does not change with the language.
    std::setlocale(LC_MESSAGES, "");
    // gettext picks the catalog from LANGUAGE, then the LC_MESSAGES locale. The language
    // decided here wins: a setting of "de" on an English desktop, or LANG=de_DE.UTF-8 on a
    // machine without that locale generated (setlocale fails and leaves "C", where gettext
    // would translate nothing). In the C locale gettext ignores LANGUAGE, so LC_MESSAGES
    // becomes C.UTF-8 (built into glibc): still C, but messages may be translated and UTF-8.
    ::setenv("LANGUAGE", lang.c_str(), 1);
    const char* messages = std::setlocale(LC_MESSAGES, nullptr);
    if (!messages || is_c_locale(messages)) std::setlocale(LC_MESSAGES, "C.UTF-8");
    ::bindtextdomain(kTextDomain, locale_dir().c_str());
    ::bind_textdomain_codeset(kTextDomain, "UTF-8");

    static const GettextTranslator translator;
    set_translator(&translator);
    return lang;
}

}  // namespace fixtray::cli
