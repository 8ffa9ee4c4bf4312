// The list of fixes a front end shows (the tray's main window and menu): the fixes that apply
// to this machine, in the user's language, grouped by category, filtered by a search.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/machine_catalog.h"
#include "app/offered_fixes.h"

namespace fixtray {

struct FixListItem {
    std::string fix_id;
    std::string title, description;  // in the user's language
    std::string category;            // the pack's category id ("network"), "" for none
    std::string category_title;      // category_title(category, lang)
    std::vector<std::string> keywords;
    bool asks_first = false;   // a disruptive fix: its confirmation text is asked before the run
    bool needs_admin = false;  // some step runs with administrator rights (polkit asks)
};

struct FixListGroup {
    std::string category;  // the id, "" for fixes without one
    std::string title;     // category_title(): "Network", "Netzwerk"; "Other" for ""
    std::vector<FixListItem> fixes;
};

// The fixes of `offered` that apply here (a fix that does not apply is not offered), with
// their texts in `lang` (a locale name or tag: "de_DE.UTF-8").
std::vector<FixListItem> fix_list_items(const std::vector<OfferedFix>& offered,
                                        const std::string& lang);

// fix_list_items for a long-running front end (the tray's watcher), which then keeps `catalog`
// only to find, run and escalate fixes: the catalog frees its descriptions and keywords
// (MachineCatalog::drop_listing_texts), and the items take theirs from it instead of a copy.
std::vector<FixListItem> take_fix_list_items(MachineCatalog& catalog, const UserEnvironment& env,
                                             const std::string& lang);

// A category id as a person reads it in `lang`: the ones a pack may use (network, printing,
// performance, storage, accounts, software, other) in German and French from a table here, in
// other languages through tr() (English without a catalog); any other id with its first letter
// upper-cased and '-' / '_' as spaces; "" and "other" are "Other".
std::string category_title(const std::string& category, const std::string& lang);

// Whether the item matches a search: every word of `query` (split at white space) occurs in
// its title, description, category (id or title), keywords or id, ignoring case (ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic letters; see fold_case). An empty query matches everything.
bool fix_matches(const FixListItem& item, std::string_view query);

// The items matching `query`, grouped by category: groups in alphabetical order of their
// (case-folded) titles with "other" and the fixes without a category last, fixes in each by title.
std::vector<FixListGroup> group_fix_list(const std::vector<FixListItem>& items,
                                         std::string_view query);

// `text` (UTF-8) lower-cased for comparisons, over the scripts named at fix_matches. Invalid
// UTF-8 bytes are kept as they are.
std::string fold_case(std::string_view text);

}  // namespace fixtray
