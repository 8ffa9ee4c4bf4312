// fixctl's messages in the user's language: glibc's gettext over the "fixtray" catalogs.
#pragma once

#include <string>

namespace fixtray::cli {

// Decides the language (the user's settings.json, else the environment as gettext reads it),
// installs the core's translator (base/i18n.h) and returns the language for pack texts ("de",
// "de_DE.UTF-8", "en"). Call first in main(), before any thread starts: it may set LANGUAGE.
std::string install_translations();

}  // namespace fixtray::cli
