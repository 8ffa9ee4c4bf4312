#include "translations.h"

#include <mutex>
#include <string_view>
#include <unordered_map>

#include <wx/translation.h>

#include "app/language.h"
#include "app/user_settings.h"
#include "base/i18n.h"
#include "platform/platform_paths.h"

namespace fixtray::gui {

namespace {

// The core asks from any thread and keeps the returned pointer; wxTranslations answers with
// wxStrings. Each message's UTF-8 text is made once and kept (a few hundred messages).
class WxTranslator final : public Translator {
public:
    const char* translate(const char* msgid) const override { return lookup(msgid, nullptr, 1); }
    const char* translate_plural(const char* singular, const char* plural,
                                 unsigned long n) const override {
        return lookup(singular, plural, n);
    }

private:
    const char* lookup(const char* singular, const char* plural, unsigned long n) const {
        const wxTranslations* t = wxTranslations::Get();
        const std::string key = std::string(singular) + '\x04' + (plural ? plural : "") + '\x04' +
                                (plural ? std::to_string(n) : std::string());
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(key); it != cache_.end()) return it->second.c_str();
        const wxString id = wxString::FromUTF8(singular);
        const wxString* found = nullptr;
        if (t && plural)
            found = t->GetTranslatedString(id, static_cast<unsigned>(n), kTextDomain);
        else if (t)
            found = t->GetTranslatedString(id, kTextDomain);
        std::string text;
        if (found && !found->empty())
            text = found->utf8_string();
        else
            text = plural && n != 1 ? plural : singular;
        return cache_.emplace(key, std::move(text)).first->second.c_str();
    }

    mutable std::mutex mutex_;
    mutable std::unordered_map<std::string, std::string> cache_;
};

}  // namespace

std::string install_translations() {
    const UserSettings settings =
        load_user_settings(user_settings_file(current_user_environment())).settings;
    const std::string lang = effective_language(settings);

    static const WxTranslator translator;
    set_translator(&translator);
    // fixtray's texts are written in English (msgids), and the tray uses none of wxWidgets'
    // stock texts: in English there is nothing to load. Loading a catalog would also make
    // wxWidgets build its table of about a thousand languages (about 0.7 MB resident in a tray
    // that runs all day; tests/bench/README.md). Without catalogs wxWidgets' _() and the
    // translator above return the English text.
    if (primary_language(lang) == "en") return lang;

    // "de_DE.UTF-8" -> "de_DE": wxTranslations then tries de_DE, then de.
    const std::string wx_lang = lang.substr(0, lang.find_first_of(".@"));
    wxFileTranslationsLoader::AddCatalogLookupPathPrefix(wxString::FromUTF8(locale_dir()));
    auto* translations = new wxTranslations;
    translations->SetLanguage(wxString::FromUTF8(wx_lang));
    translations->AddStdCatalog();  // wxWidgets' own texts, where the system has them
    translations->AddCatalog(kTextDomain);
    wxTranslations::Set(translations);  // owns it
    return lang;
}

}  // namespace fixtray::gui
