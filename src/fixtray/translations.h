// The tray's messages in the user's language: wxTranslations over the "fixtray" catalogs, for
// the tray's own texts (_()) and the core's (base/i18n.h tr()).
#pragma once

#include <string>

namespace fixtray::gui {

// Decides the language (the user's settings.json, else the environment), loads the catalogs
// with wxTranslations and installs the core's translator. Returns the language for pack texts
// ("de", "de_DE.UTF-8", "en"). Call once in OnInit, before the controller starts its threads.
std::string install_translations();

}  // namespace fixtray::gui
