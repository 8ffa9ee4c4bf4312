// The user's message language (app/language.h), from the real environment variables, and
// fixctl showing a pack's title in it.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <map>
#include <optional>

#include "app/language.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

// Sets LANGUAGE, LC_ALL, LC_MESSAGES and LANG for its lifetime (absent: unset), then puts the
// process's own values back.
class LocaleEnvironment {
public:
    explicit LocaleEnvironment(const std::map<std::string, std::string>& values) {
        for (const char* var : kVars) {
            const char* old = std::getenv(var);
            saved_[var] = old ? std::optional<std::string>(old) : std::nullopt;
            const auto it = values.find(var);
            if (it == values.end())
                ::unsetenv(var);
            else
                ::setenv(var, it->second.c_str(), 1);
        }
    }
    ~LocaleEnvironment() {
        for (const auto& [var, value] : saved_) {
            if (value)
                ::setenv(var.c_str(), value->c_str(), 1);
            else
                ::unsetenv(var.c_str());
        }
    }

private:
    static constexpr const char* kVars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
    std::map<std::string, std::optional<std::string>> saved_;
};

std::string language_with(const std::map<std::string, std::string>& values) {
    LocaleEnvironment env(values);
    return message_language();
}

}  // namespace

TEST_CASE("message language: LANGUAGE, then LC_ALL, LC_MESSAGES, LANG, C and POSIX are English") {
    // Scenario: each variable in turn decides, with the ones before it unset or empty.
    CHECK(language_with({}) == "en");
    CHECK(language_with({{"LANG", "de_DE.UTF-8"}}) == "de_DE.UTF-8");
    CHECK(language_with({{"LANG", "de_DE.UTF-8"}, {"LC_MESSAGES", "fr_FR.UTF-8"}}) ==
          "fr_FR.UTF-8");
    CHECK(language_with({{"LANG", "de"}, {"LC_MESSAGES", "fr"}, {"LC_ALL", "pt_BR"}}) == "pt_BR");
    CHECK(language_with({{"LANG", "de"}, {"LC_ALL", ""}}) == "de");
    CHECK(language_with({{"LANG", "de_DE.UTF-8"}, {"LANGUAGE", "fr_CA:fr:en"}}) == "fr_CA");
    CHECK(language_with({{"LANGUAGE", "::nl:de"}}) == "nl");
    CHECK(language_with({{"LANGUAGE", ":"}, {"LANG", "sv_SE.UTF-8"}}) == "sv_SE.UTF-8");
    CHECK(language_with({{"LANG", "C"}}) == "en");
    CHECK(language_with({{"LANG", "POSIX"}}) == "en");
    CHECK(language_with({{"LC_ALL", "C.UTF-8"}, {"LANG", "de_DE.UTF-8"}}) == "en");
    // As in gettext, LANGUAGE does not apply under an explicit C locale.
    CHECK(language_with({{"LANG", "C.UTF-8"}, {"LANGUAGE", "de"}}) == "en");
    CHECK(language_with({{"LANGUAGE", "C"}, {"LANG", "de_DE.UTF-8"}}) == "en");
}

TEST_CASE("fixctl shows a pack's titles in the language the environment asks for") {
    // Scenario: the real fixctl lists a fix with English, German and French titles under
    // LANGUAGE (first entry), LC_ALL and LANG=C.
    TempDir dir, home;
    write_file(dir / "p.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.lang\" version=\"1\">"
               "<fix id=\"t\" platforms=\"linux\"><title>Clear it</title>"
               "<title xml:lang=\"de\">Leeren</title><title xml:lang=\"fr\">Vider</title>"
               "<steps><run><arg>true</arg></run></steps></fix></fixpack>");
    auto list = [&](std::map<std::string, std::string> vars) {
        auto env = isolated_env(home.path());
        env.erase("LANG");
        for (const char* var : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"})
            if (!vars.count(var)) vars[var] = "";  // empty is unset for message_language
        for (const auto& [k, v] : vars) env[k] = v;
        const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "list"}, env);
        REQUIRE(r.exit_code == 0);
        return r.out;
    };
    CHECK(list({{"LANGUAGE", "fr:de"}, {"LANG", "de_DE.UTF-8"}}).find("Vider") !=
          std::string::npos);
    CHECK(list({{"LC_ALL", "de_AT.UTF-8"}, {"LANG", "fr_FR.UTF-8"}}).find("Leeren") !=
          std::string::npos);
    CHECK(list({{"LANG", "C"}, {"LANGUAGE", "de"}}).find("Clear it") != std::string::npos);
}

TEST_CASE("go-ahead question: in the language of the confirmation text") {
    const GoAheadQuestion de = go_ahead_question("de");
    CHECK(de.prompt == "Fortfahren? [j/N] ");
    CHECK(de.accepts("j"));
    CHECK(de.accepts(" Ja \n"));
    CHECK_FALSE(de.accepts("n"));
    CHECK_FALSE(de.accepts(""));
    CHECK_FALSE(de.accepts("jein"));
    CHECK(go_ahead_question("de-AT").accepts("ja"));
    CHECK(go_ahead_question("de_CH").prompt == "Fortfahren? [j/N] ");
    const GoAheadQuestion en = go_ahead_question("");
    CHECK(en.prompt == "Go ahead? [y/N] ");
    CHECK(en.accepts("Y"));
    CHECK(en.accepts("yes"));
    CHECK_FALSE(en.accepts("j"));
    CHECK(go_ahead_question("sv").prompt == "Go ahead? [y/N] ");  // no table: English
    CHECK(go_ahead_question("fr").accepts("oui"));
}

TEST_CASE("primary language: of a tag or a locale, in lower case") {
    CHECK(primary_language("de_DE.UTF-8") == "de");
    CHECK(primary_language("DE-at") == "de");
    CHECK(primary_language("de@euro") == "de");
    CHECK(primary_language("en_GB") == "en");
    CHECK(primary_language("en") == "en");
    CHECK(primary_language("") == "");
    // message_language() says "en" for the C and POSIX locales, so the tray loads no catalog.
    CHECK(primary_language(message_language([](const char* v) {
              return std::string_view(v) == "LANG" ? "C.UTF-8" : nullptr;
          })) == "en");
}
