#include "app/offered_fixes.h"

#include "engine/engine.h"
#include "packs/fix_pack.h"

namespace fixtray {

std::vector<OfferedFix> offered_fixes(const Catalog& catalog, const SiteConfig& site,
                                      const UserEnvironment& env, bool include_not_applicable) {
    std::vector<OfferedFix> out;
    for (const CatalogEntry& e : catalog.fixes(current_platform())) {
        OfferedFix f{e, applicability_problem(*e.pack, *e.fix, site, env)};
        if (f.applies() || include_not_applicable) out.push_back(std::move(f));
    }
    return out;
}

}  // namespace fixtray
