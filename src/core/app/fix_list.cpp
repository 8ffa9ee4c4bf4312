#include "app/fix_list.h"

#include <algorithm>
#include <map>
#include <utility>

#include "base/i18n.h"
#include "packs/fix_pack.h"

namespace fixtray {

namespace {

struct CategoryNames {
    const char* id;
    const char *en, *de, *fr;
};
// The categories a pack may use (pack_loader: network, printing, performance, storage,
// accounts, software, other). German and French are written here, as the packs' own texts
// are (a fix's title and its category agree in `lang` whatever catalogs are installed); any
// other language takes the English name through tr().
constexpr CategoryNames kCategories[] = {
    // TRANSLATORS: this and the following are categories of fixes, headings in the list of
    // fixes.
    {"network", N_("Network"), "Netzwerk", "Réseau"},
    {"printing", N_("Printing"), "Drucken", "Impression"},
    {"performance", N_("Performance"), "Leistung", "Performances"},
    {"storage", N_("Storage"), "Speicher", "Stockage"},
    {"accounts", N_("Accounts"), "Konten", "Comptes"},
    {"software", N_("Software"), "Software", "Logiciels"},
};

// Decodes one UTF-8 sequence at text[*i]; returns -1 (and consumes one byte) when invalid.
long decode(std::string_view text, std::size_t* i) {
    const auto b = static_cast<unsigned char>(text[*i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || *i + static_cast<std::size_t>(len) > text.size()) {
        ++*i;
        return -1;
    }
    long cp = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(text[*i + static_cast<std::size_t>(k)]);
        if ((c >> 6) != 0x2) {
            ++*i;
            return -1;
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    *i += static_cast<std::size_t>(len);
    return cp;
}

void encode(long cp, std::string* out) {
    if (cp < 0x80) {
        out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

long lower(long cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // Latin-1
    if (cp >= 0x100 && cp <= 0x137 && cp % 2 == 0) return cp + 1;  // Latin Extended-A
    if (cp >= 0x139 && cp <= 0x148 && cp % 2 == 1) return cp + 1;
    if (cp >= 0x14A && cp <= 0x177 && cp % 2 == 0) return cp + 1;
    if (cp == 0x178) return 0xFF;
    if (cp >= 0x179 && cp <= 0x17E && cp % 2 == 1) return cp + 1;
    if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;  // Greek
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;                 // Cyrillic
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
    return cp;
}

std::vector<std::string> words(std::string_view query) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < query.size()) {
        while (i < query.size() && (query[i] == ' ' || query[i] == '\t' || query[i] == '\n')) ++i;
        const std::size_t start = i;
        while (i < query.size() && !(query[i] == ' ' || query[i] == '\t' || query[i] == '\n')) ++i;
        if (i > start) out.push_back(fold_case(query.substr(start, i - start)));
    }
    return out;
}

}  // namespace

std::string fold_case(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t start = i;
        const long cp = decode(text, &i);
        if (cp < 0)
            out.push_back(text[start]);
        else
            encode(lower(cp), &out);
    }
    return out;
}

std::string category_title(const std::string& category, const std::string& lang) {
    const std::string l = lang.substr(0, 2);
    if (category.empty() || category == "other")
        // TRANSLATORS: the category of fixes that have none, a heading in the list of fixes.
        return l == "de" ? "Sonstiges" : l == "fr" ? "Autres" : tr("Other");
    for (const auto& c : kCategories)
        if (category == c.id) return l == "de" ? c.de : l == "fr" ? c.fr : tr(c.en);
    std::string out = category;
    for (char& ch : out)
        if (ch == '-' || ch == '_') ch = ' ';
    if (out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

namespace {

// An item without its description and keywords (copied or taken by the callers below).
FixListItem list_item(const Fix& fix, const std::string& lang) {
    FixListItem item;
    item.fix_id = fix.id;
    item.title = fix.title.get(lang);
    item.category = fix.category;
    item.category_title = category_title(fix.category, lang);
    item.asks_first = !fix.confirm.empty();
    item.needs_admin = fix.needs_admin();
    return item;
}

std::size_t applying(const std::vector<OfferedFix>& offered) {
    return static_cast<std::size_t>(std::count_if(offered.begin(), offered.end(),
                                                  [](const OfferedFix& o) { return o.applies(); }));
}

}  // namespace

std::vector<FixListItem> fix_list_items(const std::vector<OfferedFix>& offered,
                                        const std::string& lang) {
    std::vector<FixListItem> out;
    out.reserve(applying(offered));
    for (const OfferedFix& o : offered) {
        if (!o.applies()) continue;
        const Fix& fix = *o.entry.fix;
        FixListItem item = list_item(fix, lang);
        item.description = fix.description.get(lang);
        item.keywords = fix.keywords;
        out.push_back(std::move(item));
    }
    return out;
}

std::vector<FixListItem> take_fix_list_items(MachineCatalog& catalog, const UserEnvironment& env,
                                             const std::string& lang) {
    const std::vector<OfferedFix> offered =
        offered_fixes(catalog.catalog(), catalog.config().site, env, false);
    std::vector<FixListItem> out;
    out.reserve(applying(offered));
    // Which item each offered fix becomes: by its pack's file and its id, as the catalog may
    // hand over its fixes from a copy of its own (MachineCatalog::drop_listing_texts).
    std::map<std::pair<std::string_view, std::string_view>, std::size_t> item_of;
    for (const OfferedFix& o : offered) {
        if (!o.applies()) continue;
        item_of.emplace(
            std::pair<std::string_view, std::string_view>(o.entry.pack->file, o.entry.fix->id),
            out.size());
        out.push_back(list_item(*o.entry.fix, lang));
    }
    catalog.drop_listing_texts([&](const FixPack& pack, Fix& fix) {
        const auto it = item_of.find({pack.file, fix.id});
        if (it == item_of.end()) return;
        FixListItem& item = out[it->second];
        item.description = fix.description.take(lang);
        item.keywords = std::move(fix.keywords);
    });
    return out;
}

bool fix_matches(const FixListItem& item, std::string_view query) {
    const std::vector<std::string> wanted = words(query);
    if (wanted.empty()) return true;
    std::string haystack = item.title + "\n" + item.description + "\n" + item.category + "\n" +
                           item.category_title + "\n" + item.fix_id;
    for (const auto& k : item.keywords) haystack += "\n" + k;
    haystack = fold_case(haystack);
    return std::all_of(wanted.begin(), wanted.end(),
                       [&](const std::string& w) { return haystack.find(w) != std::string::npos; });
}

std::vector<FixListGroup> group_fix_list(const std::vector<FixListItem>& items,
                                         std::string_view query) {
    std::vector<FixListGroup> groups;
    for (const FixListItem& item : items) {
        if (!fix_matches(item, query)) continue;
        auto g = std::find_if(groups.begin(), groups.end(),
                              [&](const FixListGroup& x) { return x.category == item.category; });
        if (g == groups.end())
            g = groups.insert(groups.end(), FixListGroup{item.category, item.category_title, {}});
        g->fixes.push_back(item);
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const FixListGroup& a, const FixListGroup& b) {
                         const bool a_other = a.category.empty() || a.category == "other",
                                    b_other = b.category.empty() || b.category == "other";
                         if (a_other != b_other) return b_other;
                         return fold_case(a.title) < fold_case(b.title);
                     });
    for (auto& g : groups)
        std::stable_sort(g.fixes.begin(), g.fixes.end(),
                         [](const FixListItem& a, const FixListItem& b) {
                             return fold_case(a.title) < fold_case(b.title);
                         });
    return groups;
}

}  // namespace fixtray
