// Translated messages for every front end, without tying the core to a gettext implementation.
//
// Every text a person reads goes through tr() (or trn() for a count), with its English text as
// the message id; xgettext finds them (src/po/CMakeLists.txt: --keyword=tr --keyword=trn:1,2
// --keyword=trf --keyword=trfn:1,2). The front end installs a Translator at start: fixctl one
// over glibc's gettext, the tray one over wxTranslations; without one (tests, the admin helper)
// the English text is returned. All message catalogs are the one domain "fixtray".
//
// Formats: trf() substitutes its arguments for "%s" in order, or "%1$s", "%2$s" by position (a
// translation may reorder them, as gettext's c-format allows; msgfmt --check-format compares a
// translation's directives with the English). "%%" is a percent sign. Nothing else is a
// directive: an argument is inserted as text, never read as a format, so a value from a pack,
// a server or the employee cannot change the message around it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace fixtray {

inline constexpr const char* kTextDomain = "fixtray";

class Translator {
public:
    virtual ~Translator() = default;
    // The translation of `msgid`, or msgid itself. The returned text lives as long as the
    // translator.
    virtual const char* translate(const char* msgid) const = 0;
    // The form for count n of the message with English singular and plural.
    virtual const char* translate_plural(const char* singular, const char* plural,
                                         unsigned long n) const = 0;
};

// Installs the process's translator (nullptr: English). Call once at start, before threads
// that translate; the translator must outlive every later tr() call.
void set_translator(const Translator* translator);

// The translation of msgid in the user's language.
const char* tr(const char* msgid);
// The form for n: trn("%s file", "%s files", n).
const char* trn(const char* singular, const char* plural, unsigned long n);

// A message with arguments: "%s" in order, "%1$s" by position, "%%" a percent sign.
std::string format_message(std::string_view format, std::initializer_list<std::string_view> args);
// tr() then format_message(): trf("Removed %s", {what}).
std::string trf(const char* msgid, std::initializer_list<std::string_view> args);
// trn() then format_message(); the count is usually one of the arguments.
std::string trfn(const char* singular, const char* plural, unsigned long n,
                 std::initializer_list<std::string_view> args);

// N_("..."): marks a string for extraction without translating it where it is written (a
// table of messages translated where they are shown with tr()). wxWidgets' translation.h
// defines the same macro, so a file may include both in either order.
#if !defined(N_)
#define N_(s) (s)
#endif

}  // namespace fixtray
