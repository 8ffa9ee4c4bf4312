// Which fixes a front end offers: those of this platform whose <when> holds here. A fix whose
// conditions fail is not offered (an employee would pick it and be refused); `fixctl list --all`
// and a tray's "show all" list them with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "packs/catalog.h"
#include "packs/site_config.h"
#include "platform/platform_paths.h"

namespace fixtray {

struct OfferedFix {
    CatalogEntry entry;
    // "" when the fix applies here; else why not: the engine's applicability_problem(), in
    // English and technical ("this fix applies only where the program nmcli is present"), as
    // `fixctl list --json` gives it. not_applicable_sentence() says it for a person.
    std::string not_applicable;
    bool applies() const { return not_applicable.empty(); }
};

// The catalog's fixes for this platform, in catalog order, each with its applicability under
// `site` (the site values a <when> may refer to) and `env` (the built-in variables). With
// include_not_applicable false, only those that apply.
std::vector<OfferedFix> offered_fixes(const Catalog& catalog, const SiteConfig& site,
                                      const UserEnvironment& env, bool include_not_applicable);

// An applicability problem (OfferedFix::not_applicable; a refusal's reason without its "Not
// run: " and final full stop) as one plain sentence in the user's language: "This fix is only
// for computers where nmcli is installed." "" for a problem it does not know (a path, an
// environment variable, a condition that cannot be checked): show the problem itself then.
std::string not_applicable_sentence(std::string_view problem);

}  // namespace fixtray
