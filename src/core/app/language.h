// The language the user reads messages in, decided in one place for every front end.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fixtray {

// The user's message language as a locale name or language tag ("de_DE.UTF-8", "de", "pt_BR"),
// for LocalizedText::get and RunOptions::lang. Looked up as gettext does:
//   1. LANGUAGE, a colon-separated list of preferences: its first non-empty entry;
//   2. else the first non-empty of LC_ALL, LC_MESSAGES, LANG;
//   3. else "en".
// "C" and "POSIX" (with or without a codeset, e.g. "C.UTF-8") mean English ("en"). As in
// gettext, LANGUAGE is ignored when the locale from step 2 is explicitly C or POSIX, so
// LANG=C still gives English whatever LANGUAGE says.
std::string message_language();

// The same over any lookup (tests, or a front end with another environment). `lookup` returns
// the variable's value or nullptr when it is not set.
std::string message_language(const std::function<const char*(const char*)>& lookup);

// The primary language of a tag or locale, in lower case: "de" for "de_DE.UTF-8", "DE-at" and
// "de@euro"; "en" for "en_GB".
std::string primary_language(std::string_view tag);

// The yes/no question asked around a fix's confirmation text, in the language that text is
// shown in (its tag: "de", "de-AT", "" for untagged), so the question and the text agree and
// the answer is read in the same language: German asks "Fortfahren? [j/N]" and takes j and ja.
// Languages without a table here ask in English.
struct GoAheadQuestion {
    std::string prompt;            // "Go ahead? [y/N] "
    std::vector<std::string> yes;  // accepted answers, lower case ("y", "yes")
    // Is the answer one of `yes` (case and surrounding white space ignored)? Anything else,
    // an empty answer included, is no.
    bool accepts(std::string_view answer) const;
};
GoAheadQuestion go_ahead_question(std::string_view text_language);

}  // namespace fixtray
