// Which fixes a front end offers: those of this platform whose <when> holds here. A fix whose
// conditions fail is not offered (an employee would pick it and be refused); `fixctl list --all`
// and a tray's "show all" list them with the reason.
#pragma once

#include <string>
#include <vector>

#include "packs/catalog.h"
#include "packs/site_config.h"
#include "platform/platform_paths.h"

namespace fixtray {

struct OfferedFix {
    CatalogEntry entry;
    std::string not_applicable;  // "" when the fix applies here; else why not, for a person
    bool applies() const { return not_applicable.empty(); }
};

// The catalog's fixes for this platform, in catalog order, each with its applicability under
// `site` (the site values a <when> may refer to) and `env` (the built-in variables). With
// include_not_applicable false, only those that apply.
std::vector<OfferedFix> offered_fixes(const Catalog& catalog, const SiteConfig& site,
                                      const UserEnvironment& env, bool include_not_applicable);

}  // namespace fixtray
