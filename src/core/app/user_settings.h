// The employee's own settings (the tray's Settings window; fixctl reads the language): a small
// JSON file in the user's config directory, <config>/fixtray/settings.json. Nothing here needs or
// gives any right: the file is the user's, and a bad value is reported and replaced by its
// default, never trusted for more.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "platform/platform_paths.h"

namespace fixtray {

struct UserSettings {
    // "system" (the desktop's language), or a language fixtray ships: "en", "de".
    std::string language = "system";
    bool notifications = true;  // desktop notifications about fixes and requests
};

struct LoadedUserSettings {
    UserSettings settings;
    std::vector<std::string> problems;  // "settings.json: language: ..." (defaults used)
};

// <config>/fixtray/settings.json
std::string user_settings_file(const UserEnvironment& env);

// A missing file is the defaults without a problem; an unreadable or malformed one, or a bad
// value, is the defaults for what is wrong, with a problem naming it.
LoadedUserSettings load_user_settings(const std::string& path);
// Writes atomically (the directory is made, private to the user).
Status save_user_settings(const std::string& path, const UserSettings& settings);

// The languages fixtray ships complete, as (tag, the language's name in itself).
struct LanguageChoice {
    const char* tag;   // "en", "de"
    const char* name;  // "English", "Deutsch"
};
const std::vector<LanguageChoice>& shipped_languages();
bool is_shipped_language(const std::string& tag);

// The language messages are shown in: the setting when it names a shipped language, else
// message_language() (the environment, as gettext reads it).
std::string effective_language(const UserSettings& settings);

}  // namespace fixtray
