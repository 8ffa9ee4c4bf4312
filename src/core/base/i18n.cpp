#include "base/i18n.h"

#include <atomic>
#include <vector>

namespace fixtray {

namespace {
std::atomic<const Translator*> g_translator{nullptr};
}  // namespace

void set_translator(const Translator* translator) {
    g_translator.store(translator, std::memory_order_release);
}

const char* tr(const char* msgid) {
    const Translator* t = g_translator.load(std::memory_order_acquire);
    return t ? t->translate(msgid) : msgid;
}

const char* trn(const char* singular, const char* plural, unsigned long n) {
    const Translator* t = g_translator.load(std::memory_order_acquire);
    if (t) return t->translate_plural(singular, plural, n);
    return n == 1 ? singular : plural;
}

std::string format_message(std::string_view format, std::initializer_list<std::string_view> args) {
    const std::vector<std::string_view> a(args);
    std::string out;
    out.reserve(format.size() + 32);
    std::size_t next = 0;  // the argument a plain %s takes
    for (std::size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if (c != '%' || i + 1 == format.size()) {
            out += c;
            continue;
        }
        if (format[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        if (format[i + 1] == 's') {
            if (next < a.size()) out += a[next];
            ++next;
            ++i;
            continue;
        }
        // %N$s
        std::size_t j = i + 1, n = 0;
        while (j < format.size() && format[j] >= '0' && format[j] <= '9' && n < 100)
            n = n * 10 + static_cast<std::size_t>(format[j++] - '0');
        if (j > i + 1 && j + 1 < format.size() && format[j] == '$' && format[j + 1] == 's') {
            if (n >= 1 && n <= a.size()) out += a[n - 1];
            i = j + 1;
            continue;
        }
        out += c;  // not a directive: kept as written
    }
    return out;
}

std::string trf(const char* msgid, std::initializer_list<std::string_view> args) {
    return format_message(tr(msgid), args);
}

std::string trfn(const char* singular, const char* plural, unsigned long n,
                 std::initializer_list<std::string_view> args) {
    return format_message(trn(singular, plural, n), args);
}

}  // namespace fixtray
