#include "app/user_settings.h"

#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "app/language.h"
#include "platform/durable_file.h"
#include "platform/read_file.h"

namespace fixtray {

using nlohmann::json;

std::string user_settings_file(const UserEnvironment& env) {
    return env.config + "/fixtray/settings.json";
}

const std::vector<LanguageChoice>& shipped_languages() {
    static const std::vector<LanguageChoice> languages = {{"en", "English"}, {"de", "Deutsch"}};
    return languages;
}

bool is_shipped_language(const std::string& tag) {
    for (const auto& l : shipped_languages())
        if (tag == l.tag) return true;
    return false;
}

LoadedUserSettings load_user_settings(const std::string& path) {
    LoadedUserSettings out;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return out;  // never saved: the defaults
    std::string text;
    if (Status s = read_file_bounded(path, 64 * 1024, text); !s || text.size() > 64 * 1024) {
        out.problems.push_back(path + ": " + (s ? std::string("larger than 64 KiB") : s.message()) +
                               " (defaults used)");
        return out;
    }
    const json doc = json::parse(text, nullptr, false, true);
    if (doc.is_discarded() || !doc.is_object()) {
        out.problems.push_back(path + ": not a JSON object (defaults used)");
        return out;
    }
    if (auto it = doc.find("language"); it != doc.end()) {
        if (it->is_string() && (*it == "system" || is_shipped_language(it->get<std::string>())))
            out.settings.language = it->get<std::string>();
        else
            out.problems.push_back(path +
                                   ": language: must be \"system\", \"en\" or \"de\" (the "
                                   "system's language is used)");
    }
    if (auto it = doc.find("notifications"); it != doc.end()) {
        if (it->is_boolean())
            out.settings.notifications = it->get<bool>();
        else
            out.problems.push_back(path + ": notifications: must be true or false (on)");
    }
    return out;
}

Status save_user_settings(const std::string& path, const UserSettings& settings) {
    const std::string dir = path.substr(0, path.rfind('/'));
    if (Status s = make_private_dirs(dir); !s) return s;
    const json doc = {{"language", settings.language}, {"notifications", settings.notifications}};
    return write_file_atomic(path, doc.dump(2) + "\n");
}

std::string effective_language(const UserSettings& settings) {
    if (is_shipped_language(settings.language)) return settings.language;
    return message_language();
}

}  // namespace fixtray
